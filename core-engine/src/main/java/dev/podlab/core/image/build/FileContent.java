package dev.podlab.core.image.build;

import dev.podlab.core.image.Digest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/** Where the bytes of a {@link LayerEntry.RegularFile} come from. */
public sealed interface FileContent {

    /** Length in bytes (for a host file: its current size). */
    long size() throws IOException;

    /** A fresh stream over exactly {@link #size()} bytes. */
    InputStream open() throws IOException;

    static FileContent of(byte[] bytes) {
        return new Bytes(bytes);
    }

    static FileContent utf8(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    static FileContent hostFile(Path path) {
        return new HostFile(path);
    }

    static FileContent generated(long seed, long size) {
        return new Generated(seed, size);
    }

    /** Bytes held in memory (copied in and out, so the value stays immutable). */
    record Bytes(byte[] bytes) implements FileContent {
        public Bytes {
            bytes = Objects.requireNonNull(bytes, "bytes").clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Bytes[" + bytes.length + " bytes]";
        }
    }

    /** A file of the building host, read when the layer is written. */
    record HostFile(Path path) implements FileContent {
        public HostFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public long size() throws IOException {
            return Files.size(path);
        }

        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(path);
        }
    }

    /**
     * {@code size} random-looking but fully deterministic bytes (incompressible, so they show up as real space in
     * a layer): the concatenation of SHA-256(seed as 8 bytes big-endian || counter as 8 bytes big-endian) for
     * counter = 0, 1, 2, ..., cut to {@code size}. The same seed and size give the same bytes on every machine
     * and JDK.
     */
    record Generated(long seed, long size) implements FileContent {
        public Generated {
            if (size < 0) {
                throw new IllegalArgumentException("generated content size must not be negative: " + size);
            }
        }

        @Override
        public InputStream open() {
            return new GeneratedStream(seed, size);
        }
    }
}
