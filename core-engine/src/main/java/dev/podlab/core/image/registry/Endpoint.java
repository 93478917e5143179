package dev.podlab.core.image.registry;

import java.net.URI;

/**
 * One place a registry's content can be fetched from: the registry itself or a mirror.
 *
 * @param base   {@code scheme://host[:port]} (with a path prefix for mirrors that have one)
 * @param mirror true for a mirror standing in for the registry
 */
public record Endpoint(URI base, boolean mirror) {

    /** {@code base + /v2/ + rest}. */
    public URI resolve(String v2Path) {
        String b = base.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return URI.create(b + v2Path);
    }

    /** {@code host:port}, as credentials and tokens are keyed. */
    public String authority() {
        return base.getAuthority();
    }

    @Override
    public String toString() {
        return base + (mirror ? " (mirror)" : "");
    }
}
