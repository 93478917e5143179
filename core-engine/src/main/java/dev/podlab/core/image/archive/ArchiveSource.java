package dev.podlab.core.image.archive;

import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ImageException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;

/**
 * The members of an image archive (a tar, maybe compressed) or of a directory, by name. Names are relative,
 * '/'-separated and normalised ("./a//b" is "a/b"); a name that is absolute or has a ".." component is refused
 * with an error naming it, so nothing read from an archive can point outside it.
 *
 * <p>A tar can only be read front to back, so members are read in passes: {@link #read} loads small members
 * (JSON documents) into memory, {@link #stream} hands big ones (layers) to a handler in archive order, without
 * ever holding them in memory or writing them anywhere but where the handler puts them. Every error is a
 * one-line {@link ImageException} "failed to import ARCHIVE: ..." naming the member at fault.
 */
abstract sealed class ArchiveSource implements AutoCloseable permits TarSource, DirectorySource {
    /** Receives one member's bytes; {@code in} must not be closed (closing it does nothing). */
    @FunctionalInterface
    interface MemberHandler {
        void accept(String member, long size, InputStream in) throws IOException;
    }

    protected final Path path;

    ArchiveSource(Path path) {
        this.path = path;
    }

    /** A directory becomes a {@link DirectorySource}, a file a {@link TarSource} (checked and indexed here). */
    static ArchiveSource open(Path path) {
        if (Files.isDirectory(path)) {
            return DirectorySource.open(path);
        }
        if (!Files.exists(path)) {
            throw new ImageException("failed to import " + path + ": no such file or directory");
        }
        return TarSource.open(path);
    }

    Path path() {
        return path;
    }

    /** Whether this is a directory rather than an archive file. */
    abstract boolean isDirectory();

    /** What the source holds, for "not an archive" errors: "a tar archive with 3 members: a, b, c". */
    abstract String describe();

    /** True when a member of this (normalised) name exists, whatever its type. */
    abstract boolean exists(String name);

    /**
     * The regular-file member {@code name} refers to (following symbolic and hard links inside the archive), or
     * empty when there is none. A link leading outside the archive or to something that is not a regular file is
     * an error naming it.
     */
    abstract Optional<String> resolve(String name);

    /** Size in bytes of a member returned by {@link #resolve}. */
    abstract long size(String member);

    /** Reads members returned by {@link #resolve} into memory; each must be at most {@code max} bytes. */
    abstract Map<String, byte[]> read(Collection<String> members, long max);

    /** Hands each member returned by {@link #resolve} to {@code handler}, in archive order. */
    abstract void stream(Collection<String> members, MemberHandler handler);

    @Override
    public void close() {}

    byte[] readOne(String member, long max) {
        return read(java.util.List.of(member), max).get(member);
    }

    ImageException error(String why) {
        return new ImageException("failed to import " + path + ": " + why);
    }

    ImageException error(String why, Throwable cause) {
        return new ImageException("failed to import " + path + ": " + why, cause);
    }

    /** The member is too big to be a JSON document here. */
    ImageException tooBig(String member, long size, long max) {
        return error("member " + member + " is " + size + " bytes, more than the " + max
                + " bytes allowed for a JSON document");
    }

    ImageException ioError(String what, IOException e) {
        if (e instanceof NoSuchFileException) {
            return error(what + ": " + e.getMessage() + " is missing", e);
        }
        return error(what + ": " + PodlabException.describe(e), e);
    }

    /**
     * "./a//b/" -> "a/b"; "" for the archive root itself. Absolute names and ".." components are refused: a
     * member must not name anything outside the archive.
     */
    String normalize(String raw, String what) {
        if (raw == null || raw.startsWith("/") || raw.indexOf('\0') >= 0) {
            throw escape(raw, what);
        }
        StringBuilder out = new StringBuilder();
        for (String part : raw.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw escape(raw, what);
            }
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(part);
        }
        return out.toString();
    }

    private ImageException escape(String raw, String what) {
        return error(what + " \"" + raw + "\" has an absolute path or a \"..\" component (it would point outside"
                + " the archive)");
    }

    /**
     * The member a symbolic link {@code link} (in directory {@code dirOf(member)}) points at: ".." may climb
     * inside the archive, never above its root; an absolute target is refused.
     */
    String resolveSymlink(String member, String target) {
        if (target == null || target.startsWith("/")) {
            throw error("member " + member + " is a symbolic link to \"" + target + "\", outside the archive");
        }
        Deque<String> parts = new ArrayDeque<>();
        int slash = member.lastIndexOf('/');
        if (slash > 0) {
            for (String p : member.substring(0, slash).split("/")) {
                parts.addLast(p);
            }
        }
        for (String p : target.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw error("member " + member + " is a symbolic link to \"" + target
                            + "\", outside the archive");
                }
                parts.removeLast();
            } else {
                parts.addLast(p);
            }
        }
        return String.join("/", parts);
    }

    /** Lets a handler read one member of a tar without closing the tar. */
    static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // The tar (or file) stays open for the next member: its owner closes it.
        }
    }
}
