package dev.podlab.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.testing.HostRequirements;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Samples a real cgroup holding a sleep process, through both stats sources. */
@Tag("root")
class MetricsHostTest {

    @Test
    void samplesARealCgroup() throws Exception {
        HostRequirements.requireRoot();
        CgroupManager cgroups = CgroupManagers.host();
        String path = "podlab-test-" + UUID.randomUUID().toString().substring(0, 8);
        Cgroup cgroup = cgroups.create(path, CgroupResources.none());
        Process sleep = null;
        try {
            // The process allocates after it moved (v1 does not move charges), then becomes "sleep 30".
            sleep = new ProcessBuilder("sh", "-c",
                    "read go; x=$(head -c 1000000 /dev/zero | tr '\\0' a); echo started; exec sleep 30").start();
            cgroups.addProcess(cgroup, sleep.pid());
            sleep.getOutputStream().write('\n');
            sleep.getOutputStream().flush();
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(sleep.getInputStream()))) {
                assertThat(out.readLine()).isEqualTo("started");
            }
            List<MetricsSampler.Target> targets = List.of(new MetricsSampler.Target("c1", cgroup));
            for (StatsSource source : List.of(StatsSources.fast(cgroups), StatsSource.of(cgroups))) {
                try (MetricsSampler sampler = new MetricsSampler(() -> targets, source, Duration.ofSeconds(1),
                        Duration.ofMinutes(1), Clock.systemUTC())) {
                    Instant now = Instant.now();
                    sampler.sampleOnce(now);
                    MetricsSample second = sampler.sampleOnce(now.plusSeconds(1)).get("c1");
                    assertThat(second).isNotNull();
                    assertThat(second.pidsCurrent()).isGreaterThanOrEqualTo(1);
                    assertThat(second.memoryUsageBytes()).isGreaterThan(0);
                    assertThat(second.cpuUsageNanos()).isGreaterThanOrEqualTo(0); // a sleeping process may not have run since it moved
                    assertThat(second.cpuCores()).isGreaterThanOrEqualTo(0);
                    assertThat(sampler.history("c1").orElseThrow().size()).isEqualTo(2);
                }
            }
        } finally {
            if (sleep != null) {
                sleep.destroyForcibly();
                sleep.waitFor(10, TimeUnit.SECONDS);
            }
            cgroups.destroy(cgroup);
        }
    }
}
