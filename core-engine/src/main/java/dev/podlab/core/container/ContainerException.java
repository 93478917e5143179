package dev.podlab.core.container;

import dev.podlab.core.PodlabException;

/** A container operation failed; the message names the container and the cause. */
public class ContainerException extends PodlabException {
    private final int exitCode;

    public ContainerException(String message) {
        this(message, null, 125);
    }

    public ContainerException(String message, Throwable cause) {
        this(message, cause, 125);
    }

    public ContainerException(String message, Throwable cause, int exitCode) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The exit status a CLI should end with: 125 engine error, 126 not executable, 127 not found. */
    public int exitCode() {
        return exitCode;
    }
}
