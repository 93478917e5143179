package dev.podlab.core.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cgroup v1: one directory per hierarchy (cpu, cpuacct, cpuset, memory, pids, blkio, devices, freezer, as far as
 * mounted; co-mounted controllers such as "cpu,cpuacct" share a directory). On hybrid hosts the cgroup is also
 * created in the cgroup2 hierarchy at root/unified, as runc does: it costs nothing and gives cgroup.kill and
 * cgroup.events.
 */
public final class CgroupV1Manager implements CgroupManager {

    private static final Logger LOG = LoggerFactory.getLogger(CgroupV1Manager.class);

    /** The hierarchies a container joins, in the order their cgroup.procs files are written. */
    static final List<String> CONTROLLERS =
            List.of("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer");

    /** USER_HZ: the unit of cpuacct.stat. A fixed part of the kernel ABI (100 on every Linux architecture). */
    static final long NANOS_PER_USER_HZ_TICK = 10_000_000L;

    private static final String MEMSW_LIMIT = "memory.memsw.limit_in_bytes";

    private final CgroupLayout layout;
    private final ControlFiles files;

    public CgroupV1Manager(CgroupLayout layout) {
        if (layout.version() != CgroupVersion.V1) {
            throw new IllegalArgumentException("CgroupV1Manager needs a V1 layout, got " + layout);
        }
        this.layout = layout;
        Path anyMount = layout.controllerMounts().values().stream().findFirst().orElse(layout.root());
        this.files = ControlFiles.forHierarchy(anyMount);
    }

    @Override
    public CgroupLayout layout() {
        return layout;
    }

    /** Hierarchy key to mount, for the hierarchies a container joins on this host. */
    private Map<String, Path> hierarchies() {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (String controller : CONTROLLERS) {
            Path mount = layout.controllerMounts().get(controller);
            if (mount != null) {
                mounts.put(controller, mount);
            }
        }
        Path unified = layout.controllerMounts().get(Cgroup.UNIFIED);
        if (layout.hybrid() && unified != null) {
            mounts.put(Cgroup.UNIFIED, unified);
        }
        return mounts;
    }

    @Override
    public Cgroup create(String relativePath, CgroupResources resources) {
        String rel = CgroupSupport.normalize(relativePath);
        String object = "cgroup " + rel;
        Map<String, Path> dirs = new LinkedHashMap<>();
        List<Path> created = new ArrayList<>();
        try {
            Set<Path> seenMounts = new LinkedHashSet<>();
            for (Map.Entry<String, Path> hierarchy : hierarchies().entrySet()) {
                Path mount = hierarchy.getValue();
                dirs.put(hierarchy.getKey(), mount.resolve(rel));
                if (seenMounts.add(mount)) {
                    for (Path level : CgroupSupport.levels(mount, rel)) {
                        if (ControlFiles.mkdir(level, object)) {
                            created.add(level);
                        }
                    }
                }
            }
            Path cpusetMount = layout.controllerMounts().get("cpuset");
            if (cpusetMount != null) {
                // A new cpuset cgroup starts with empty cpus and mems, and no task can join it until both are
                // set: copy them down from the parent, level by level.
                for (Path level : CgroupSupport.levels(cpusetMount, rel)) {
                    inheritIfEmpty(level, "cpuset.cpus", object);
                    inheritIfEmpty(level, "cpuset.mems", object);
                }
            }
            Cgroup cgroup = new Cgroup(rel, dirs);
            update(cgroup, resources);
            return cgroup;
        } catch (RuntimeException e) {
            rollback(created, e);
            throw e;
        }
    }

    private void inheritIfEmpty(Path level, String file, String object) {
        String current = ControlFiles.readIfExists(level.resolve(file), "read " + file + " of", object).orElse("");
        if (current.isBlank()) {
            String parent = ControlFiles.read(level.getParent().resolve(file), "read " + file + " of the parent of", object);
            files.write(level.resolve(file), parent.trim(), "copy " + file + " into", object);
        }
    }

    private void rollback(List<Path> created, RuntimeException failure) {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                files.rmdir(created.get(i));
            } catch (IOException e) {
                failure.addSuppressed(new CgroupException("roll back", "directory " + created.get(i),
                        "rmdir: " + ControlFiles.describe(e), e));
            }
        }
    }

    @Override
    public Cgroup open(String relativePath) {
        String rel = CgroupSupport.normalize(relativePath);
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (Map.Entry<String, Path> hierarchy : hierarchies().entrySet()) {
            Path dir = hierarchy.getValue().resolve(rel);
            if (Files.isDirectory(dir)) {
                dirs.put(hierarchy.getKey(), dir);
            }
        }
        if (dirs.isEmpty()) {
            throw new CgroupException("open", "cgroup " + rel, "no directory for it in any hierarchy under " + layout.root());
        }
        return new Cgroup(rel, dirs);
    }

    @Override
    public boolean exists(String relativePath) {
        String rel = CgroupSupport.normalize(relativePath);
        return hierarchies().values().stream().anyMatch(mount -> Files.isDirectory(mount.resolve(rel)));
    }

    /** The cgroup's directory in the hierarchy of {@code controller}, or a clear error. */
    private Path dir(Cgroup cgroup, String controller, String action) {
        Path dir = cgroup.directories().get(controller);
        if (dir != null) {
            return dir;
        }
        String object = "cgroup " + cgroup.relativePath();
        if (!layout.has(controller)) {
            throw new CgroupException(action, object, "the " + controller + " controller is not mounted under " + layout.root());
        }
        throw new CgroupException(action, object, "it has no directory in the " + controller + " hierarchy "
                + layout.controllerMounts().get(controller));
    }

    @Override
    public void update(Cgroup cgroup, CgroupResources resources) {
        String object = "cgroup " + cgroup.relativePath();
        if (resources.cpuShares() != null) {
            Path cpu = dir(cgroup, "cpu", "set cpu shares of");
            files.write(cpu.resolve("cpu.shares"), Long.toString(CgroupResources.clampShares(resources.cpuShares())),
                    "set cpu shares of", object);
        }
        setCpuQuota(cgroup, resources, object);
        setMemoryAndSwap(cgroup, resources, object);
        if (resources.pidsLimit() != null) {
            Path pids = dir(cgroup, "pids", "set pids limit of");
            files.write(pids.resolve("pids.max"), resources.pidsLimit() == -1 ? "max" : resources.pidsLimit().toString(),
                    "set pids limit of", object);
        }
    }

    private void setCpuQuota(Cgroup cgroup, CgroupResources resources, String object) {
        Long period = resources.effectiveCpuPeriodMicros();
        Long quota = resources.cpuQuotaMicros();
        if (period == null && quota == null) {
            return;
        }
        Path cpu = dir(cgroup, "cpu", "set cpu quota of");
        boolean periodPending = false;
        if (period != null) {
            try {
                files.write(cpu.resolve("cpu.cfs_period_us"), period.toString(), "set cpu period of", object);
            } catch (CgroupException e) {
                // The kernel checks the old quota against the new period (and the parent's ratio); a smaller
                // period can be refused until the new quota is in place. Retry after writing the quota (runc too).
                if (quota == null || !e.getMessage().endsWith("Invalid argument")) {
                    throw e;
                }
                periodPending = true;
            }
        }
        if (quota != null) {
            files.write(cpu.resolve("cpu.cfs_quota_us"), quota.toString(), "set cpu quota of", object);
        }
        if (periodPending) {
            files.write(cpu.resolve("cpu.cfs_period_us"), period.toString(), "set cpu period of", object);
        }
    }

    /**
     * Sets memory.limit_in_bytes and memory.memsw.limit_in_bytes (memory+swap) in an order the kernel accepts:
     * it requires limit <= memsw at every moment, so when the new memsw is above the current limit memsw goes
     * first, otherwise the limit goes first (runc's order).
     */
    private void setMemoryAndSwap(Cgroup cgroup, CgroupResources resources, String object) {
        Long memory = resources.memoryLimitBytes();
        Long swap = resources.memorySwapLimitBytes();
        if (memory == null && swap == null) {
            return;
        }
        Path dir = dir(cgroup, "memory", "set memory limit of");
        // memsw files exist only with swap accounting (CONFIG_MEMCG_SWAP and swapaccount=1), on every memory
        // cgroup or on none: the hierarchy root tells.
        boolean swapAccounting = Files.exists(layout.controllerMounts().get("memory").resolve(MEMSW_LIMIT));
        if (memory != null && memory == -1 && swap == null && swapAccounting) {
            swap = -1L; // unlimited memory with swap unset means unlimited memory+swap too (as runc)
        }
        if (swap != null && !swapAccounting) {
            if (swap != -1) {
                LOG.warn("{}: swap accounting is off on this host (no {}); memory+swap limit {} not applied",
                        object, MEMSW_LIMIT, swap);
            }
            swap = null;
        }
        if (memory != null && swap != null) {
            long currentLimit = ControlFiles.readIfExists(dir.resolve("memory.limit_in_bytes"), "read memory limit of", object)
                    .map(s -> ControlFiles.parseSingle(s, dir.resolve("memory.limit_in_bytes")))
                    .orElse(Long.MAX_VALUE);
            if (swap == -1 || currentLimit < swap) {
                writeSwap(dir, swap, object);
                writeMemory(dir, memory, object);
                return;
            }
        }
        if (memory != null) {
            writeMemory(dir, memory, object);
        }
        if (swap != null) {
            writeSwap(dir, swap, object);
        }
    }

    private void writeMemory(Path dir, long bytes, String object) {
        files.write(dir.resolve("memory.limit_in_bytes"), Long.toString(bytes), "set memory limit of", object);
    }

    private void writeSwap(Path dir, long bytes, String object) {
        files.write(dir.resolve(MEMSW_LIMIT), Long.toString(bytes), "set memory+swap limit of", object);
    }

    @Override
    public boolean applyDevices(Cgroup cgroup, List<DeviceRule> rules) {
        if (!layout.has("devices")) {
            return false;
        }
        Path dir = dir(cgroup, "devices", "set device rules of");
        String object = "cgroup " + cgroup.relativePath();
        for (DeviceRule r : rules) {
            files.write(dir.resolve(r.allow() ? "devices.allow" : "devices.deny"), r.v1Syntax(),
                    "set device rule \"" + r.v1Syntax() + "\" of", object);
        }
        return true;
    }

    @Override
    public List<Path> procsFiles(Cgroup cgroup) {
        return CgroupSupport.distinct(cgroup.directories().values()).values().stream()
                .map(dir -> dir.resolve("cgroup.procs"))
                .toList();
    }

    @Override
    public void addProcess(Cgroup cgroup, long pid) {
        for (Path procs : procsFiles(cgroup)) {
            files.write(procs, Long.toString(pid), "add process " + pid + " to", "cgroup " + cgroup.relativePath());
        }
    }

    @Override
    public Optional<OomCounter> oomCounter(Cgroup cgroup) {
        return Optional.ofNullable(cgroup.directories().get("memory"))
                .map(dir -> dir.resolve("memory.oom_control"))
                .filter(Files::exists)
                .map(file -> new OomCounter(file, CgroupVersion.V1));
    }

    @Override
    public CgroupStats stats(Cgroup cgroup) {
        String object = "cgroup " + cgroup.relativePath();
        String action = "read stats of";
        CgroupStats.Builder stats = CgroupStats.builder();

        Path cpuacct = cgroup.directories().get("cpuacct");
        if (cpuacct != null) {
            ControlFiles.readIfExists(cpuacct.resolve("cpuacct.usage"), action, object)
                    .ifPresent(s -> stats.set("cpuUsageNanos", ControlFiles.parseSingle(s, cpuacct.resolve("cpuacct.usage"))));
            ControlFiles.readIfExists(cpuacct.resolve("cpuacct.stat"), action, object).map(ControlFiles::parseFlatKeyed)
                    .ifPresent(m -> {
                        stats.setIfPresent("cpuUserNanos", times(m.get("user"), NANOS_PER_USER_HZ_TICK));
                        stats.setIfPresent("cpuSystemNanos", times(m.get("system"), NANOS_PER_USER_HZ_TICK));
                    });
        }
        Path cpu = cgroup.directories().get("cpu");
        if (cpu != null) {
            ControlFiles.readIfExists(cpu.resolve("cpu.stat"), action, object).map(ControlFiles::parseFlatKeyed)
                    .ifPresent(m -> {
                        stats.setIfPresent("cpuPeriods", m.get("nr_periods"));
                        stats.setIfPresent("cpuThrottledPeriods", m.get("nr_throttled"));
                        stats.setIfPresent("cpuThrottledNanos", m.get("throttled_time"));
                    });
        }
        Path memory = cgroup.directories().get("memory");
        if (memory != null) {
            Long usage = ControlFiles.readIfExists(memory.resolve("memory.usage_in_bytes"), action, object)
                    .map(s -> ControlFiles.parseSingle(s, memory.resolve("memory.usage_in_bytes"))).orElse(null);
            stats.setIfPresent("memoryUsageBytes", usage);
            ControlFiles.readIfExists(memory.resolve("memory.max_usage_in_bytes"), action, object)
                    .ifPresent(s -> stats.set("memoryMaxUsageBytes", ControlFiles.parseSingle(s, memory.resolve("memory.max_usage_in_bytes"))));
            ControlFiles.readIfExists(memory.resolve("memory.limit_in_bytes"), action, object)
                    .ifPresent(s -> stats.set("memoryLimitBytes", ControlFiles.parseLimit(s, memory.resolve("memory.limit_in_bytes"))));
            ControlFiles.readIfExists(memory.resolve("memory.failcnt"), action, object)
                    .ifPresent(s -> stats.set("memoryFailCount", ControlFiles.parseSingle(s, memory.resolve("memory.failcnt"))));
            ControlFiles.readIfExists(memory.resolve("memory.stat"), action, object).map(ControlFiles::parseFlatKeyed)
                    .ifPresent(m -> {
                        // total_* include sub-cgroups (a pod cgroup holds its containers); plain keys are this level.
                        stats.setIfPresent("memoryRssBytes", preferTotal(m, "rss"));
                        stats.setIfPresent("memoryCacheBytes", preferTotal(m, "cache"));
                        Long inactiveFile = preferTotal(m, "inactive_file");
                        if (usage != null && inactiveFile != null) {
                            stats.set("memoryWorkingSetBytes", Math.max(0, usage - inactiveFile));
                        }
                    });
            ControlFiles.readIfExists(memory.resolve("memory.oom_control"), action, object).map(ControlFiles::parseFlatKeyed)
                    .ifPresent(m -> stats.setIfPresent("oomKills", m.get("oom_kill"))); // kernel 4.13+
            // oomEvents stays unavailable: v1 counts no OOM events, only kills (and the under_oom state flag).
        }
        Path pids = cgroup.directories().get("pids");
        if (pids != null) {
            ControlFiles.readIfExists(pids.resolve("pids.current"), action, object)
                    .ifPresent(s -> stats.set("pidsCurrent", ControlFiles.parseSingle(s, pids.resolve("pids.current"))));
            ControlFiles.readIfExists(pids.resolve("pids.max"), action, object)
                    .ifPresent(s -> stats.set("pidsLimit", ControlFiles.parseLimit(s, pids.resolve("pids.max"))));
        }
        Path blkio = cgroup.directories().get("blkio");
        if (blkio != null) {
            blkioReadWrite(blkio, "blkio.throttle.io_service_bytes", action, object).ifPresent(rw -> {
                stats.set("ioReadBytes", rw[0]);
                stats.set("ioWriteBytes", rw[1]);
            });
            blkioReadWrite(blkio, "blkio.throttle.io_serviced", action, object).ifPresent(rw -> {
                stats.set("ioReadOps", rw[0]);
                stats.set("ioWriteOps", rw[1]);
            });
        }
        return stats.build();
    }

    /**
     * {read, write} of a blkio rwstat file, the _recursive form first (a pod cgroup's IO is its containers');
     * kernels without it have only this level's. Empty when neither exists.
     */
    private static Optional<long[]> blkioReadWrite(Path blkio, String file, String action, String object) {
        Optional<String> content = ControlFiles.readIfExists(blkio.resolve(file + "_recursive"), action, object);
        if (content.isEmpty()) {
            content = ControlFiles.readIfExists(blkio.resolve(file), action, object);
        }
        return content.map(ControlFiles::parseBlkioReadWrite);
    }

    private static Long preferTotal(Map<String, Long> stat, String key) {
        Long total = stat.get("total_" + key);
        return total != null ? total : stat.get(key);
    }

    private static Long times(Long value, long factor) {
        return value == null ? null : value * factor;
    }

    @Override
    public List<Integer> pids(Cgroup cgroup) {
        return CgroupSupport.pidsUnder(cgroup.directories().values(), "cgroup " + cgroup.relativePath());
    }

    /**
     * On hybrid hosts cgroup.kill of the cgroup2 twin does the bulk race-free. Then rounds of: freeze (so no
     * process can fork between listing and killing), SIGKILL every listed pid, thaw (frozen tasks die only
     * once thawed), short pause; until no process is left or {@link CgroupSupport#KILL_TIMEOUT} passes.
     */
    @Override
    public void killAll(Cgroup cgroup) {
        String object = "cgroup " + cgroup.relativePath();
        long deadline = System.nanoTime() + CgroupSupport.KILL_TIMEOUT.toNanos();
        List<Integer> pids = pids(cgroup);
        if (pids.isEmpty()) {
            return;
        }
        CgroupSupport.refuseSelf(pids, object);
        Path unified = cgroup.directories().get(Cgroup.UNIFIED);
        if (unified != null && Files.exists(unified.resolve("cgroup.kill"))) {
            files.write(unified.resolve("cgroup.kill"), "1", "kill processes of", object);
            CgroupSupport.awaitUnpopulated(unified, Math.min(deadline, System.nanoTime() + 1_000_000_000L), object);
        }
        Path freezer = cgroup.directories().get("freezer");
        for (int round = 0; ; round++) {
            pids = pids(cgroup);
            if (pids.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw CgroupSupport.stillAlive(object, pids);
            }
            CgroupSupport.refuseSelf(pids, object);
            boolean frozen = freezer != null && freeze(freezer, deadline, object);
            try {
                CgroupSupport.sigkill(frozen ? pids(cgroup) : pids);
            } finally {
                if (frozen) {
                    files.write(freezer.resolve("freezer.state"), "THAWED", "thaw", object);
                }
            }
            CgroupSupport.pause(round, deadline, object);
        }
    }

    /** Freezes and waits (at most 1 s) for FROZEN; false when the freezer is unusable or stays FREEZING. */
    private boolean freeze(Path freezer, long deadline, String object) {
        Path state = freezer.resolve("freezer.state");
        if (!Files.exists(state)) {
            return false;
        }
        files.write(state, "FROZEN", "freeze", object);
        long until = Math.min(deadline, System.nanoTime() + 1_000_000_000L);
        for (int round = 0; ; round++) {
            String current = ControlFiles.readIfExists(state, "read freezer state of", object).orElse("").trim();
            if (current.equals("FROZEN")) {
                return true;
            }
            if (System.nanoTime() - until > 0) {
                // A task in uninterruptible sleep can keep the cgroup FREEZING; kill without the freeze.
                files.write(state, "THAWED", "thaw", object);
                return false;
            }
            CgroupSupport.pause(round, until, object);
        }
    }

    @Override
    public void destroy(Cgroup cgroup) {
        List<Path> dirs = new ArrayList<>(cgroup.directories().values());
        // An OCI runtime (runc) joins every mounted hierarchy, the named systemd one too, and makes the
        // path there; podlab never uses that hierarchy, so without this its copy would stay behind.
        Path named = layout.root().resolve("systemd").resolve(cgroup.relativePath());
        if (!cgroup.relativePath().isEmpty() && Files.isDirectory(named)) {
            dirs.add(named);
        }
        CgroupSupport.destroy(dirs, files, "cgroup " + cgroup.relativePath());
    }
}
