package dev.podlab.core.cgroup;

import static dev.podlab.core.cgroup.CgroupTrees.read;
import static dev.podlab.core.cgroup.CgroupTrees.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The V1 manager on a plain tree laid out like this project's hosts (separate hierarchies, swap accounting). */
class CgroupV1TreeTest extends CgroupManagerContract {

    @TempDir
    Path root;

    @Override
    protected CgroupManager newManager() {
        return CgroupManagers.forRoot(CgroupTrees.v1Separate(root, true));
    }

    private Path dir(String hierarchy) {
        return root.resolve(hierarchy).resolve(base);
    }

    @Test
    void createsInEveryMountedHierarchyAndWritesTheLimits() {
        CgroupResources resources = CgroupResources.builder()
                .cpuShares(1024L).cpuQuotaMicros(50_000L)
                .memoryLimitBytes(256L << 20).memorySwapLimitBytes(512L << 20)
                .pidsLimit(5L).build();

        Cgroup cgroup = manager.create(base, resources);

        assertThat(cgroup.directories()).containsOnlyKeys(CgroupTrees.V1_HIERARCHIES);
        assertThat(read(dir("cpu").resolve("cpu.shares"))).isEqualTo("1024");
        assertThat(read(dir("cpu").resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        assertThat(read(dir("cpu").resolve("cpu.cfs_quota_us"))).isEqualTo("50000");
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo("268435456");
        assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo("536870912");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("5");
        assertThat(Files.isDirectory(root.resolve("systemd").resolve(base))).isFalse();
    }

    @Test
    void copiesCpusetFromTheParentAtEveryLevel() {
        manager.create(base + "/ctr", CgroupResources.none());

        for (Path level : List.of(dir("cpuset"), dir("cpuset").resolve("ctr"))) {
            assertThat(read(level.resolve("cpuset.cpus"))).isEqualTo("0-1");
            assertThat(read(level.resolve("cpuset.mems"))).isEqualTo("0");
        }
    }

    @Test
    void writesUnlimitedValuesAndClampsShares() {
        Cgroup cgroup = manager.create(base, CgroupResources.builder()
                .cpuShares(1L).cpuQuotaMicros(-1L).memoryLimitBytes(-1L).pidsLimit(-1L).build());

        assertThat(read(dir("cpu").resolve("cpu.shares"))).isEqualTo("2");
        assertThat(read(dir("cpu").resolve("cpu.cfs_quota_us"))).isEqualTo("-1");
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo("-1");
        // unlimited memory with swap unset means unlimited memory+swap as well
        assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo("-1");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("max");

        manager.update(cgroup, CgroupResources.builder().cpuShares(1_000_000L).build());
        assertThat(read(dir("cpu").resolve("cpu.shares"))).isEqualTo("262144");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("max"); // null left it alone
    }

    @Test
    void skipsMemoryPlusSwapWithoutSwapAccounting(@TempDir Path noSwapRoot) {
        CgroupManager noSwap = CgroupManagers.forRoot(CgroupTrees.v1Separate(noSwapRoot, false));
        noSwap.create("ctr", CgroupResources.builder().memoryLimitBytes(1L << 20).memorySwapLimitBytes(2L << 20).build());

        Path memory = noSwapRoot.resolve("memory/ctr");
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo("1048576");
        assertThat(memory.resolve("memory.memsw.limit_in_bytes")).doesNotExist();
    }

    @Test
    void parsesKernelStatsFiles() {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        for (String file : List.of("cpuacct.stat", "cpuacct.usage")) {
            CgroupTrees.fixture("v1/" + file, dir("cpuacct").resolve(file));
        }
        CgroupTrees.fixture("v1/cpu.stat", dir("cpu").resolve("cpu.stat"));
        for (String file : List.of("memory.stat", "memory.oom_control", "memory.usage_in_bytes",
                "memory.max_usage_in_bytes", "memory.limit_in_bytes", "memory.failcnt")) {
            CgroupTrees.fixture("v1/" + file, dir("memory").resolve(file));
        }
        CgroupTrees.fixture("v1/pids.current", dir("pids").resolve("pids.current"));
        CgroupTrees.fixture("v1/pids.max", dir("pids").resolve("pids.max"));
        for (String file : List.of("blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive")) {
            CgroupTrees.fixture("v1/" + file, dir("blkio").resolve(file));
        }

        CgroupStats stats = manager.stats(cgroup);

        assertThat(stats.cpuUsageNanos()).isEqualTo(1_116_129_783L);
        assertThat(stats.cpuUserNanos()).isEqualTo(20 * 10_000_000L);
        assertThat(stats.cpuSystemNanos()).isEqualTo(91 * 10_000_000L);
        assertThat(stats.cpuPeriods()).isEqualTo(120);
        assertThat(stats.cpuThrottledPeriods()).isEqualTo(7);
        assertThat(stats.cpuThrottledNanos()).isEqualTo(345_678_901L);
        assertThat(stats.memoryUsageBytes()).isEqualTo(665_436_160L);
        assertThat(stats.memoryWorkingSetBytes()).isEqualTo(665_436_160L - 445_186_048L);
        assertThat(stats.memoryRssBytes()).isZero();
        assertThat(stats.memoryCacheBytes()).isEqualTo(662_581_248L);
        assertThat(stats.memoryLimitBytes()).isEqualTo(-1);
        assertThat(stats.memoryMaxUsageBytes()).isEqualTo(666_005_504L);
        assertThat(stats.memoryFailCount()).isEqualTo(12);
        assertThat(stats.oomKills()).isEqualTo(3);
        assertThat(stats.pidsCurrent()).isEqualTo(4);
        assertThat(stats.pidsLimit()).isEqualTo(5);
        // Read and Write lines summed over both devices; Sync/Async/Total lines left out.
        assertThat(stats.ioReadBytes()).isEqualTo(2_102_272L + 1_048_576L);
        assertThat(stats.ioWriteBytes()).isEqualTo(2_097_152L + 8_192L);
        assertThat(stats.ioReadOps()).isEqualTo(37 + 8);
        assertThat(stats.ioWriteOps()).isEqualTo(32 + 2);
        assertThat(stats.unavailable()).containsExactly("oomEvents");

        assertThat(manager.oomCounter(cgroup)).hasValueSatisfying(counter -> {
            assertThat(counter.file()).isEqualTo(dir("memory").resolve("memory.oom_control"));
            assertThat(counter.format()).isEqualTo(CgroupVersion.V1);
            assertThat(counter.oomKills()).isEqualTo(3);
        });
    }

    @Test
    void blockIoFallsBackToTheNonRecursiveFilesAndIsUnavailableWithoutThem() {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        assertThat(manager.stats(cgroup).unavailable())
                .contains("ioReadBytes", "ioWriteBytes", "ioReadOps", "ioWriteOps");

        write(dir("blkio").resolve("blkio.throttle.io_service_bytes"), "8:0 Read 512\n8:0 Write 1024\n8:0 Total 1536\nTotal 1536\n");
        CgroupStats stats = manager.stats(cgroup);
        assertThat(stats.ioReadBytes()).isEqualTo(512);
        assertThat(stats.ioWriteBytes()).isEqualTo(1024);
        assertThat(stats.unavailable()).doesNotContain("ioReadBytes", "ioWriteBytes").contains("ioReadOps", "ioWriteOps");

        // An idle cgroup's file holds only the closing total: zero, and available.
        write(dir("blkio").resolve("blkio.throttle.io_serviced"), "Total 0\n");
        assertThat(manager.stats(cgroup).ioWriteOps()).isZero();
        assertThat(manager.stats(cgroup).unavailable()).doesNotContain("ioReadOps", "ioWriteOps");
    }

    @Test
    void workingSetNeverGoesNegative() {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        write(dir("memory").resolve("memory.usage_in_bytes"), "1000\n");
        write(dir("memory").resolve("memory.stat"), "cache 5000\nrss 0\ntotal_inactive_file 5000\n");
        assertThat(manager.stats(cgroup).memoryWorkingSetBytes()).isZero();
    }

    @Test
    void listsPidsOfAllHierarchiesAndSubCgroups() {
        Cgroup cgroup = manager.create(base + "/pod", CgroupResources.none());
        manager.create(base + "/pod/ctr", CgroupResources.none());
        write(dir("memory").resolve("pod/cgroup.procs"), "300\n100\n");
        write(dir("pids").resolve("pod/cgroup.procs"), "100\n");
        write(dir("cpu").resolve("pod/ctr/cgroup.procs"), "200\n");

        assertThat(manager.pids(cgroup)).containsExactly(100, 200, 300);
    }

    @Test
    void addProcessWritesEveryProcsFile() {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        manager.addProcess(cgroup, 4242);
        assertThat(manager.procsFiles(cgroup)).hasSize(8).allSatisfy(p -> assertThat(read(p)).isEqualTo("4242"));
    }

    @Test
    void refusesToKillTheEngineItself() {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        write(dir("memory").resolve("cgroup.procs"), ProcessHandle.current().pid() + "\n");

        assertThatThrownBy(() -> manager.killAll(cgroup))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to kill processes of cgroup " + base + ": the engine itself (pid "
                        + ProcessHandle.current().pid() + ") is in it; refusing to kill it");
    }

    @Test
    void rollsBackDirectoriesItCreatedWhenAStepFails() {
        write(root.resolve("pids").resolve(base), "in the way\n"); // mkdir in the pids hierarchy will fail

        assertThatThrownBy(() -> manager.create(base + "/ctr", CgroupResources.none()))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to create cgroup " + base + "/ctr: mkdir " + root.resolve("pids").resolve(base)
                        + ": File exists (not a directory)");

        for (String hierarchy : List.of("cpu", "cpuacct", "cpuset", "memory")) {
            assertThat(root.resolve(hierarchy).resolve(base)).as(hierarchy).doesNotExist();
        }
    }

    @Test
    void rollsBackOnlyWhatItCreated() {
        manager.create(base, CgroupResources.none()); // exists before
        write(root.resolve("pids").resolve(base).resolve("ctr"), "in the way\n");

        assertThatThrownBy(() -> manager.create(base + "/ctr", CgroupResources.none())).isInstanceOf(CgroupException.class);

        assertThat(manager.exists(base)).isTrue();
        assertThat(dir("memory").resolve("ctr")).doesNotExist();
    }

    @Test
    void explainsAMissingController(@TempDir Path partial) throws Exception {
        CgroupTrees.v1Separate(partial, true);
        Files.delete(partial.resolve("pids/cgroup.procs")); // pids not mounted
        CgroupManager noPids = CgroupManagers.forRoot(partial);

        assertThatThrownBy(() -> noPids.create("ctr", CgroupResources.builder().pidsLimit(10L).build()))
                .hasMessage("failed to set pids limit of cgroup ctr: the pids controller is not mounted under "
                        + partial.toRealPath());
        assertThat(noPids.exists("ctr")).isFalse();
    }

    @Test
    void combinedHierarchiesShareOneDirectory(@TempDir Path combinedRoot) throws Exception {
        CgroupManager combined = CgroupManagers.forRoot(CgroupTrees.v1Combined(combinedRoot));
        Cgroup cgroup = combined.create("ctr", CgroupResources.builder().cpuShares(512L).build());

        Path shared = combinedRoot.toRealPath().resolve("cpu,cpuacct/ctr");
        assertThat(cgroup.directories()).containsEntry("cpu", shared).containsEntry("cpuacct", shared);
        assertThat(read(shared.resolve("cpu.shares"))).isEqualTo("512");
        assertThat(combined.procsFiles(cgroup)).hasSize(7).containsOnlyOnce(shared.resolve("cgroup.procs"));
        assertThat(read(combinedRoot.resolve("cpuset/ctr/cpuset.cpus"))).isEqualTo("0-3");

        combined.destroy(cgroup);
        assertThat(combined.exists("ctr")).isFalse();
    }

    @Test
    void hybridHostsAlsoJoinTheUnifiedHierarchy(@TempDir Path hybridRoot) throws Exception {
        CgroupManager hybrid = CgroupManagers.forRoot(CgroupTrees.hybrid(hybridRoot));
        Cgroup cgroup = hybrid.create("ctr", CgroupResources.none());

        Path unified = hybridRoot.toRealPath().resolve("unified/ctr");
        assertThat(cgroup.directories()).containsEntry(Cgroup.UNIFIED, unified);
        assertThat(hybrid.procsFiles(cgroup)).hasSize(9).contains(unified.resolve("cgroup.procs"));
    }
}
