package dev.podlab.core.cgroup;

import static dev.podlab.core.cgroup.CgroupTrees.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.core.testing.HostRequirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The V1 manager against the real kernel: runs the shared contract, then limits and real processes. */
@Tag("root")
@Timeout(60)
class CgroupV1HostTest extends CgroupManagerContract {

    private static final Path ROOT = HostRequirements.CGROUP_ROOT;
    private final TestProcesses processes = new TestProcesses();

    @Override
    protected CgroupManager newManager() {
        HostRequirements.requireCgroupV1();
        return CgroupManagers.host();
    }

    @AfterEach
    void killStartedProcesses() throws Exception {
        processes.close(); // runs before the contract's cgroup cleanup (subclass @AfterEach first)
    }

    private Path dir(String hierarchy) {
        return manager.layout().controllerMounts().get(hierarchy).resolve(base);
    }

    @Test
    void detectsThisHost() {
        CgroupLayout layout = manager.layout();
        assertThat(manager).isInstanceOf(CgroupV1Manager.class);
        assertThat(layout.version()).isEqualTo(CgroupVersion.V1);
        assertThat(layout.controllerMounts()).containsKeys("cpu", "cpuacct", "memory", "pids");
        assertThat(layout.hybrid()).isEqualTo(Files.exists(ROOT.resolve("unified/cgroup.controllers")));
    }

    @Test
    void appliesLimitsTheKernelReportsBack() {
        Cgroup cgroup = manager.create(base, CgroupResources.builder()
                .cpuShares(512L).cpuQuotaMicros(50_000L).cpuPeriodMicros(100_000L)
                .memoryLimitBytes(256L << 20).memorySwapLimitBytes(512L << 20).pidsLimit(16L).build());

        assertThat(read(dir("cpu").resolve("cpu.shares"))).isEqualTo("512");
        assertThat(read(dir("cpu").resolve("cpu.cfs_quota_us"))).isEqualTo("50000");
        assertThat(read(dir("cpu").resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo("268435456");
        boolean swapAccounting = Files.exists(dir("memory").resolve("memory.memsw.limit_in_bytes"));
        if (swapAccounting) {
            assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo("536870912");
        }
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("16");
        assertThat(read(dir("cpuset").resolve("cpuset.cpus"))).isEqualTo(read(ROOT.resolve("cpuset/cpuset.cpus")));
        assertThat(read(dir("cpuset").resolve("cpuset.mems"))).isEqualTo(read(ROOT.resolve("cpuset/cpuset.mems")));

        // Raising both: memsw must go first, else the kernel refuses limit > memsw.
        manager.update(cgroup, CgroupResources.builder().memoryLimitBytes(1L << 30).memorySwapLimitBytes(2L << 30).build());
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo("1073741824");
        // Lowering both below the old limit: the limit must go first.
        manager.update(cgroup, CgroupResources.builder().memoryLimitBytes(64L << 20).memorySwapLimitBytes(96L << 20).build());
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo("67108864");
        if (swapAccounting) {
            assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo("100663296");
        }
        // Unlimited again, and shorter period with a quota (period may be refused before the quota is in).
        manager.update(cgroup, CgroupResources.builder().memoryLimitBytes(-1L).cpuQuotaMicros(-1L).pidsLimit(-1L).build());
        assertThat(read(dir("cpu").resolve("cpu.cfs_quota_us"))).isEqualTo("-1");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("max");
        assertThat(manager.stats(cgroup).memoryLimitBytes()).isEqualTo(-1);
        manager.update(cgroup, CgroupResources.builder().cpuQuotaMicros(5_000L).cpuPeriodMicros(10_000L).build());
        assertThat(read(dir("cpu").resolve("cpu.cfs_period_us"))).isEqualTo("10000");
    }

    @Test
    void aValueTheKernelRefusesNamesFileAndValueAndRollsBack() {
        // pids.max accepts at most PID_MAX_LIMIT (4194304); larger values are EINVAL.
        long tooMany = 1L << 40;
        assertThatThrownBy(() -> manager.create(base, CgroupResources.builder().pidsLimit(tooMany).build()))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to set pids limit of cgroup " + base + ": write " + tooMany + " to "
                        + dir("pids").resolve("pids.max") + ": Invalid argument");

        assertThat(manager.exists(base)).isFalse();
    }

    @Test
    void runsAProcessReportsItAndKillsIt() throws Exception {
        Cgroup cgroup = manager.create(base, CgroupResources.builder().memoryLimitBytes(128L << 20).build());
        Process sleeper = processes.parked("exec sleep 30");
        for (Path procs : manager.procsFiles(cgroup)) {
            Files.writeString(procs, Long.toString(sleeper.pid())); // what the shim does
        }
        TestProcesses.release(sleeper);
        TestProcesses.awaitExec(sleeper, "sleep"); // exec allocates inside the cgroup: memory gets charged

        assertThat(manager.pids(cgroup)).containsExactly((int) sleeper.pid());
        CgroupStats stats = manager.stats(cgroup);
        assertThat(stats.pidsCurrent()).isGreaterThanOrEqualTo(1);
        assertThat(stats.memoryUsageBytes()).isPositive();
        assertThat(stats.memoryLimitBytes()).isEqualTo(128L << 20);
        assertThat(stats.cpuUsageNanos()).isNotNegative();
        assertThat(stats.isAvailable("cpuUsageNanos")).isTrue();
        assertThat(stats.unavailable()).containsExactly("oomEvents");
        assertThat(manager.oomCounter(cgroup)).hasValueSatisfying(c -> assertThat(c.oomKills()).isZero());

        assertThatThrownBy(() -> manager.destroy(cgroup))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("failed to remove cgroup " + base + ": rmdir ")
                .hasMessageContaining("Device or resource busy (processes still in it: [" + sleeper.pid() + "])");

        manager.killAll(cgroup);

        assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sleeper.exitValue()).isEqualTo(128 + 9);
        assertThat(manager.pids(cgroup)).isEmpty();
        manager.destroy(cgroup);
        assertThat(manager.exists(base)).isFalse();
    }

    @Test
    void aPidsLimitStopsAForkingShell() throws Exception {
        Cgroup cgroup = manager.create(base, CgroupResources.builder().pidsLimit(5L).build());
        Process shell = processes.parked("for i in $(seq 20); do sleep 5 & done; wait");
        manager.addProcess(cgroup, shell.pid());
        TestProcesses.release(shell);

        assertThat(shell.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(shell.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(stderr).containsIgnoringCase("fork");
        assertThat(read(dir("pids").resolve("pids.events"))).matches("max [1-9][0-9]*");
        assertThat(manager.stats(cgroup).pidsCurrent()).isBetween(0L, 5L);

        manager.killAll(cgroup); // the sleeps that did get forked
        assertThat(manager.pids(cgroup)).isEmpty();
    }

    @Test
    void killAllCatchesChildrenOfChildren() throws Exception {
        Cgroup cgroup = manager.create(base + "/ctr", CgroupResources.none());
        Process shell = processes.parked("sleep 30 & sleep 30 & sh -c 'sleep 30 & wait' & wait");
        manager.addProcess(cgroup, shell.pid());
        TestProcesses.release(shell);
        Cgroup parent = manager.open(base);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (manager.pids(parent).size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(manager.pids(parent)).hasSize(5); // recursive: the processes live in base/ctr

        manager.killAll(parent);

        assertThat(manager.pids(parent)).isEmpty();
        assertThat(shell.waitFor(5, TimeUnit.SECONDS)).isTrue();
        manager.destroy(parent);
        assertThat(manager.exists(base)).isFalse();
    }

    @Test
    void killAllWithoutTheUnifiedTwinFreezesKillsAndThaws() throws Exception {
        // The same host seen as plain v1 (no cgroup2 twin, so no cgroup.kill): the freezer path does the work.
        java.util.Map<String, Path> v1Only = new java.util.LinkedHashMap<>(manager.layout().controllerMounts());
        v1Only.remove(Cgroup.UNIFIED);
        CgroupManager plainV1 = new CgroupV1Manager(new CgroupLayout(CgroupVersion.V1, false, ROOT, v1Only));
        Cgroup cgroup = plainV1.create(base, CgroupResources.none());
        assertThat(cgroup.directories()).doesNotContainKey(Cgroup.UNIFIED).containsKey("freezer");
        Process shell = processes.parked("sleep 30 & sleep 30 & wait");
        plainV1.addProcess(cgroup, shell.pid());
        TestProcesses.release(shell);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (plainV1.pids(cgroup).size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(plainV1.pids(cgroup)).hasSize(3);

        plainV1.killAll(cgroup);

        assertThat(plainV1.pids(cgroup)).isEmpty();
        assertThat(read(dir("freezer").resolve("freezer.state"))).isEqualTo("THAWED");
        assertThat(shell.waitFor(5, TimeUnit.SECONDS)).isTrue();
        plainV1.destroy(cgroup);
        assertThat(plainV1.exists(base)).isFalse();
    }
}
