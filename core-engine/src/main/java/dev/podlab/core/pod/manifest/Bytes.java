package dev.podlab.core.pod.manifest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** An immutable byte string (a Secret value, a ConfigMap's binaryData entry). */
public record Bytes(byte[] value) {
    public Bytes {
        value = value.clone();
    }

    public static Bytes utf8(String s) {
        return new Bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy: the record stays immutable. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /** The bytes read as UTF-8 (what an environment variable receives). */
    public String asString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public int length() {
        return value.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    /** Never the content: secrets must not end up in logs. */
    @Override
    public String toString() {
        return "Bytes[" + value.length + " bytes]";
    }
}
