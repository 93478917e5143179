package dev.podlab.core.image;

import dev.podlab.core.PodlabException;

/**
 * An image could not be parsed, fetched, stored or unpacked. Messages read
 * "failed to &lt;action&gt; &lt;object&gt;: &lt;cause&gt;" and name the blob, layer entry,
 * registry URL or archive path at fault.
 */
public class ImageException extends PodlabException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
