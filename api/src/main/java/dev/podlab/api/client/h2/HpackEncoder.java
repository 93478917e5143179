package dev.podlab.api.client.h2;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes request header blocks as literals that never touch the dynamic table (RFC 7541, 6.2.2) and without
 * Huffman coding: a client sending a handful of short headers per call gains little from either, and a
 * stateless encoder cannot get out of step with the peer's decoder.
 */
final class HpackEncoder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    /** Adds one field; names must already be lower case. */
    HpackEncoder field(String name, String value) {
        out.write(0x00);
        string(name);
        string(value);
        return this;
    }

    /** An indexed static-table field, e.g. 3 for {@code :method: POST}. */
    HpackEncoder indexed(int staticIndex) {
        out.write(0x80 | staticIndex);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(b.length, 7, 0x00);
        out.write(b, 0, b.length);
    }

    private void integer(int value, int prefix, int flags) {
        int max = (1 << prefix) - 1;
        if (value < max) {
            out.write(flags | value);
            return;
        }
        out.write(flags | max);
        value -= max;
        while (value >= 0x80) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }
}
