package dev.podlab.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupException;
import dev.podlab.core.cgroup.CgroupStats;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsSamplerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A kernel-free stats source: counters set by the test, reads and open readers counted. */
    static final class FakeSource implements StatsSource {
        final Map<String, long[]> cpuAndMemory = new HashMap<>(); // relativePath -> {cpuUsageNanos, memoryUsage}
        final Map<String, Integer> opened = new HashMap<>();
        final Map<String, Integer> reads = new HashMap<>();
        final List<String> closed = new ArrayList<>();
        final Set<String> failing = new java.util.HashSet<>();

        void set(String path, long cpuNanos, long memory) {
            cpuAndMemory.put(path, new long[] {cpuNanos, memory});
        }

        @Override
        public Reader open(Cgroup cgroup) {
            String path = cgroup.relativePath();
            opened.merge(path, 1, Integer::sum);
            return new Reader() {
                @Override
                public CgroupStats read() {
                    reads.merge(path, 1, Integer::sum);
                    if (failing.contains(path)) {
                        throw new CgroupException("read stats of", "cgroup " + path, "gone");
                    }
                    long[] v = cpuAndMemory.getOrDefault(path, new long[2]);
                    return new CgroupStats(v[0], 0, 0, 10, 2, 3000, v[1], v[1] / 2, v[1] / 4, v[1] / 8, 1 << 30, 0, 0,
                            0, 1, 5, 100, v[1] * 2, v[1] * 3, 7, 9, Set.of("memoryMaxUsageBytes"));
                }

                @Override
                public void close() {
                    closed.add(path);
                }
            };
        }
    }

    static MetricsSampler.Target target(String id) {
        return new MetricsSampler.Target(id, new Cgroup("podlab/" + id, Map.of("memory", Path.of("/x/podlab/" + id))));
    }

    private final FakeSource source = new FakeSource();
    private final List<MetricsSampler.Target> targets = new ArrayList<>();

    private MetricsSampler sampler(Duration interval, Duration history) {
        return new MetricsSampler(() -> List.copyOf(targets), source, interval, history, Clock.systemUTC());
    }

    @Test
    void capacityIsHistoryOverInterval() {
        assertThat(sampler(Duration.ofSeconds(1), Duration.ofMinutes(10)).capacity()).isEqualTo(600);
        assertThat(sampler(Duration.ofMillis(250), Duration.ofSeconds(1)).capacity()).isEqualTo(4);
        assertThatThrownBy(() -> sampler(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cpuRateComesFromTheDeltaToThePreviousSample() {
        targets.add(target("a"));
        MetricsSampler sampler = sampler(Duration.ofSeconds(1), Duration.ofMinutes(10));
        source.set("podlab/a", 1_000_000_000L, 4096);
        MetricsSample first = sampler.sampleOnce(T0).get("a");
        assertThat(first.cpuCores()).isNaN();
        assertThat(first.cpuUsageNanos()).isEqualTo(1_000_000_000L);
        assertThat(first.memoryUsageBytes()).isEqualTo(4096);
        assertThat(first.memoryWorkingSetBytes()).isEqualTo(2048);
        assertThat(first.pidsCurrent()).isEqualTo(5);
        assertThat(first.pidsLimit()).isEqualTo(100);
        assertThat(first.ioReadBytes()).isEqualTo(8192);
        assertThat(first.ioWriteBytes()).isEqualTo(12288);
        assertThat(first.ioReadOps()).isEqualTo(7);
        assertThat(first.ioWriteOps()).isEqualTo(9);
        assertThat(first.oomKills()).isEqualTo(1);
        assertThat(first.cpuThrottledPeriods()).isEqualTo(2);
        assertThat(first.cpuThrottledNanos()).isEqualTo(3000);
        assertThat(first.epochMillis()).isEqualTo(T0.toEpochMilli());

        source.set("podlab/a", 1_500_000_000L, 4096); // 0.5 s of CPU in 1 s
        assertThat(sampler.sampleOnce(T0.plusSeconds(1)).get("a").cpuCores()).isCloseTo(0.5, within());
        source.set("podlab/a", 4_500_000_000L, 4096); // 3 s of CPU in 2 s: 1.5 cores
        MetricsSample third = sampler.sampleOnce(T0.plusSeconds(3)).get("a");
        assertThat(third.cpuCores()).isCloseTo(1.5, within());
        assertThat(third.cpuPercent()).isCloseTo(150, within());

        assertThat(sampler.history("a")).get().satisfies(h -> {
            assertThat(h.size()).isEqualTo(3);
            assertThat(h.epochMillis()).containsExactly(T0.toEpochMilli(), T0.plusSeconds(1).toEpochMilli(),
                    T0.plusSeconds(3).toEpochMilli());
        });
    }

    @Test
    void counterGoingBackGivesAnUnknownRateNotANegativeOne() {
        targets.add(target("a"));
        MetricsSampler sampler = sampler(Duration.ofSeconds(1), Duration.ofMinutes(1));
        source.set("podlab/a", 5_000_000_000L, 0);
        sampler.sampleOnce(T0);
        source.set("podlab/a", 1_000, 0);
        assertThat(sampler.sampleOnce(T0.plusSeconds(1)).get("a").cpuCores()).isNaN();
        source.set("podlab/a", 250_001_000, 0);
        assertThat(sampler.sampleOnce(T0.plusSeconds(2)).get("a").cpuCores()).isCloseTo(0.25, within());
    }

    @Test
    void readsEachCgroupOncePerRoundAndOpensItOnce() {
        targets.add(target("a"));
        targets.add(target("b"));
        MetricsSampler sampler = sampler(Duration.ofSeconds(1), Duration.ofMinutes(1));
        for (int i = 0; i < 5; i++) {
            sampler.sampleOnce(T0.plusSeconds(i));
        }
        assertThat(source.reads).containsEntry("podlab/a", 5).containsEntry("podlab/b", 5);
        assertThat(source.opened).containsEntry("podlab/a", 1).containsEntry("podlab/b", 1);
    }

    @Test
    void newTargetsGetASeriesAndRemovedOnesAreDroppedAndClosed() {
        MetricsSampler sampler = sampler(Duration.ofSeconds(1), Duration.ofMinutes(1));
        targets.add(target("a"));
        assertThat(sampler.sampleOnce(T0)).containsOnlyKeys("a");
        targets.add(target("b"));
        assertThat(sampler.sampleOnce(T0.plusSeconds(1))).containsOnlyKeys("a", "b");
        assertThat(sampler.ids()).containsExactlyInAnyOrder("a", "b");
        assertThat(sampler.history("a").orElseThrow().size()).isEqualTo(2);
        assertThat(sampler.history("b").orElseThrow().size()).isEqualTo(1);
        MetricsSeries.Snapshot lastOfA = sampler.history("a").orElseThrow();

        targets.remove(0); // a stops
        assertThat(sampler.sampleOnce(T0.plusSeconds(2))).containsOnlyKeys("b");
        assertThat(sampler.history("a")).isEmpty();
        assertThat(sampler.ids()).containsExactly("b");
        assertThat(source.closed).containsExactly("podlab/a");
        assertThat(lastOfA.size()).isEqualTo(2); // a reader's copy outlives the drop

        targets.add(target("a")); // the same id again starts a fresh series
        sampler.sampleOnce(T0.plusSeconds(3));
        assertThat(sampler.history("a").orElseThrow().size()).isEqualTo(1);
        assertThat(sampler.history("a").orElseThrow().get(0).cpuCores()).isNaN();
    }

    @Test
    void aCgroupThatCannotBeReadIsSkippedForTheRoundAndReopenedLater() {
        targets.add(target("a"));
        targets.add(target("b"));
        MetricsSampler sampler = sampler(Duration.ofSeconds(1), Duration.ofMinutes(1));
        sampler.sampleOnce(T0);
        source.failing.add("podlab/a");
        assertThat(sampler.sampleOnce(T0.plusSeconds(1))).containsOnlyKeys("b");
        assertThat(sampler.history("a").orElseThrow().size()).isEqualTo(1);
        source.failing.clear();
        assertThat(sampler.sampleOnce(T0.plusSeconds(2))).containsOnlyKeys("a", "b");
        assertThat(source.opened).containsEntry("podlab/a", 2);
    }

    @Test
    void listenersGetEveryRoundUntilUnsubscribedAndAFailingOneHarmsNoOne() throws Exception {
        targets.add(target("a"));
        MetricsSampler sampler = sampler(Duration.ofSeconds(1), Duration.ofMinutes(1));
        List<Map<String, MetricsSample>> seen = new ArrayList<>();
        sampler.subscribe(round -> {
            throw new IllegalStateException("broken listener");
        });
        AutoCloseable subscription = sampler.subscribe(seen::add);
        sampler.sampleOnce(T0);
        sampler.sampleOnce(T0.plusSeconds(1));
        subscription.close();
        sampler.sampleOnce(T0.plusSeconds(2));
        assertThat(seen).hasSize(2);
        assertThat(seen.get(1)).containsOnlyKeys("a");
        assertThatThrownBy(() -> seen.get(0).put("x", null)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void historyKeepsOnlyCapacitySamples() {
        targets.add(target("a"));
        MetricsSampler sampler = sampler(Duration.ofSeconds(1), Duration.ofSeconds(3));
        for (int i = 0; i < 10; i++) {
            sampler.sampleOnce(T0.plusSeconds(i));
        }
        assertThat(sampler.history("a").orElseThrow().epochMillis())
                .containsExactly(T0.plusSeconds(7).toEpochMilli(), T0.plusSeconds(8).toEpochMilli(),
                        T0.plusSeconds(9).toEpochMilli());
        assertThat(sampler.rounds()).isEqualTo(10);
    }

    @Test
    void startedSamplerRunsRoundsOnItsOwnThreadAndCloseStopsItAndClosesReaders() throws Exception {
        targets.add(target("a"));
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch threeRounds = new CountDownLatch(3);
        try (MetricsSampler sampler = sampler(Duration.ofMillis(5), Duration.ofSeconds(1))) {
            sampler.subscribe(round -> {
                threads.add(Thread.currentThread().getName());
                threeRounds.countDown();
            });
            sampler.start();
            assertThatThrownBy(sampler::start).isInstanceOf(IllegalStateException.class);
            assertThat(threeRounds.await(30, TimeUnit.SECONDS)).isTrue();
            sampler.close();
            assertThat(sampler.ids()).isEmpty();
        }
        assertThat(threads).allMatch("podlab-metrics"::equals);
        assertThat(source.closed).contains("podlab/a");
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }
}
