package dev.podlab.core.image.build;

import java.util.Objects;

/**
 * One entry of a layer tar, as {@link LayerTars} writes it. Paths are relative to the image root ("bin/sh"; a
 * leading "/" is dropped, a trailing "/" too) and may not contain ".." components or NUL. Modes are permission
 * bits only (up to 07777, setuid/setgid/sticky included); the file type bits are added when the tar is written.
 * Parent directories are never added implicitly: a layer holds exactly the entries it lists, in order.
 */
public sealed interface LayerEntry {

    /** The path in the image, relative, without leading or trailing "/". Empty only for an opaque root. */
    String path();

    Owner owner();

    /** Numeric owner of an entry; names are never written (tars stay the same on every machine). */
    record Owner(long uid, long gid) {
        public static final Owner ROOT = new Owner(0, 0);

        public Owner {
            if (uid < 0 || gid < 0) {
                throw new IllegalArgumentException("uid and gid must not be negative: " + uid + ":" + gid);
            }
        }
    }

    /** The kind of a device node. */
    enum DeviceKind { CHARACTER, BLOCK }

    record Directory(String path, int mode, Owner owner) implements LayerEntry {
        public Directory {
            path = EntryPaths.clean(path, false);
            EntryPaths.checkMode(mode, path);
            Objects.requireNonNull(owner, "owner");
        }
    }

    record RegularFile(String path, FileContent content, int mode, Owner owner) implements LayerEntry {
        public RegularFile {
            path = EntryPaths.clean(path, false);
            Objects.requireNonNull(content, "content");
            EntryPaths.checkMode(mode, path);
            Objects.requireNonNull(owner, "owner");
        }
    }

    /** A symbolic link; {@code target} is kept verbatim (relative or absolute, resolved in the container). */
    record Symlink(String path, String target, Owner owner) implements LayerEntry {
        public Symlink {
            path = EntryPaths.clean(path, false);
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(owner, "owner");
        }
    }

    /** A hard link to {@code target}, an entry earlier in this layer (or below it), as a path in the image. */
    record Hardlink(String path, String target, Owner owner) implements LayerEntry {
        public Hardlink {
            path = EntryPaths.clean(path, false);
            target = EntryPaths.clean(target, false);
            Objects.requireNonNull(owner, "owner");
        }
    }

    /** Deletes {@code path} of a lower layer: written as the empty file {@code dir/.wh.<name>}. */
    record Whiteout(String path, Owner owner) implements LayerEntry {
        public Whiteout {
            path = EntryPaths.clean(path, false);
            Objects.requireNonNull(owner, "owner");
        }

        public Whiteout(String path) {
            this(path, Owner.ROOT);
        }

        /** The tar entry name: {@code dir/.wh.name}. */
        public String entryName() {
            int slash = path.lastIndexOf('/');
            return slash < 0 ? ".wh." + path : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
        }
    }

    /**
     * Hides everything lower layers have in directory {@code path} (its own entries in this layer stay): written
     * as the empty file {@code dir/.wh..wh..opq}. An empty path means the root.
     */
    record OpaqueDirectory(String path, Owner owner) implements LayerEntry {
        public OpaqueDirectory {
            path = EntryPaths.clean(path, true);
            Objects.requireNonNull(owner, "owner");
        }

        public OpaqueDirectory(String path) {
            this(path, Owner.ROOT);
        }

        public String entryName() {
            return (path.isEmpty() ? "" : path + "/") + ".wh..wh..opq";
        }
    }

    record Device(String path, DeviceKind kind, int major, int minor, int mode, Owner owner) implements LayerEntry {
        public Device {
            path = EntryPaths.clean(path, false);
            Objects.requireNonNull(kind, "kind");
            if (major < 0 || minor < 0) {
                throw new IllegalArgumentException("device numbers must not be negative: " + path);
            }
            EntryPaths.checkMode(mode, path);
            Objects.requireNonNull(owner, "owner");
        }
    }

    record Fifo(String path, int mode, Owner owner) implements LayerEntry {
        public Fifo {
            path = EntryPaths.clean(path, false);
            EntryPaths.checkMode(mode, path);
            Objects.requireNonNull(owner, "owner");
        }
    }
}
