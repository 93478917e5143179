package dev.podlab.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MetricsSeriesTest {

    static MetricsSample sample(long t) {
        return new MetricsSample(t, t * 10, (t % 64) / 4.0, t, t * 2, t * 1000, t * 900, -1, t * 500, t * 400, t % 3, t, -1,
                t * 4096, t * 8192, t * 3, t * 5);
    }

    @Test
    void emptySeriesHasAnEmptySnapshot() {
        MetricsSeries series = new MetricsSeries(4);
        assertThat(series.capacity()).isEqualTo(4);
        assertThat(series.snapshot().isEmpty()).isTrue();
        assertThat(series.snapshot().latest()).isEmpty();
    }

    @Test
    void keepsSamplesInOrderBelowCapacity() {
        MetricsSeries series = new MetricsSeries(4);
        series.append(sample(1));
        series.append(sample(2));
        MetricsSeries.Snapshot snap = series.snapshot();
        assertThat(snap.size()).isEqualTo(2);
        assertThat(snap.samples()).containsExactly(sample(1), sample(2));
        assertThat(snap.latest()).contains(sample(2));
    }

    @Test
    void wrapsAroundKeepingTheNewestCapacitySamplesOldestFirst() {
        MetricsSeries series = new MetricsSeries(3);
        for (long t = 1; t <= 7; t++) {
            series.append(sample(t));
        }
        MetricsSeries.Snapshot snap = series.snapshot();
        assertThat(snap.size()).isEqualTo(3);
        assertThat(snap.samples()).containsExactly(sample(5), sample(6), sample(7));
        assertThat(snap.epochMillis()).containsExactly(5, 6, 7);
        assertThat(snap.memoryUsageBytes()).containsExactly(5000, 6000, 7000);
    }

    @Test
    void wrapsExactlyAtCapacity() {
        MetricsSeries series = new MetricsSeries(3);
        for (long t = 1; t <= 3; t++) {
            series.append(sample(t));
        }
        assertThat(series.snapshot().epochMillis()).containsExactly(1, 2, 3);
        series.append(sample(4));
        assertThat(series.snapshot().epochMillis()).containsExactly(2, 3, 4);
    }

    @Test
    void capacityOneKeepsOnlyTheLatest() {
        MetricsSeries series = new MetricsSeries(1);
        series.append(sample(1));
        series.append(sample(2));
        assertThat(series.snapshot().samples()).containsExactly(sample(2));
    }

    @Test
    void snapshotIsNotChangedByLaterAppends() {
        MetricsSeries series = new MetricsSeries(2);
        series.append(sample(1));
        series.append(sample(2));
        MetricsSeries.Snapshot before = series.snapshot();
        series.append(sample(3));
        series.append(sample(4));
        assertThat(before.samples()).containsExactly(sample(1), sample(2));
        long[] times = before.epochMillis();
        times[0] = 99;
        assertThat(before.epochMillis()).containsExactly(1, 2);
    }

    @Test
    void cpuRateIsStoredAsFloatAndNaNSurvives() {
        MetricsSeries series = new MetricsSeries(2);
        series.append(new MetricsSample(1, 0, Double.NaN, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0));
        series.append(new MetricsSample(2, 0, 0.25, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0));
        assertThat(series.snapshot().cpuCores()[0]).isNaN();
        assertThat(series.snapshot().cpuCores()[1]).isEqualTo(0.25);
    }

    @Test
    void refusesNonPositiveCapacityAndBadIndexes() {
        assertThatThrownBy(() -> new MetricsSeries(0)).isInstanceOf(IllegalArgumentException.class);
        MetricsSeries series = new MetricsSeries(2);
        series.append(sample(1));
        assertThatThrownBy(() -> series.snapshot().get(1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void heapEstimateFollowsThePrimitiveColumns() {
        assertThat(MetricsSeries.BYTES_PER_SAMPLE).isEqualTo(120);
        assertThat(new MetricsSeries(600).heapBytes()).isEqualTo(600 * 120 + 17 * 16);
    }

    /** Readers racing one writer always see a consistent, ordered window (no torn copies). */
    @Test
    void concurrentReadersSeeConsistentSnapshots() throws Exception {
        MetricsSeries series = new MetricsSeries(16);
        AtomicBoolean done = new AtomicBoolean();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                try {
                    while (!done.get()) {
                        MetricsSeries.Snapshot snap = series.snapshot();
                        for (int i = 0; i < snap.size(); i++) {
                            MetricsSample s = snap.get(i);
                            assertThat(s).isEqualTo(sample(s.epochMillis()));
                            if (i > 0) {
                                assertThat(s.epochMillis()).isEqualTo(snap.get(i - 1).epochMillis() + 1);
                            }
                        }
                    }
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                }
            }));
        }
        for (long t = 1; t <= 200_000; t++) {
            series.append(sample(t));
        }
        done.set(true);
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(failures).isEmpty();
    }
}
