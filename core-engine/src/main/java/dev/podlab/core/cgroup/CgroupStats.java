package dev.podlab.core.cgroup;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A snapshot of a cgroup's usage counters, the same shape for V1 and V2.
 *
 * <p>A field the host cannot provide (controller not mounted or not enabled, kernel too old, file missing) is 0
 * and its name (the record component name, e.g. {@code "memoryMaxUsageBytes"}) is in {@link #unavailable()}, so
 * a UI can show "not available" instead of a misleading 0.
 *
 * @param cpuUsageNanos         total CPU time (V1 cpuacct.usage; V2 cpu.stat usage_usec)
 * @param cpuUserNanos          user CPU time (V1 cpuacct.stat user, USER_HZ ticks; V2 user_usec)
 * @param cpuSystemNanos        system CPU time (V1 cpuacct.stat system; V2 system_usec)
 * @param cpuPeriods            elapsed CFS enforcement periods (nr_periods)
 * @param cpuThrottledPeriods   periods in which the cgroup was throttled (nr_throttled)
 * @param cpuThrottledNanos     total time throttled (V1 throttled_time; V2 throttled_usec)
 * @param memoryUsageBytes      memory charged (V1 memory.usage_in_bytes; V2 memory.current)
 * @param memoryWorkingSetBytes usage minus inactive file pages, floor 0, as kubelet computes it
 * @param memoryRssBytes        anonymous memory (V1 memory.stat total_rss; V2 memory.stat anon)
 * @param memoryCacheBytes      page cache (V1 memory.stat total_cache; V2 memory.stat file)
 * @param memoryLimitBytes      the memory limit; -1 when there is none
 * @param memoryMaxUsageBytes   peak usage (V1 memory.max_usage_in_bytes; V2 memory.peak, kernel 5.19+)
 * @param memoryFailCount       times usage hit the limit (V1 memory.failcnt; V2 memory.events "max")
 * @param oomEvents             times the OOM killer was invoked for the cgroup (V2 memory.events "oom"; V1 has
 *                              no such counter: unavailable)
 * @param oomKills              processes killed by the OOM killer (V1 memory.oom_control oom_kill, kernel 4.13+;
 *                              V2 memory.events oom_kill)
 * @param pidsCurrent           tasks in the cgroup (pids.current)
 * @param pidsLimit             pids.max; -1 when there is none
 * @param ioReadBytes           bytes read from block devices, summed over devices (V1
 *                              blkio.throttle.io_service_bytes_recursive "Read" lines, which recent kernels fill
 *                              only for devices with a throttle rule in some cgroup; V2 io.stat rbytes)
 * @param ioWriteBytes          bytes written to block devices (V1 "Write" lines; V2 io.stat wbytes)
 * @param ioReadOps             read operations (V1 blkio.throttle.io_serviced_recursive "Read"; V2 io.stat rios)
 * @param ioWriteOps            write operations (V1 io_serviced "Write"; V2 io.stat wios)
 * @param unavailable           names of the fields above the host could not provide
 */
public record CgroupStats(
        long cpuUsageNanos,
        long cpuUserNanos,
        long cpuSystemNanos,
        long cpuPeriods,
        long cpuThrottledPeriods,
        long cpuThrottledNanos,
        long memoryUsageBytes,
        long memoryWorkingSetBytes,
        long memoryRssBytes,
        long memoryCacheBytes,
        long memoryLimitBytes,
        long memoryMaxUsageBytes,
        long memoryFailCount,
        long oomEvents,
        long oomKills,
        long pidsCurrent,
        long pidsLimit,
        long ioReadBytes,
        long ioWriteBytes,
        long ioReadOps,
        long ioWriteOps,
        Set<String> unavailable) {

    /** Names of all counter fields, in declaration order. */
    public static final List<String> FIELDS = Arrays.stream(CgroupStats.class.getRecordComponents())
            .map(RecordComponent::getName)
            .filter(name -> !name.equals("unavailable"))
            .toList();

    public CgroupStats {
        unavailable = Set.copyOf(unavailable);
        for (String name : unavailable) {
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown stats field: " + name);
            }
        }
    }

    public boolean isAvailable(String field) {
        return !unavailable.contains(field);
    }

    /** A builder for sources other than the host's control files (a VM's guest cgroup). */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects values by field name; every field never set ends up unavailable. */
    public static final class Builder {
        private final Map<String, Long> values = new LinkedHashMap<>();

        /** Sets a field by its record component name. */
        public Builder set(String field, long value) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown stats field: " + field);
            }
            values.put(field, value);
            return this;
        }

        /** Sets the field when the value is present (non-null). */
        public Builder setIfPresent(String field, Long value) {
            return value == null ? this : set(field, value);
        }

        public CgroupStats build() {
            Set<String> missing = new LinkedHashSet<>(FIELDS);
            missing.removeAll(values.keySet());
            return new CgroupStats(
                    get("cpuUsageNanos"), get("cpuUserNanos"), get("cpuSystemNanos"), get("cpuPeriods"),
                    get("cpuThrottledPeriods"), get("cpuThrottledNanos"), get("memoryUsageBytes"),
                    get("memoryWorkingSetBytes"), get("memoryRssBytes"), get("memoryCacheBytes"),
                    get("memoryLimitBytes"), get("memoryMaxUsageBytes"), get("memoryFailCount"), get("oomEvents"),
                    get("oomKills"), get("pidsCurrent"), get("pidsLimit"), get("ioReadBytes"), get("ioWriteBytes"),
                    get("ioReadOps"), get("ioWriteOps"), missing);
        }

        private long get(String field) {
            return values.getOrDefault(field, 0L);
        }
    }
}
