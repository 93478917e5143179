package dev.podlab.core.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host tools for the network tests, with a timeout, and reads what they print. */
final class NetTestSupport {

    record Result(int exit, String out) {
    }

    private NetTestSupport() {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return run(List.of(command));
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Output of a command that must succeed. */
    static String ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + r.exit() + ": " + r.out());
        }
        return r.out();
    }

    /** Names of the host's network interfaces (in the test JVM's network namespace). */
    static List<String> links() throws IOException {
        List<String> names = new ArrayList<>();
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    /** Mount points in this process's mount namespace at or below {@code dir}. */
    static List<String> mountsUnder(Path dir) {
        String prefix = dir.toAbsolutePath().normalize().toString();
        return MountInfo.read().stream().map(MountInfo::mountPoint)
                .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/")).toList();
    }

    static long inode(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }
}
