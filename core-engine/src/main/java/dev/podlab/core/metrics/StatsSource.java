package dev.podlab.core.metrics;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupStats;

/**
 * Where the sampler gets a cgroup's counters. {@link #open} is called once when a target appears, so a source
 * can do per-cgroup work (resolving paths, opening files) once instead of every round; the reader is closed when
 * the target disappears. Tests pass a fake; production uses {@link #of(CgroupManager)} or
 * {@link StatsSources#fast(CgroupManager)}.
 */
@FunctionalInterface
public interface StatsSource {

    Reader open(Cgroup cgroup);

    /** Reads one cgroup's counters; used by the sampler thread only. */
    @FunctionalInterface
    interface Reader extends AutoCloseable {
        /** The current counters; throws (e.g. a CgroupException) when the cgroup cannot be read. */
        CgroupStats read();

        @Override
        default void close() {
        }
    }

    /** Reads through {@link CgroupManager#stats}: every control file opened, read and closed per call. */
    static StatsSource of(CgroupManager manager) {
        return cgroup -> () -> manager.stats(cgroup);
    }
}
