package dev.podlab.core.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.core.testing.HostRequirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The V2 manager against the real kernel's cgroup2 mount: /sys/fs/cgroup on pure v2 hosts, /sys/fs/cgroup/unified
 * on hybrid ones (where it has no cpu/memory/pids controllers, which exercises the "unavailable" paths).
 */
@Tag("root")
@Timeout(60)
class CgroupV2HostTest extends CgroupManagerContract {

    private final TestProcesses processes = new TestProcesses();
    private Path mount;

    @Override
    protected CgroupManager newManager() {
        mount = HostRequirements.requireCgroup2Mount();
        return CgroupManagers.forRoot(mount);
    }

    @AfterEach
    void killStartedProcesses() throws Exception {
        processes.close();
    }

    private Process sleeperIn(Cgroup cgroup) throws Exception {
        Process sleeper = processes.parked("exec sleep 30");
        for (Path procs : manager.procsFiles(cgroup)) {
            Files.writeString(procs, Long.toString(sleeper.pid())); // what the shim does
        }
        TestProcesses.release(sleeper);
        TestProcesses.awaitExec(sleeper, "sleep");
        return sleeper;
    }

    @Test
    void runsProcessesInNestedCgroupsAndKillsThemWithCgroupKill() throws Exception {
        Cgroup ctr = manager.create(base + "/ctr", CgroupResources.none());
        assertThat(manager.procsFiles(ctr)).containsExactly(mount.resolve(base).resolve("ctr/cgroup.procs"));
        Process first = sleeperIn(ctr);
        Process second = sleeperIn(ctr);
        Cgroup pod = manager.open(base);

        assertThat(manager.pids(pod)).containsExactlyInAnyOrder((int) first.pid(), (int) second.pid());
        assertThat(ControlFiles.read(mount.resolve(base).resolve("cgroup.events"), "read", "events"))
                .contains("populated 1");

        long start = System.nanoTime();
        manager.killAll(pod);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).as("killAll waits on cgroup.events, not on timeouts").isLessThan(Duration.ofSeconds(2));
        assertThat(manager.pids(pod)).isEmpty();
        assertThat(first.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isEqualTo(128 + 9);
        manager.destroy(pod);
        assertThat(manager.exists(base)).isFalse();
    }

    @Test
    void statsReportWhatTheControllersProvide() throws Exception {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        sleeperIn(cgroup);
        List<String> enabled = List.copyOf(((CgroupV2Manager) manager).controllers(cgroup));

        CgroupStats stats = manager.stats(cgroup);

        // cpu.stat always has usage_usec/user_usec/system_usec, even without the cpu controller
        assertThat(stats.isAvailable("cpuUsageNanos")).isTrue();
        assertThat(stats.cpuUsageNanos()).isNotNegative();
        if (enabled.contains("memory")) {
            assertThat(stats.memoryUsageBytes()).isPositive();
            assertThat(manager.oomCounter(cgroup)).isPresent();
        } else {
            assertThat(stats.unavailable()).contains("memoryUsageBytes", "memoryWorkingSetBytes", "memoryLimitBytes",
                    "oomEvents", "oomKills");
            assertThat(manager.oomCounter(cgroup)).isEmpty();
        }
        if (enabled.contains("pids")) {
            assertThat(stats.pidsCurrent()).isGreaterThanOrEqualTo(1);
        } else {
            assertThat(stats.unavailable()).contains("pidsCurrent", "pidsLimit");
        }
        if (!enabled.contains("cpu")) {
            assertThat(stats.unavailable()).contains("cpuPeriods", "cpuThrottledPeriods", "cpuThrottledNanos");
        }
        manager.killAll(cgroup);
    }

    @Test
    void limitsNeedTheirController() {
        CgroupResources limits = CgroupResources.builder().memoryLimitBytes(64L << 20).build();
        if (manager.layout().has("memory")) {
            Cgroup cgroup = manager.create(base, limits);
            assertThat(CgroupTrees.read(cgroup.directories().get(Cgroup.UNIFIED).resolve("memory.max"))).isEqualTo("67108864");
            return;
        }
        assertThatThrownBy(() -> manager.create(base + "/ctr", limits))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("failed to set memory limit of cgroup " + base
                        + "/ctr: the memory controller is not available to it");
        assertThat(manager.exists(base)).isFalse();
    }

    @Test
    void destroyRefusesWhileProcessesRun() throws Exception {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        Process sleeper = sleeperIn(cgroup);

        assertThatThrownBy(() -> manager.destroy(cgroup))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to remove cgroup " + base + ": rmdir " + mount.resolve(base)
                        + ": Device or resource busy (processes still in it: [" + sleeper.pid() + "])");

        manager.killAll(cgroup);
        manager.destroy(cgroup);
        assertThat(manager.exists(base)).isFalse();
    }
}
