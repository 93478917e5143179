package dev.podlab.api.client.h2;

import java.io.IOException;

/** A header block that breaks HPACK's rules: a connection error (COMPRESSION_ERROR) for HTTP/2. */
final class HpackException extends IOException {
    HpackException(String message) {
        super(message);
    }
}
