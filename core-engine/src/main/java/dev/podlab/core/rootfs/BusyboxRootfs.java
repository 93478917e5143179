package dev.podlab.core.rootfs;

import dev.podlab.core.state.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The sample root filesystem: Debian's static busybox, one symlink per applet, and the
 * few files a Unix userland expects. Built from the host's busybox-static package, so no
 * image download is needed for the first container.
 */
public final class BusyboxRootfs {
    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

    private BusyboxRootfs() {}

    /** Builds the rootfs at {@code target} unless a complete one is there already; returns it. */
    public static Path ensure(Path target) {
        if (Files.exists(target.resolve(".podlab-complete"))) {
            return target;
        }
        if (!Files.isExecutable(HOST_BUSYBOX)) {
            throw new RootfsException("failed to build the sample rootfs: " + HOST_BUSYBOX
                    + " is missing (apt-get install busybox-static)");
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(tmp.resolve("bin"));
            Files.copy(HOST_BUSYBOX, tmp.resolve("bin/busybox"), StandardCopyOption.REPLACE_EXISTING);
            for (String applet : applets()) {
                Path link = tmp.resolve("bin").resolve(applet);
                if (!applet.equals("busybox") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of("busybox"));
                }
            }
            for (String d : List.of("proc", "sys", "dev", "etc", "tmp", "root", "home", "var/log", "run", "usr")) {
                Files.createDirectories(tmp.resolve(d));
            }
            Files.createSymbolicLink(tmp.resolve("sbin"), Path.of("bin"));
            Files.createSymbolicLink(tmp.resolve("usr/bin"), Path.of("../bin"));
            Files.createSymbolicLink(tmp.resolve("usr/sbin"), Path.of("../bin"));
            Files.setPosixFilePermissions(tmp.resolve("tmp"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            write(tmp.resolve("etc/passwd"), """
                    root:x:0:0:root:/root:/bin/sh
                    daemon:x:1:1:daemon:/usr/sbin:/bin/false
                    nobody:x:65534:65534:nobody:/nonexistent:/bin/false
                    """);
            write(tmp.resolve("etc/group"), """
                    root:x:0:
                    daemon:x:1:
                    tty:x:5:
                    nogroup:x:65534:
                    """);
            write(tmp.resolve("etc/os-release"), """
                    NAME="podlab sample (busybox)"
                    ID=podlab-busybox
                    """);
            write(tmp.resolve(".podlab-complete"), "");
            deleteRecursively(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException | InterruptedException e) {
            try {
                deleteRecursively(tmp);
            } catch (IOException ignored) {
                // Best effort: a leftover temp dir is replaced on the next try.
            }
            throw new RootfsException("failed to build the sample rootfs at " + target + ": " + e.getMessage(), e);
        }
    }

    private static List<String> applets() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(HOST_BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("busybox --list failed: " + out.strip());
        }
        return out.lines().filter(s -> !s.isBlank() && !s.contains("/")).toList();
    }

    private static void write(Path p, String content) throws IOException {
        AtomicFiles.write(p, content.getBytes(StandardCharsets.UTF_8));
    }

    private static void deleteRecursively(Path p) throws IOException {
        dev.podlab.core.state.FileTrees.deleteRecursively(p);
    }
}
