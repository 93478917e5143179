package dev.podlab.core.cgroup;

import static dev.podlab.core.cgroup.CgroupTrees.read;
import static dev.podlab.core.cgroup.CgroupTrees.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The V2 manager on a plain tree laid out like a pure cgroup v2 host. */
class CgroupV2TreeTest extends CgroupManagerContract {

    @TempDir
    Path root;

    @Override
    protected CgroupManager newManager() {
        return CgroupManagers.forRoot(CgroupTrees.pureV2(root));
    }

    private Path dir() {
        return root.resolve(base);
    }

    @Test
    void enablesControllersFromTheRootDownAndWritesTheLimits() {
        CgroupResources resources = CgroupResources.builder()
                .cpuShares(1024L).cpuQuotaMicros(50_000L)
                .memoryLimitBytes(256L << 20).memorySwapLimitBytes(768L << 20)
                .pidsLimit(5L).build();

        Cgroup cgroup = manager.create(base + "/ctr", resources);

        assertThat(cgroup.directories()).containsOnlyKeys(Cgroup.UNIFIED);
        // cpuset, hugetlb, rdma, misc are offered by the root but not needed
        assertThat(read(root.resolve("cgroup.subtree_control"))).isEqualTo("cpu io memory pids");
        assertThat(read(dir().resolve("cgroup.subtree_control"))).isEqualTo("cpu io memory pids");
        Path ctr = dir().resolve("ctr");
        assertThat(ctr.resolve("cgroup.subtree_control")).doesNotExist(); // processes live in the leaf
        assertThat(read(ctr.resolve("cpu.weight"))).isEqualTo("39");
        assertThat(read(ctr.resolve("cpu.max"))).isEqualTo("50000 100000");
        assertThat(read(ctr.resolve("memory.max"))).isEqualTo("268435456");
        assertThat(read(ctr.resolve("memory.swap.max"))).isEqualTo("536870912"); // swap only: 768 - 256 MiB
        assertThat(read(ctr.resolve("pids.max"))).isEqualTo("5");
        assertThat(((CgroupV2Manager) manager).controllers(cgroup)).containsExactly("cpu", "io", "memory", "pids");
    }

    @Test
    void keepsAlreadyEnabledControllers() {
        write(root.resolve("cgroup.subtree_control"), "cpuset memory\n");
        manager.create(base, CgroupResources.none());
        assertThat(read(root.resolve("cgroup.subtree_control"))).isEqualTo("cpuset memory cpu io pids");
    }

    @Test
    void writesMaxForUnlimited() {
        Cgroup cgroup = manager.create(base, CgroupResources.builder()
                .cpuQuotaMicros(-1L).memoryLimitBytes(-1L).pidsLimit(-1L).build());

        assertThat(read(dir().resolve("cpu.max"))).isEqualTo("max 100000");
        assertThat(read(dir().resolve("memory.max"))).isEqualTo("max");
        assertThat(read(dir().resolve("memory.swap.max"))).isEqualTo("max");
        assertThat(read(dir().resolve("pids.max"))).isEqualTo("max");

        manager.update(cgroup, CgroupResources.builder().memoryLimitBytes(1L << 30).memorySwapLimitBytes(1L << 30).build());
        assertThat(read(dir().resolve("memory.max"))).isEqualTo("1073741824");
        assertThat(read(dir().resolve("memory.swap.max"))).isEqualTo("0");
    }

    @Test
    void periodAloneKeepsTheCurrentQuota() {
        Cgroup cgroup = manager.create(base, CgroupResources.builder().cpuQuotaMicros(20_000L).build());
        manager.update(cgroup, CgroupResources.builder().cpuPeriodMicros(50_000L).build());
        assertThat(read(dir().resolve("cpu.max"))).isEqualTo("20000 50000");
    }

    @Test
    void refusesLimitsForControllersTheRootDoesNotOffer(@TempDir Path cpuOnlyRoot) {
        CgroupManager cpuOnly = CgroupManagers.forRoot(CgroupTrees.pureV2(cpuOnlyRoot, "cpu memory"));

        assertThatThrownBy(() -> cpuOnly.create("pod/ctr", CgroupResources.builder().pidsLimit(5L).build()))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to set pids limit of cgroup pod/ctr: the pids controller is not available to it"
                        + " (enabled: cpu memory; the root " + cpuOnlyRoot + " offers: cpu memory)");
        assertThat(cpuOnly.exists("pod")).isFalse(); // rolled back, ancestors it created included
    }

    @Test
    void parsesKernelStatsFiles() {
        Cgroup cgroup = manager.create(base, CgroupResources.builder().memoryLimitBytes(256L << 20).pidsLimit(5L).build());
        for (String file : List.of("cpu.stat", "memory.stat", "memory.events", "memory.current", "memory.peak", "pids.current",
                "io.stat")) {
            CgroupTrees.fixture("v2/" + file, dir().resolve(file));
        }

        CgroupStats stats = manager.stats(cgroup);

        assertThat(stats.cpuUsageNanos()).isEqualTo(2_500_000_000L);
        assertThat(stats.cpuUserNanos()).isEqualTo(1_500_000_000L);
        assertThat(stats.cpuSystemNanos()).isEqualTo(1_000_000_000L);
        assertThat(stats.cpuPeriods()).isEqualTo(120);
        assertThat(stats.cpuThrottledPeriods()).isEqualTo(7);
        assertThat(stats.cpuThrottledNanos()).isEqualTo(345_678_000L);
        assertThat(stats.memoryUsageBytes()).isEqualTo(33_554_432L);
        assertThat(stats.memoryWorkingSetBytes()).isEqualTo(33_554_432L - 16_777_216L);
        assertThat(stats.memoryRssBytes()).isEqualTo(10_485_760L);
        assertThat(stats.memoryCacheBytes()).isEqualTo(20_971_520L);
        assertThat(stats.memoryLimitBytes()).isEqualTo(256L << 20);
        assertThat(stats.memoryMaxUsageBytes()).isEqualTo(41_943_040L);
        assertThat(stats.memoryFailCount()).isEqualTo(9);
        assertThat(stats.oomEvents()).isEqualTo(2);
        assertThat(stats.oomKills()).isEqualTo(1);
        assertThat(stats.pidsCurrent()).isEqualTo(3);
        assertThat(stats.pidsLimit()).isEqualTo(5);
        // io.stat summed over its two devices
        assertThat(stats.ioReadBytes()).isEqualTo(1_048_576L + 4_096L);
        assertThat(stats.ioWriteBytes()).isEqualTo(4_194_304L);
        assertThat(stats.ioReadOps()).isEqualTo(17);
        assertThat(stats.ioWriteOps()).isEqualTo(64);
        assertThat(stats.unavailable()).isEmpty();

        assertThat(manager.oomCounter(cgroup)).hasValueSatisfying(counter -> {
            assertThat(counter.file()).isEqualTo(dir().resolve("memory.events"));
            assertThat(counter.format()).isEqualTo(CgroupVersion.V2);
            assertThat(counter.oomKills()).isEqualTo(1);
        });
    }

    @Test
    void controllerLessCgroupReportsWhatIsMissing() {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        CgroupTrees.fixture("v2/cpu.stat.nocontroller", dir().resolve("cpu.stat"));

        CgroupStats stats = manager.stats(cgroup);

        assertThat(stats.cpuUsageNanos()).isEqualTo(79_812_000_000L);
        assertThat(stats.cpuUserNanos()).isEqualTo(46_552_000_000L);
        assertThat(stats.cpuSystemNanos()).isEqualTo(33_260_000_000L);
        assertThat(stats.unavailable()).containsExactlyInAnyOrder(
                "cpuPeriods", "cpuThrottledPeriods", "cpuThrottledNanos", "memoryUsageBytes",
                "memoryWorkingSetBytes", "memoryRssBytes", "memoryCacheBytes", "memoryLimitBytes",
                "memoryMaxUsageBytes", "memoryFailCount", "oomEvents", "oomKills", "pidsCurrent", "pidsLimit",
                "ioReadBytes", "ioWriteBytes", "ioReadOps", "ioWriteOps");
        assertThat(manager.oomCounter(cgroup)).isEmpty();
    }

    @Test
    void listsPidsRecursively() {
        Cgroup pod = manager.create(base + "/pod", CgroupResources.none());
        manager.create(base + "/pod/ctr", CgroupResources.none());
        write(dir().resolve("pod/cgroup.procs"), "7\n");
        write(dir().resolve("pod/ctr/cgroup.procs"), "9\n8\n");

        assertThat(manager.pids(pod)).containsExactly(7, 8, 9);
        assertThat(manager.procsFiles(pod)).containsExactly(dir().resolve("pod/cgroup.procs"));
    }
}
