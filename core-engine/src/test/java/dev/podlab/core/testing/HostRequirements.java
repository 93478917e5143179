package dev.podlab.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Preconditions of tests that need the real host (tag them {@code @Tag("root")}). A missing prerequisite skips
 * the test with the reason, except when the environment variable CI is "true": there the machine is supposed to
 * have everything, so a missing prerequisite fails the test instead of silently skipping it.
 */
public final class HostRequirements {

    public static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private HostRequirements() {
    }

    /** True when the environment variable CI equals "true". */
    public static boolean isCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Skips (or on CI fails) the calling test with {@code reason} unless {@code satisfied}. */
    public static void require(boolean satisfied, String reason) {
        check(satisfied, reason, isCi());
    }

    /** {@link #require} with the CI flag given, so the rule itself can be tested. */
    public static void check(boolean satisfied, String reason, boolean ci) {
        if (satisfied) {
            return;
        }
        if (ci) {
            Assertions.fail("host prerequisite missing on CI (CI=true): " + reason);
        }
        Assumptions.abort("host prerequisite missing: " + reason);
    }

    /** The effective uid of this JVM (the owner of /proc/self), if readable. */
    public static Optional<Integer> uid() {
        try {
            return Optional.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static void requireRoot() {
        require(uid().map(u -> u == 0).orElse(false), "needs root (running as uid " + uid().map(String::valueOf).orElse("?") + ")");
    }

    /** Root, and cgroup v1 with a memory hierarchy at /sys/fs/cgroup/memory. */
    public static void requireCgroupV1() {
        requireRoot();
        require(!Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))
                        && Files.exists(CGROUP_ROOT.resolve("memory/cgroup.procs")),
                "needs cgroup v1 hierarchies under " + CGROUP_ROOT + " (this host has "
                        + (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers")) ? "cgroup v2" : "no v1 memory hierarchy") + ")");
    }

    /**
     * Root and a writable cgroup2 mount: /sys/fs/cgroup on pure v2 hosts, /sys/fs/cgroup/unified on hybrid ones.
     *
     * @return that mount
     */
    public static Path requireCgroup2Mount() {
        requireRoot();
        Path mount = Files.exists(CGROUP_ROOT.resolve("cgroup.controllers")) ? CGROUP_ROOT : CGROUP_ROOT.resolve("unified");
        require(isFileSystem(mount, "cgroup2"), "needs a cgroup2 mount at " + CGROUP_ROOT + " or " + CGROUP_ROOT + "/unified");
        return mount;
    }

    /** Skips (or fails on CI) unless {@code command} is found on PATH. */
    public static Path requireCommand(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        require(false, "needs the command " + command + " on PATH");
        throw new AssertionError("unreachable");
    }

    public static boolean isFileSystem(Path path, String type) {
        try {
            return Files.isDirectory(path) && Files.getFileStore(path).type().equals(type);
        } catch (IOException e) {
            return false;
        }
    }
}
