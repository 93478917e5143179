package dev.podlab.core.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The raw values of a cgroup's main control files, controller by controller, as the kernel writes them: what a
 * workbench shows to teach what the kernel was asked (limits) and what it counts (usage, throttling, OOM).
 *
 * <p>Which files are read depends on the hierarchy a directory belongs to, not on the host: a v1 controller key
 * ("cpu", "memory", ...) gets that controller's v1 files, the {@value Cgroup#UNIFIED} key the cgroup2 files
 * (on a hybrid host most of them are absent there, since no controller is enabled in that tree). Files that do
 * not exist are skipped; nothing is interpreted ("max", -1 and 2^63 stay as written).
 */
public final class CgroupValues {
    private CgroupValues() {}

    /**
     * One value.
     *
     * @param controller the hierarchy key of {@link Cgroup#directories()}
     * @param directory  the directory the file is in
     * @param file       the control file, e.g. "memory.limit_in_bytes" or "cpu.stat"
     * @param key        the key within a keyed file ("nr_throttled"; a device "8:0" in io.stat), empty for a
     *                   single-value file
     * @param value      the value as written, trimmed
     */
    public record Value(String controller, Path directory, String file, String key, String value) {}

    private enum Shape { SINGLE, KEYED, LINES }

    /** A file to read; {@code keys} limits a keyed file to its main keys (empty = every key). */
    private record Spec(String file, Shape shape, Set<String> keys) {
        static Spec single(String file) {
            return new Spec(file, Shape.SINGLE, Set.of());
        }

        static Spec keyed(String file, String... keys) {
            return new Spec(file, Shape.KEYED, Set.of(keys));
        }

        static Spec lines(String file) {
            return new Spec(file, Shape.LINES, Set.of());
        }
    }

    private static final Map<String, List<Spec>> V1 = Map.of(
            "cpu", List.of(Spec.single("cpu.cfs_quota_us"), Spec.single("cpu.cfs_period_us"), Spec.single("cpu.shares"),
                    Spec.keyed("cpu.stat")),
            "cpuacct", List.of(Spec.single("cpuacct.usage"), Spec.keyed("cpuacct.stat")),
            "cpuset", List.of(Spec.single("cpuset.cpus"), Spec.single("cpuset.mems")),
            "memory", List.of(Spec.single("memory.limit_in_bytes"), Spec.single("memory.soft_limit_in_bytes"),
                    Spec.single("memory.usage_in_bytes"), Spec.single("memory.max_usage_in_bytes"),
                    Spec.single("memory.failcnt"), Spec.single("memory.memsw.limit_in_bytes"),
                    Spec.keyed("memory.oom_control"),
                    Spec.keyed("memory.stat", "cache", "rss", "rss_huge", "shmem", "mapped_file", "swap", "pgfault",
                            "pgmajfault", "active_anon", "inactive_anon", "active_file", "inactive_file", "unevictable",
                            "hierarchical_memory_limit", "total_cache", "total_rss")),
            "pids", List.of(Spec.single("pids.current"), Spec.single("pids.max"), Spec.keyed("pids.events")),
            "blkio", List.of(Spec.lines("blkio.throttle.io_service_bytes"), Spec.lines("blkio.throttle.io_serviced")),
            "freezer", List.of(Spec.single("freezer.state")));

    private static final List<Spec> V2 = List.of(Spec.keyed("cgroup.events"),
            Spec.single("cpu.max"), Spec.single("cpu.weight"), Spec.keyed("cpu.stat"),
            Spec.single("memory.min"), Spec.single("memory.low"), Spec.single("memory.high"), Spec.single("memory.max"),
            Spec.single("memory.current"), Spec.single("memory.peak"), Spec.single("memory.swap.current"),
            Spec.single("memory.swap.max"), Spec.keyed("memory.events"),
            Spec.keyed("memory.stat", "anon", "file", "kernel", "kernel_stack", "pagetables", "sock", "shmem",
                    "file_mapped", "file_dirty", "file_writeback", "anon_thp", "active_anon", "inactive_anon",
                    "active_file", "inactive_file", "unevictable", "pgfault", "pgmajfault"),
            Spec.single("pids.current"), Spec.single("pids.max"), Spec.keyed("pids.events"), Spec.lines("io.stat"));

    /**
     * The values of every hierarchy of {@code cgroup}, in the cgroup's directory order, files in a fixed order
     * per controller. A directory removed meanwhile (its container exited) simply gives no values.
     *
     * @throws CgroupException when a file exists but cannot be read
     */
    public static List<Value> read(Cgroup cgroup) {
        List<Value> out = new ArrayList<>();
        cgroup.directories().forEach((controller, dir) -> {
            List<Spec> specs = controller.equals(Cgroup.UNIFIED) ? V2 : V1.getOrDefault(controller, List.of());
            for (Spec spec : specs) {
                ControlFiles.readIfExists(dir.resolve(spec.file()), "read values of", "cgroup " + cgroup.relativePath())
                        .ifPresent(content -> parse(controller, dir, spec, content, out));
            }
        });
        return out;
    }

    private static void parse(String controller, Path dir, Spec spec, String content, List<Value> out) {
        if (spec.shape() == Shape.SINGLE) {
            out.add(new Value(controller, dir, spec.file(), "", content.strip()));
            return;
        }
        for (String line : content.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            int space = spec.shape() == Shape.LINES && !l.startsWith("Total")
                    ? nthSpace(l, l.contains("=") ? 1 : 2) : l.indexOf(' ');
            String key = space < 0 ? l : l.substring(0, space);
            String value = space < 0 ? "" : l.substring(space + 1).strip();
            if (spec.keys().isEmpty() || spec.keys().contains(key)) {
                out.add(new Value(controller, dir, spec.file(), key, value));
            }
        }
    }

    /**
     * The index of the n-th space: io.stat lines are "8:0 rbytes=.. wbytes=.." (the device is the key), v1
     * blkio lines "8:0 Read 4096" (device and operation are the key).
     */
    private static int nthSpace(String line, int n) {
        int at = -1;
        for (int i = 0; i < n; i++) {
            at = line.indexOf(' ', at + 1);
            if (at < 0) {
                return -1;
            }
        }
        return at;
    }
}
