package dev.podlab.core.image.registry;

import dev.podlab.core.image.ImageException;

import java.net.URI;

/**
 * A registry answered with an HTTP error (or could not be reached). {@link #status()} lets a
 * caller react: 401/403 suggest {@code podlab login}, 404 a wrong name or tag.
 */
public class RegistryException extends ImageException {
    private final int status;
    private final transient URI url;

    public RegistryException(String message, int status, URI url, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.url = url;
    }

    /** The HTTP status of the last attempt; 0 when no HTTP answer came (connection failed). */
    public int status() {
        return status;
    }

    /** The URL of the last attempt. */
    public URI url() {
        return url;
    }
}
