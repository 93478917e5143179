package dev.podlab.core.container;

import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.config.EngineSettings;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the engine keeps its state and which host facilities it uses. Built from the engine
 * configuration ({@code EngineSettings.engineConfig}); tests point every path somewhere temporary.
 *
 * @param root           state root ({@code /var/lib/podlab} by default)
 * @param cgroups        the cgroup driver (detected from /sys/fs/cgroup by default)
 * @param cgroupParent   parent cgroup of every container, relative to the hierarchy root
 * @param runtimeClasses configured runtime classes by name; {@code builtin} and the OCI runtimes found
 *                       on the host (runc, crun, youki) are added by the engine
 */
public record EngineConfig(Path root, CgroupManager cgroups, String cgroupParent,
                           Map<String, EngineSettings.RuntimeClass> runtimeClasses) {

    public EngineConfig {
        runtimeClasses = runtimeClasses == null ? Map.of() : Map.copyOf(runtimeClasses);
    }

    /** No configured runtime classes: builtin plus what is found on the host. */
    public EngineConfig(Path root, CgroupManager cgroups, String cgroupParent) {
        this(root, cgroups, cgroupParent, Map.of());
    }
}
