package dev.podlab.core.host;

import dev.podlab.core.cgroup.CgroupLayout;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.sys.LibC;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The real host: /proc, /sys, the filesystem and binaries on PATH (each run bounded by a timeout). */
public final class LinuxHostProbe implements HostProbe {

    private static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");
    private static final int MAX_OUTPUT = 64 * 1024;

    private final Duration timeout;

    public LinuxHostProbe() {
        this(Duration.ofSeconds(5));
    }

    public LinuxHostProbe(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public String kernelRelease() {
        return readFile(OSRELEASE).map(String::strip).orElseGet(() -> System.getProperty("os.version", ""));
    }

    @Override
    public CgroupLayout cgroupLayout() {
        return CgroupManagers.detect(CgroupManagers.HOST_ROOT);
    }

    @Override
    public Optional<String> readFile(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<byte[]> readHead(Path file, int max) {
        try (InputStream in = Files.newInputStream(file)) {
            return Optional.of(in.readNBytes(max));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isReadable(Path path) {
        return Files.isReadable(path);
    }

    @Override
    public boolean isWritable(Path path) {
        return Files.isWritable(path);
    }

    @Override
    public boolean isExecutable(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }

    @Override
    public Optional<Path> which(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        // sudo's secure_path usually has the sbin directories; look there too so runc in /usr/sbin is found.
        for (String dir : (path + ":/usr/local/sbin:/usr/sbin:/sbin").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, command);
            if (isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public CommandResult run(List<String> argv) {
        Path out = null;
        try {
            out = Files.createTempFile("podlab-doctor", ".out");
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new CommandResult(-1, String.join(" ", argv) + ": timed out after " + timeout.toSeconds() + "s");
            }
            return new CommandResult(p.exitValue(), new String(readHead(out, MAX_OUTPUT).orElse(new byte[0]),
                    StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new CommandResult(-1, String.join(" ", argv) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CommandResult(-1, String.join(" ", argv) + ": interrupted");
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    @Override
    public OptionalLong usableSpace(Path path) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Files.getFileStore(p).getUsableSpace());
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public int euid() {
        try {
            return LibC.INSTANCE.geteuid();
        } catch (RuntimeException | LinkageError e) {
            // Fall back to /proc/self/status "Uid: real effective saved fs".
            return readFile(Path.of("/proc/self/status")).flatMap(s -> s.lines()
                            .filter(l -> l.startsWith("Uid:")).findFirst())
                    .map(l -> Integer.parseInt(l.substring(4).strip().split("\\s+")[1])).orElse(-1);
        }
    }
}
