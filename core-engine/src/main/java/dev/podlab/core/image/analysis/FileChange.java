package dev.podlab.core.image.analysis;

/**
 * One path a layer touches, compared with the layers below it (as dive marks them).
 *
 * @param path       relative path without a leading '/' (e.g. {@code etc/passwd})
 * @param kind       what the layer did to it
 * @param size       bytes: the file's size; for REMOVED, the bytes it hid below (a directory counts its contents)
 * @param directory  whether it is (or, for REMOVED, was) a directory
 * @param linkTarget symlink target or hard link target; null otherwise
 */
public record FileChange(String path, Kind kind, long size, boolean directory, String linkTarget) {
    public enum Kind {
        /** Not present below. */
        ADDED,
        /** Present below and different (content, type, mode, owner or link target). */
        MODIFIED,
        /** Whited out (or hidden by an opaque directory). */
        REMOVED,
        /** Listed again with nothing changed (typically the parent directories a layer tar repeats). */
        UNCHANGED
    }
}
