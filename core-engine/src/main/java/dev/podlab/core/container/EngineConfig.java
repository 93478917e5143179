package dev.podlab.core.container;

import dev.podlab.core.cgroup.CgroupManager;

import java.nio.file.Path;

/**
 * Where the engine keeps its state and which host facilities it uses. Built from the engine
 * configuration ({@code EngineSettings.engineConfig}); tests point every path somewhere temporary.
 *
 * @param root         state root ({@code /var/lib/podlab} by default)
 * @param cgroups      the cgroup driver (detected from /sys/fs/cgroup by default)
 * @param cgroupParent parent cgroup of every container, relative to the hierarchy root
 */
public record EngineConfig(Path root, CgroupManager cgroups, String cgroupParent) {
}
