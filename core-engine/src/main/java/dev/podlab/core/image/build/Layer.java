package dev.podlab.core.image.build;

import dev.podlab.core.image.build.LayerEntry.DeviceKind;
import dev.podlab.core.image.build.LayerEntry.Owner;
import dev.podlab.core.image.oci.MediaTypes.Compression;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One image layer described by its entries, in the order they go into the tar.
 *
 * <pre>{@code
 * Layer app = Layer.builder()
 *         .dir("app", 0755)
 *         .file("app/hello.txt", "hi\n")
 *         .symlink("app/link", "hello.txt")
 *         .whiteout("etc/motd")
 *         .build();
 * }</pre>
 *
 * @param entries     the tar entries, in order
 * @param compression how this layer's blob is compressed; null to use the image's default
 */
public record Layer(List<LayerEntry> entries, Compression compression) {
    public Layer {
        entries = List.copyOf(entries);
    }

    public Layer(List<LayerEntry> entries) {
        this(entries, null);
    }

    /** The same entries compressed {@code c}. */
    public Layer withCompression(Compression c) {
        return new Layer(entries, c);
    }

    /** A layer with this one's entries followed by {@code more}'s (compression of this one). */
    public Layer plus(Layer more) {
        List<LayerEntry> all = new ArrayList<>(entries);
        all.addAll(more.entries());
        return new Layer(all, compression);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects entries. Every entry is owned by the owner set by the latest {@link #owner(long, long)} call
     * (0:0 before any); modes are permission bits.
     */
    public static final class Builder {
        private final List<LayerEntry> entries = new ArrayList<>();
        private Owner owner = Owner.ROOT;
        private Compression compression;

        private Builder() {}

        /** Owner of the entries added after this call. */
        public Builder owner(long uid, long gid) {
            owner = new Owner(uid, gid);
            return this;
        }

        public Builder compression(Compression c) {
            compression = c;
            return this;
        }

        public Builder entry(LayerEntry e) {
            entries.add(Objects.requireNonNull(e, "entry"));
            return this;
        }

        public Builder entries(List<? extends LayerEntry> es) {
            es.forEach(this::entry);
            return this;
        }

        public Builder dir(String path, int mode) {
            return entry(new LayerEntry.Directory(path, mode, owner));
        }

        public Builder file(String path, FileContent content, int mode) {
            return entry(new LayerEntry.RegularFile(path, content, mode, owner));
        }

        public Builder file(String path, byte[] content, int mode) {
            return file(path, FileContent.of(content), mode);
        }

        /** A UTF-8 text file, mode 0644. */
        public Builder file(String path, String text) {
            return file(path, text, 0644);
        }

        public Builder file(String path, String text, int mode) {
            return file(path, text.getBytes(StandardCharsets.UTF_8), mode);
        }

        public Builder symlink(String path, String target) {
            return entry(new LayerEntry.Symlink(path, target, owner));
        }

        public Builder hardlink(String path, String target) {
            return entry(new LayerEntry.Hardlink(path, target, owner));
        }

        public Builder whiteout(String path) {
            return entry(new LayerEntry.Whiteout(path, owner));
        }

        public Builder opaque(String dir) {
            return entry(new LayerEntry.OpaqueDirectory(dir, owner));
        }

        /** A character device, mode 0666. */
        public Builder charDevice(String path, int major, int minor) {
            return entry(new LayerEntry.Device(path, DeviceKind.CHARACTER, major, minor, 0666, owner));
        }

        /** A block device, mode 0660. */
        public Builder blockDevice(String path, int major, int minor) {
            return entry(new LayerEntry.Device(path, DeviceKind.BLOCK, major, minor, 0660, owner));
        }

        /** A named pipe, mode 0644. */
        public Builder fifo(String path) {
            return entry(new LayerEntry.Fifo(path, 0644, owner));
        }

        public Layer build() {
            return new Layer(entries, compression);
        }
    }
}
