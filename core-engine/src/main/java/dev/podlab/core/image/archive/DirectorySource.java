package dev.podlab.core.image.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An unpacked archive: an OCI layout directory (or an extracted docker-archive). Members are files below it;
 * a symbolic link that leads outside the directory is refused (the name a manifest gives must not make podlab
 * read arbitrary host files into the store).
 */
final class DirectorySource extends ArchiveSource {
    private final Path real;

    private DirectorySource(Path path, Path real) {
        super(path);
        this.real = real;
    }

    static DirectorySource open(Path path) {
        try {
            return new DirectorySource(path, path.toRealPath());
        } catch (IOException e) {
            throw new dev.podlab.core.image.ImageException("failed to import " + path + ": "
                    + dev.podlab.core.PodlabException.describe(e), e);
        }
    }

    @Override
    boolean isDirectory() {
        return true;
    }

    @Override
    String describe() {
        try (Stream<Path> s = Files.list(real)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) {
                return "an empty directory";
            }
            return "a directory with " + String.join(", ", names.subList(0, Math.min(8, names.size())))
                    + (names.size() > 8 ? ", ..." : "");
        } catch (IOException e) {
            return "a directory that cannot be listed (" + dev.podlab.core.PodlabException.describe(e) + ")";
        }
    }

    @Override
    boolean exists(String name) {
        return Files.exists(real.resolve(normalize(name, "member")), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    Optional<String> resolve(String name) {
        String n = normalize(name, "member");
        Path p = real.resolve(n);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Path target;
        try {
            target = p.toRealPath();
        } catch (IOException e) {
            throw error("member " + n + " is a dangling symbolic link", e);
        }
        if (!target.startsWith(real)) {
            throw error("member " + n + " is a symbolic link to " + target + ", outside the directory");
        }
        if (!Files.isRegularFile(target)) {
            throw error("member " + n + " is not a regular file");
        }
        return Optional.of(real.relativize(target).toString());
    }

    @Override
    long size(String member) {
        try {
            return Files.size(real.resolve(member));
        } catch (IOException e) {
            throw ioError("read member " + member, e);
        }
    }

    @Override
    Map<String, byte[]> read(Collection<String> members, long max) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String m : members) {
            long size = size(m);
            if (size > max) {
                throw tooBig(m, size, max);
            }
            try {
                out.put(m, Files.readAllBytes(real.resolve(m)));
            } catch (IOException e) {
                throw ioError("read member " + m, e);
            }
        }
        return out;
    }

    @Override
    void stream(Collection<String> members, MemberHandler handler) {
        for (String m : members) {
            try (InputStream in = Files.newInputStream(real.resolve(m))) {
                handler.accept(m, size(m), new NonClosing(in));
            } catch (IOException e) {
                throw ioError("read member " + m, e);
            }
        }
    }
}
