package dev.podlab.core.metrics;

import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupVersion;

/** The production {@link StatsSource}s. */
public final class StatsSources {

    private StatsSources() {
    }

    /**
     * The cheapest source for the manager's host: on cgroup v1, {@link PreadV1Reader} (control files opened once
     * per cgroup, re-read with pread at offset 0 each round, parsed without strings); elsewhere
     * {@link StatsSource#of(CgroupManager)}.
     *
     * <p>Why (cgroup v1 hybrid host, 2 CPUs, 200 cgroups with one sleep each, {@code ./scripts/bench metrics 20}):
     * CgroupManager.stats costs 42.9 ms CPU per round read back to back (214 us per cgroup, 12 open/read/close
     * cycles, ~31 MB garbage per round in the sampler) and 59 ms per round in the 1 s sampler = 5.8 % of one core,
     * over the 5 % budget; the pread reader costs 9.3 ms back to back (46 us per cgroup, 4.6x less) and 15 ms per
     * round in the sampler = 1.6 % of one core, 78 KB garbage per round. With the two blkio files added (session
     * 5): 11.4 ms back to back, 1.4 % of one core, 91 KB per round (docs/benchmarks.md).
     */
    public static StatsSource fast(CgroupManager manager) {
        if (manager.layout().version() == CgroupVersion.V1) {
            return PreadV1Reader::open;
        }
        return StatsSource.of(manager);
    }
}
