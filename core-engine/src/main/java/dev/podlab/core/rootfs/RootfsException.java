package dev.podlab.core.rootfs;

import dev.podlab.core.PodlabException;

/** A container root filesystem could not be prepared or released. */
public class RootfsException extends PodlabException {
    public RootfsException(String message) {
        super(message);
    }

    public RootfsException(String message, Throwable cause) {
        super(message, cause);
    }
}
