package dev.podlab.core.runtime;

import dev.podlab.core.container.ContainerException;

/**
 * A container asked for a runtime that is not configured or does not work on this host (a
 * failed precondition, not a failure of the container): the message carries the catalog's reason.
 */
public class RuntimeUnavailableException extends ContainerException {
    private final String runtime;

    public RuntimeUnavailableException(String runtime, String message) {
        super(message);
        this.runtime = runtime;
    }

    /** The runtime name that was asked for. */
    public String runtime() {
        return runtime;
    }
}
