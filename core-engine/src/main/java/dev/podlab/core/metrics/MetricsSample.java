package dev.podlab.core.metrics;

import java.time.Instant;

/**
 * One sample of a container's (or pod's) cgroup. Counters the host cannot provide are 0.
 *
 * @param epochMillis         when the round that took the sample started (wall clock, ms since the epoch)
 * @param cpuUsageNanos       total CPU time consumed so far
 * @param cpuCores            CPU rate since the previous sample in cores (1.0 = one core fully busy);
 *                            {@link Double#NaN} for the first sample of a series or when the counter went back
 * @param cpuThrottledPeriods CFS periods in which the cgroup was throttled, so far
 * @param cpuThrottledNanos   time throttled, so far
 * @param memoryUsageBytes    memory charged to the cgroup
 * @param memoryWorkingSetBytes usage minus inactive file pages (what kubelet calls the working set)
 * @param memoryLimitBytes    the memory limit; -1 when there is none
 * @param memoryRssBytes      anonymous memory
 * @param memoryCacheBytes    page cache
 * @param oomKills            processes killed by the OOM killer, so far
 * @param pidsCurrent         tasks in the cgroup
 * @param pidsLimit           the pids limit; -1 when there is none
 * @param ioReadBytes         bytes read from block devices, so far (0 where the host does not account block IO)
 * @param ioWriteBytes        bytes written to block devices, so far
 * @param ioReadOps           block read operations, so far
 * @param ioWriteOps          block write operations, so far
 */
public record MetricsSample(
        long epochMillis,
        long cpuUsageNanos,
        double cpuCores,
        long cpuThrottledPeriods,
        long cpuThrottledNanos,
        long memoryUsageBytes,
        long memoryWorkingSetBytes,
        long memoryLimitBytes,
        long memoryRssBytes,
        long memoryCacheBytes,
        long oomKills,
        long pidsCurrent,
        long pidsLimit,
        long ioReadBytes,
        long ioWriteBytes,
        long ioReadOps,
        long ioWriteOps) {

    public Instant time() {
        return Instant.ofEpochMilli(epochMillis);
    }

    /** CPU rate in percent of one core (NaN when unknown). */
    public double cpuPercent() {
        return cpuCores * 100.0;
    }
}
