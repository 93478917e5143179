package dev.podlab.core.rootfs;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a container changed on top of its image: read from the overlay's upper directory, as
 * {@code docker diff} shows it. A file in the upper directory is Added when no lower layer
 * has that path and Changed when one does; a whiteout (character device 0/0) is Deleted.
 */
public final class WritableLayer {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;

    /** One changed path. {@code kind} is 'A', 'C' or 'D'; {@code size} is the bytes in the upper layer. */
    public record Change(char kind, String path, long size) {}

    private WritableLayer() {}

    /** The changes in {@code upper} against {@code lowersBottomFirst}, in path order. */
    public static List<Change> changes(Path upper, List<Path> lowersBottomFirst) {
        List<Change> out = new ArrayList<>();
        if (!Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try {
            Files.walkFileTree(upper, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(upper)) {
                        add(dir, attrs);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isOther() && isWhiteout(file)) {
                        out.add(new Change('D', "/" + upper.relativize(file), 0));
                    } else {
                        add(file, attrs);
                    }
                    return FileVisitResult.CONTINUE;
                }

                private void add(Path p, BasicFileAttributes attrs) {
                    String rel = upper.relativize(p).toString();
                    boolean inLower = lowersBottomFirst.stream()
                            .anyMatch(l -> Files.exists(l.resolve(rel), LinkOption.NOFOLLOW_LINKS));
                    out.add(new Change(inLower ? 'C' : 'A', "/" + rel, attrs.isRegularFile() ? attrs.size() : 0));
                }
            });
        } catch (IOException e) {
            throw new RootfsException("failed to read the writable layer " + upper + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    private static boolean isWhiteout(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) a.get("mode") & S_IFMT) == S_IFCHR && ((Long) a.get("rdev")) == 0L;
    }
}
