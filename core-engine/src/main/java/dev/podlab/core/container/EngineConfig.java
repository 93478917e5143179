package dev.podlab.core.container;

import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupManagers;

import java.nio.file.Path;

/**
 * Where the engine keeps its state and which host facilities it uses. Tests point every
 * path somewhere temporary.
 *
 * @param root         state root ({@code /var/lib/podlab} by default)
 * @param cgroups      the cgroup driver (detected from /sys/fs/cgroup by default)
 * @param cgroupParent parent cgroup of every container, relative to the hierarchy root
 */
public record EngineConfig(Path root, CgroupManager cgroups, String cgroupParent) {

    public static final Path DEFAULT_ROOT = Path.of("/var/lib/podlab");

    public static EngineConfig defaults() {
        return forRoot(rootFromEnvironment());
    }

    public static EngineConfig forRoot(Path root) {
        return new EngineConfig(root, CgroupManagers.host(), "podlab");
    }

    /** {@code PODLAB_ROOT} overrides the default state root. */
    public static Path rootFromEnvironment() {
        String env = System.getenv("PODLAB_ROOT");
        return env == null || env.isBlank() ? DEFAULT_ROOT : Path.of(env);
    }
}
