package dev.podlab.core.image.unpack;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How a layer tar's entry names map to paths inside the layer. Decisions, the same as GNU
 * tar and the docker/containerd appliers make them:
 * <ul>
 *   <li>a leading '/' is stripped ({@code /etc/passwd} is {@code etc/passwd});</li>
 *   <li>'.' and empty components are dropped, {@code a/../b} is {@code b} (lexically, no
 *       symlink is ever consulted);</li>
 *   <li>a {@code ..} that would climb above the layer root is refused, as is an empty name
 *       or a name containing NUL.</li>
 * </ul>
 * The result is relative, uses '/' and has no trailing slash; the layer root itself is "".
 */
public final class LayerPaths {
    /** Prefix of a whiteout entry's base name (OCI image spec, layer changesets). */
    public static final String WHITEOUT_PREFIX = ".wh.";
    /** Base name of an opaque-directory marker. */
    public static final String OPAQUE = ".wh..wh..opq";
    /** Prefix of aufs metadata entries (hard-link directories and the like), which are skipped. */
    public static final String WHITEOUT_META_PREFIX = ".wh..wh.";

    private LayerPaths() {}

    /** Why an entry name cannot be used. */
    public static final class BadPathException extends IllegalArgumentException {
        public BadPathException(String message) {
            super(message);
        }
    }

    /** The clean relative path of {@code name}; {@link BadPathException} when it is unusable. */
    public static String normalize(String name) {
        if (name == null || name.isEmpty()) {
            throw new BadPathException("empty name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new BadPathException("name contains a NUL byte");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw new BadPathException("'..' climbs above the layer root");
                }
                parts.removeLast();
                continue;
            }
            parts.addLast(part);
        }
        return String.join("/", parts);
    }

    /** The parent of a clean path ("" for a top-level name). */
    public static String parent(String clean) {
        int slash = clean.lastIndexOf('/');
        return slash < 0 ? "" : clean.substring(0, slash);
    }

    /** The last component of a clean path. */
    public static String baseName(String clean) {
        return clean.substring(clean.lastIndexOf('/') + 1);
    }

    public static String join(String parent, String child) {
        return parent.isEmpty() ? child : parent + "/" + child;
    }

    /** True when {@code path} equals {@code dir} or lies below it ("" contains everything). */
    public static boolean isWithin(String path, String dir) {
        return dir.isEmpty() || path.equals(dir) || path.startsWith(dir + "/");
    }
}
