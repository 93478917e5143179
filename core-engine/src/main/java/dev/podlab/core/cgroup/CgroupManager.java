package dev.podlab.core.cgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Creates, limits, observes and removes cgroups on one host layout. One implementation per cgroup version
 * ({@link CgroupV1Manager}, {@link CgroupV2Manager}); {@link CgroupManagers} picks one for a root directory.
 *
 * <p>Relative paths such as {@code podlab/abc123} are below the hierarchy roots; a leading or trailing '/' is
 * ignored, and empty, "." and ".." components are refused. All failures are {@link CgroupException}s.
 */
public interface CgroupManager {

    /** What was detected at the root this manager drives. */
    CgroupLayout layout();

    /**
     * Creates the cgroup (and missing ancestors) in every hierarchy a container needs and applies the limits.
     * V1: cpu, cpuacct, cpuset (cpus and mems copied from the parent when empty), memory, pids, blkio, devices,
     * freezer as far as mounted, plus the cgroup2 hierarchy on hybrid hosts. V2: enables cpu, memory, pids and io
     * (as far as available) in cgroup.subtree_control of every ancestor, root first. Directories this call
     * created are removed again if any step fails. An already existing cgroup is reused.
     */
    Cgroup create(String relativePath, CgroupResources resources);

    /** The existing cgroup, e.g. after an engine restart; the directories that exist in each hierarchy. */
    Cgroup open(String relativePath);

    /** Applies the non-null limits; null fields keep their current values. */
    void update(Cgroup cgroup, CgroupResources resources);

    /** Every cgroup.procs file a new process must be written to, de-duplicated by real path. */
    List<Path> procsFiles(Cgroup cgroup);

    /** Moves a process into the cgroup by writing its pid to every {@link #procsFiles} entry. */
    void addProcess(Cgroup cgroup, long pid);

    /** The file that counts the cgroup's OOM kills, when the memory controller is available. */
    Optional<OomCounter> oomCounter(Cgroup cgroup);

    CgroupStats stats(Cgroup cgroup);

    /** Every process in the cgroup and its sub-cgroups, sorted, without duplicates. */
    List<Integer> pids(Cgroup cgroup);

    /**
     * SIGKILLs every process in the cgroup and its sub-cgroups and waits (bounded) until none is left.
     *
     * @throws CgroupException when processes remain after the wait, or the engine itself is in the cgroup
     */
    void killAll(Cgroup cgroup);

    /**
     * Removes the cgroup and its sub-cgroups, leaf first, in every hierarchy. Already removed directories are
     * fine (destroy is idempotent).
     *
     * @throws CgroupException when the kernel refuses, e.g. processes are still in it
     */
    void destroy(Cgroup cgroup);

    /**
     * Applies a devices allowlist in order (deny rules first in the list usually reset the
     * default). Returns false when this host's cgroup version cannot enforce it through files
     * (v2 needs an eBPF program, which podlab does not load yet); the caller says so.
     */
    boolean applyDevices(Cgroup cgroup, java.util.List<DeviceRule> rules);

    /** True when the cgroup's directory exists in at least one hierarchy (a partial leftover counts). */
    boolean exists(String relativePath);
}
