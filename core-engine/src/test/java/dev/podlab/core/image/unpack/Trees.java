package dev.podlab.core.image.unpack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;

/** Describes directory trees for before/after comparisons, never following symlinks. */
public final class Trees {
    private Trees() {}

    /**
     * Every path below {@code root} (relative, sorted) with type, permission bits, size, link
     * target and a content hash; {@code exclude} (and below) is left out. The mtime of
     * directories is not included unless {@code withTimes}.
     */
    public static Map<String, String> describe(Path root, Path exclude, boolean withOwners) {
        Map<String, String> out = new TreeMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (exclude != null && dir.equals(exclude)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    out.put(rel(dir), line(dir, withOwners));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (exclude == null || !file.equals(exclude)) {
                        out.put(rel(file), line(file, withOwners));
                    }
                    return FileVisitResult.CONTINUE;
                }

                private String rel(Path p) {
                    String r = root.relativize(p).toString();
                    return r.isEmpty() ? "." : r;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static String line(Path p, boolean withOwners) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,uid,gid,rdev,nlink", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        String type = switch (mode & 0170000) {
            case 0040000 -> "dir";
            case 0100000 -> "file";
            case 0120000 -> "symlink";
            case 0010000 -> "fifo";
            case 0020000 -> "chr";
            case 0060000 -> "blk";
            default -> "?";
        };
        StringBuilder sb = new StringBuilder(type).append(' ').append(String.format("%04o", mode & 07777));
        if (type.equals("file")) {
            sb.append(" size=").append(a.get("size")).append(" sha=")
                    .append(dev.podlab.core.image.Digest.sha256(Files.readAllBytes(p)).shortHex())
                    .append(" nlink=").append(a.get("nlink"));
        }
        if (type.equals("symlink")) {
            sb.append(" -> ").append(Files.readSymbolicLink(p));
        }
        if (type.equals("chr") || type.equals("blk")) {
            sb.append(" rdev=").append(a.get("rdev"));
        }
        if (withOwners) {
            sb.append(" ").append(a.get("uid")).append(':').append(a.get("gid"));
        }
        return sb.toString();
    }

    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    dir.toFile().setWritable(true, true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
