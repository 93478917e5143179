package dev.podlab.core.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cgroup v2: one unified tree. Controllers reach a cgroup only when every ancestor lists them in
 * cgroup.subtree_control, so {@link #create} enables cpu, io, memory and pids (as far as the root offers them)
 * from the root down. Works on a controller-less cgroup2 mount too (such as /sys/fs/cgroup/unified on a hybrid
 * host): processes, cgroup.kill, cgroup.events and the basic cpu.stat keys work there; limits are refused
 * with a clear error and missing counters are reported as unavailable.
 */
public final class CgroupV2Manager implements CgroupManager {

    private static final Logger LOG = LoggerFactory.getLogger(CgroupV2Manager.class);

    /** Controllers a container cgroup needs, enabled when the parent offers them. */
    static final List<String> CONTROLLERS = List.of("cpu", "io", "memory", "pids");

    private final CgroupLayout layout;
    private final Path root;
    private final ControlFiles files;

    public CgroupV2Manager(CgroupLayout layout) {
        if (layout.version() != CgroupVersion.V2) {
            throw new IllegalArgumentException("CgroupV2Manager needs a V2 layout, got " + layout);
        }
        this.layout = layout;
        this.root = layout.controllerMounts().getOrDefault(Cgroup.UNIFIED, layout.root());
        this.files = ControlFiles.forHierarchy(root);
    }

    @Override
    public CgroupLayout layout() {
        return layout;
    }

    @Override
    public Cgroup create(String relativePath, CgroupResources resources) {
        String rel = CgroupSupport.normalize(relativePath);
        String object = "cgroup " + rel;
        List<Path> created = new ArrayList<>();
        try {
            Path parent = root;
            for (Path level : CgroupSupport.levels(root, rel)) {
                enableControllers(parent, object);
                if (ControlFiles.mkdir(level, object)) {
                    created.add(level);
                }
                parent = level;
            }
            Cgroup cgroup = new Cgroup(rel, Map.of(Cgroup.UNIFIED, root.resolve(rel)));
            update(cgroup, resources);
            return cgroup;
        } catch (RuntimeException e) {
            for (int i = created.size() - 1; i >= 0; i--) {
                try {
                    files.rmdir(created.get(i));
                } catch (IOException rmdirFailure) {
                    e.addSuppressed(new CgroupException("roll back", "directory " + created.get(i),
                            "rmdir: " + ControlFiles.describe(rmdirFailure), rmdirFailure));
                }
            }
            // Controllers enabled in ancestors' cgroup.subtree_control stay enabled: siblings may use them, and
            // an enabled controller without a cgroup below costs nothing.
            throw e;
        }
    }

    /**
     * Controllers available in {@code dir}: its cgroup.controllers; in a plain stand-in tree (no kernel files
     * in directories we created) the parent's cgroup.subtree_control, which is what the kernel derives it from.
     */
    private List<String> availableControllers(Path dir, String object) {
        Optional<String> own = ControlFiles.readIfExists(dir.resolve("cgroup.controllers"), "read controllers of", object);
        if (own.isPresent() || dir.equals(root)) {
            return ControlFiles.parseList(own.orElse(""));
        }
        return ControlFiles.parseList(ControlFiles.readIfExists(dir.getParent().resolve("cgroup.subtree_control"),
                "read controllers of", object).orElse(""));
    }

    private void enableControllers(Path parent, String object) {
        List<String> available = availableControllers(parent, object);
        Path subtreeControl = parent.resolve("cgroup.subtree_control");
        List<String> enabled = ControlFiles.parseList(
                ControlFiles.readIfExists(subtreeControl, "read cgroup.subtree_control for", object).orElse(""));
        List<String> missing = CONTROLLERS.stream()
                .filter(available::contains)
                .filter(c -> !enabled.contains(c))
                .toList();
        if (missing.isEmpty()) {
            return;
        }
        String delta = String.join(" ", missing.stream().map(c -> "+" + c).toList());
        // The kernel applies "+a +b" as a change; a plain file would be overwritten, so give it the result.
        String value = files.plainTree() ? String.join(" ", CgroupSupport.union(enabled, missing)) : delta;
        files.write(subtreeControl, value, "enable controllers " + delta + " for", object);
    }

    @Override
    public Cgroup open(String relativePath) {
        String rel = CgroupSupport.normalize(relativePath);
        Path dir = root.resolve(rel);
        if (!Files.isDirectory(dir)) {
            throw new CgroupException("open", "cgroup " + rel, "no directory " + dir);
        }
        return new Cgroup(rel, Map.of(Cgroup.UNIFIED, dir));
    }

    @Override
    public boolean exists(String relativePath) {
        return Files.isDirectory(root.resolve(CgroupSupport.normalize(relativePath)));
    }

    private Path dir(Cgroup cgroup) {
        Path dir = cgroup.directories().get(Cgroup.UNIFIED);
        if (dir == null) {
            throw new CgroupException("use", "cgroup " + cgroup.relativePath(), "it has no cgroup2 directory");
        }
        return dir;
    }

    private void requireController(Path dir, String controller, String action, String object) {
        List<String> available = availableControllers(dir, object);
        if (!available.contains(controller)) {
            throw new CgroupException(action, object, "the " + controller + " controller is not available to it "
                    + "(enabled: " + (available.isEmpty() ? "none" : String.join(" ", available))
                    + "; the root " + root + " offers: " + rootControllers() + ")");
        }
    }

    private String rootControllers() {
        List<String> offered = ControlFiles.parseList(
                ControlFiles.readIfExists(root.resolve("cgroup.controllers"), "read controllers of", "root").orElse(""));
        return offered.isEmpty() ? "none" : String.join(" ", offered);
    }

    @Override
    public void update(Cgroup cgroup, CgroupResources resources) {
        Path dir = dir(cgroup);
        String object = "cgroup " + cgroup.relativePath();
        if (resources.cpuShares() != null) {
            requireController(dir, "cpu", "set cpu weight of", object);
            files.write(dir.resolve("cpu.weight"), Long.toString(CgroupResources.cpuSharesToWeight(resources.cpuShares())),
                    "set cpu weight of", object);
        }
        Long period = resources.effectiveCpuPeriodMicros();
        if (period != null) {
            requireController(dir, "cpu", "set cpu quota of", object);
            String quota;
            if (resources.cpuQuotaMicros() != null) {
                quota = resources.cpuQuotaMicros() == -1 ? "max" : resources.cpuQuotaMicros().toString();
            } else {
                // Period alone: keep the current quota (cpu.max is "QUOTA PERIOD"; "max" when unreadable).
                quota = ControlFiles.readIfExists(dir.resolve("cpu.max"), "read cpu quota of", object)
                        .map(s -> s.trim().split("\\s+")[0]).filter(s -> !s.isEmpty()).orElse("max");
            }
            files.write(dir.resolve("cpu.max"), quota + " " + period, "set cpu quota of", object);
        }
        if (resources.memoryLimitBytes() != null) {
            requireController(dir, "memory", "set memory limit of", object);
            files.write(dir.resolve("memory.max"), limit(resources.memoryLimitBytes()), "set memory limit of", object);
        }
        Long swapMax = resources.v2SwapMax();
        if (swapMax != null) {
            requireController(dir, "memory", "set swap limit of", object);
            // memory.swap.max exists only with swap accounting (CONFIG_MEMCG_SWAP, not disabled by
            // swapaccount=0); a plain stand-in tree simulates a host that has it.
            if (files.plainTree() || Files.exists(dir.resolve("memory.swap.max"))) {
                files.write(dir.resolve("memory.swap.max"), limit(swapMax), "set swap limit of", object);
            } else if (swapMax != -1) {
                LOG.warn("{}: swap accounting is off on this host (no memory.swap.max); memory+swap limit {} not applied",
                        object, resources.memorySwapLimitBytes());
            }
        }
        if (resources.pidsLimit() != null) {
            requireController(dir, "pids", "set pids limit of", object);
            files.write(dir.resolve("pids.max"), limit(resources.pidsLimit()), "set pids limit of", object);
        }
    }

    private static String limit(long value) {
        return value == -1 ? "max" : Long.toString(value);
    }

    @Override
    public List<Path> procsFiles(Cgroup cgroup) {
        return List.of(dir(cgroup).resolve("cgroup.procs"));
    }

    @Override
    public void addProcess(Cgroup cgroup, long pid) {
        files.write(dir(cgroup).resolve("cgroup.procs"), Long.toString(pid), "add process " + pid + " to",
                "cgroup " + cgroup.relativePath());
    }

    @Override
    public Optional<OomCounter> oomCounter(Cgroup cgroup) {
        Path events = dir(cgroup).resolve("memory.events");
        return Files.exists(events) ? Optional.of(new OomCounter(events, CgroupVersion.V2)) : Optional.empty();
    }

    @Override
    public CgroupStats stats(Cgroup cgroup) {
        Path dir = dir(cgroup);
        String object = "cgroup " + cgroup.relativePath();
        String action = "read stats of";
        CgroupStats.Builder stats = CgroupStats.builder();

        // Without the cpu controller cpu.stat still has usage/user/system; the throttling keys come with it.
        ControlFiles.readIfExists(dir.resolve("cpu.stat"), action, object).map(ControlFiles::parseFlatKeyed)
                .ifPresent(m -> {
                    stats.setIfPresent("cpuUsageNanos", micros(m.get("usage_usec")));
                    stats.setIfPresent("cpuUserNanos", micros(m.get("user_usec")));
                    stats.setIfPresent("cpuSystemNanos", micros(m.get("system_usec")));
                    stats.setIfPresent("cpuPeriods", m.get("nr_periods"));
                    stats.setIfPresent("cpuThrottledPeriods", m.get("nr_throttled"));
                    stats.setIfPresent("cpuThrottledNanos", micros(m.get("throttled_usec")));
                });
        Long usage = ControlFiles.readIfExists(dir.resolve("memory.current"), action, object)
                .map(s -> ControlFiles.parseSingle(s, dir.resolve("memory.current"))).orElse(null);
        stats.setIfPresent("memoryUsageBytes", usage);
        ControlFiles.readIfExists(dir.resolve("memory.max"), action, object)
                .ifPresent(s -> stats.set("memoryLimitBytes", ControlFiles.parseLimit(s, dir.resolve("memory.max"))));
        ControlFiles.readIfExists(dir.resolve("memory.peak"), action, object) // kernel 5.19+
                .ifPresent(s -> stats.set("memoryMaxUsageBytes", ControlFiles.parseSingle(s, dir.resolve("memory.peak"))));
        ControlFiles.readIfExists(dir.resolve("memory.stat"), action, object).map(ControlFiles::parseFlatKeyed)
                .ifPresent(m -> {
                    stats.setIfPresent("memoryRssBytes", m.get("anon"));
                    stats.setIfPresent("memoryCacheBytes", m.get("file"));
                    Long inactiveFile = m.get("inactive_file");
                    if (usage != null && inactiveFile != null) {
                        stats.set("memoryWorkingSetBytes", Math.max(0, usage - inactiveFile));
                    }
                });
        ControlFiles.readIfExists(dir.resolve("memory.events"), action, object).map(ControlFiles::parseFlatKeyed)
                .ifPresent(m -> {
                    stats.setIfPresent("memoryFailCount", m.get("max"));
                    stats.setIfPresent("oomEvents", m.get("oom"));
                    stats.setIfPresent("oomKills", m.get("oom_kill"));
                });
        ControlFiles.readIfExists(dir.resolve("pids.current"), action, object)
                .ifPresent(s -> stats.set("pidsCurrent", ControlFiles.parseSingle(s, dir.resolve("pids.current"))));
        ControlFiles.readIfExists(dir.resolve("pids.max"), action, object)
                .ifPresent(s -> stats.set("pidsLimit", ControlFiles.parseLimit(s, dir.resolve("pids.max"))));
        // io.stat lists only devices with IO so far: present and empty is a real zero, absent (io controller
        // not enabled for this cgroup) is unavailable.
        ControlFiles.readIfExists(dir.resolve("io.stat"), action, object).map(ControlFiles::parseIoStat)
                .ifPresent(io -> {
                    stats.set("ioReadBytes", io[0]);
                    stats.set("ioWriteBytes", io[1]);
                    stats.set("ioReadOps", io[2]);
                    stats.set("ioWriteOps", io[3]);
                });
        return stats.build();
    }

    private static Long micros(Long value) {
        return value == null ? null : value * 1000;
    }

    @Override
    public List<Integer> pids(Cgroup cgroup) {
        return CgroupSupport.pidsUnder(List.of(dir(cgroup)), "cgroup " + cgroup.relativePath());
    }

    /**
     * cgroup.kill (kernel 5.14+) kills the whole subtree race-free; older kernels get SIGKILL per listed pid.
     * Either way the wait blocks on inotify events of cgroup.events until "populated 0", in rounds, until
     * {@link CgroupSupport#KILL_TIMEOUT}.
     */
    @Override
    public void killAll(Cgroup cgroup) {
        Path dir = dir(cgroup);
        String object = "cgroup " + cgroup.relativePath();
        long deadline = System.nanoTime() + CgroupSupport.KILL_TIMEOUT.toNanos();
        Path kill = dir.resolve("cgroup.kill");
        while (true) {
            List<Integer> pids = pids(cgroup);
            if (pids.isEmpty() && !CgroupSupport.populated(dir, object)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw CgroupSupport.stillAlive(object, pids);
            }
            CgroupSupport.refuseSelf(pids, object);
            if (Files.exists(kill)) {
                files.write(kill, "1", "kill processes of", object);
            } else {
                CgroupSupport.sigkill(pids);
            }
            // One round lasts at most a second: a process forked between listing and SIGKILL is caught next round.
            if (CgroupSupport.awaitUnpopulated(dir, Math.min(deadline, System.nanoTime() + 1_000_000_000L), object)) {
                return;
            }
        }
    }

    @Override
    public void destroy(Cgroup cgroup) {
        CgroupSupport.destroy(List.of(dir(cgroup)), files, "cgroup " + cgroup.relativePath());
    }

    /** Controllers enabled for this cgroup (its cgroup.controllers), for UIs and tests. */
    public Set<String> controllers(Cgroup cgroup) {
        return new LinkedHashSet<>(availableControllers(dir(cgroup), "cgroup " + cgroup.relativePath()));
    }

    @Override
    public boolean applyDevices(Cgroup cgroup, List<DeviceRule> rules) {
        // cgroup v2 controls devices with a BPF_PROG_TYPE_CGROUP_DEVICE program, not files.
        return false;
    }
}
