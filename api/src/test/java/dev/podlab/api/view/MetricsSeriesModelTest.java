package dev.podlab.api.view;

import dev.podlab.api.v1.MetricsHistory;
import dev.podlab.api.v1.MetricsRound;
import dev.podlab.api.v1.Sample;
import dev.podlab.api.v1.Series;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsSeriesModelTest {
    private static Sample s(long t, double cpu, long mem, long throttled, long oom) {
        return Sample.newBuilder().setEpochMillis(t).setCpuCores(cpu).setMemoryWorkingSetBytes(mem)
                .setMemoryLimitBytes(1000).setCpuThrottledPeriods(throttled).setOomKills(oom).setPidsCurrent(t)
                .setPidsLimit(-1).build();
    }

    @Test
    void historyThenRoundsMakeARingWithoutDuplicates() {
        var m = new MetricsSeriesModel(Dispatcher.direct(), 4);
        m.loadHistory(MetricsHistory.newBuilder().setIntervalMillis(1000).addSeries(Series.newBuilder().setId("a")
                .addSamples(s(1, Double.NaN, 100, 0, 0)).addSamples(s(2, 0.5, 200, 3, 0))).build());
        // The first live round overlaps the history: sample 2 must count once.
        m.applyRound(MetricsRound.newBuilder().setEpochMillis(2).putSamples("a", s(2, 0.5, 200, 3, 0)).build());
        m.applyRound(MetricsRound.newBuilder().setEpochMillis(3).putSamples("a", s(3, 0.25, 500, 10, 1)).build());
        m.applyRound(MetricsRound.newBuilder().setEpochMillis(4).putSamples("a", s(4, 1.0, 900, 10, 1)).build());
        m.applyRound(MetricsRound.newBuilder().setEpochMillis(5).putSamples("a", s(5, 0.0, 300, 12, 1)).build());
        var v = m.series("a", 10);
        assertThat(v.epochMillis()).containsExactly(2, 3, 4, 5);
        assertThat(v.cpuPercent()).containsExactly(50.0, 25.0, 100.0, 0.0);
        assertThat(v.memoryBytes()).containsExactly(200, 500, 900, 300);
        assertThat(v.memoryLimit()).isEqualTo(1000);
        assertThat(v.memoryPercentOfLimit()).containsExactly(20.0, 50.0, 90.0, 30.0);
        assertThat(v.throttledPeriods()).containsExactly(0, 7, 0, 2);
        assertThat(v.lastOomKills()).isEqualTo(1);
        assertThat(m.series("a", 2).epochMillis()).containsExactly(4, 5);
        assertThat(m.intervalMillis()).isEqualTo(1000);
        assertThat(m.latest("a")).get().extracting(Sample::getEpochMillis).isEqualTo(5L);
        assertThat(m.series("missing", 5).size()).isZero();
        m.forget("a");
        assertThat(m.latest("a")).isEmpty();
    }

    private static Sample io(long t, long read, long write) {
        return Sample.newBuilder().setEpochMillis(t).setIoReadBytes(read).setIoWriteBytes(write).build();
    }

    @Test
    void ioCountersBecomeRatesPerSecondAndAResetIsUnknown() {
        var m = new MetricsSeriesModel(Dispatcher.direct(), 8);
        m.loadHistory(MetricsHistory.newBuilder().setIntervalMillis(1000).addSeries(Series.newBuilder().setId("a")
                .addSamples(io(1000, 0, 4096))
                .addSamples(io(2000, 1024, 4096))        // 1 s: 1024 B/s read, nothing written
                .addSamples(io(2500, 1024, 4096 + 8192))  // 0.5 s: 16 KiB/s written
                .addSamples(io(3500, 0, 100))             // counters went back: a new cgroup under the same id
                .addSamples(io(4500, 2048, 100))).build());
        var v = m.series("a", 10);
        assertThat(v.ioReadBytesPerSecond()).containsExactly(Double.NaN, 1024.0, 0.0, Double.NaN, 2048.0);
        assertThat(v.ioWriteBytesPerSecond()).containsExactly(Double.NaN, 0.0, 16384.0, Double.NaN, 0.0);
        assertThat(v.lastIoReadBytesPerSecond()).isEqualTo(2048.0);
        assertThat(v.lastIoWriteBytesPerSecond()).isZero();
        // A window that starts mid-series takes its first rate from the sample before the window.
        assertThat(m.series("a", 3).ioReadBytesPerSecond()).containsExactly(0.0, Double.NaN, 2048.0);
        assertThat(m.series("missing", 3).lastIoReadBytesPerSecond()).isNaN();
        assertThat(dev.podlab.api.Bytes.rate(16384.0)).isEqualTo("16.0 KiB/s");
        assertThat(dev.podlab.api.Bytes.rate(512.4)).isEqualTo("512 B/s");
        assertThat(dev.podlab.api.Bytes.rate(Double.NaN)).isEqualTo("-");
    }

    @Test
    void sparklineScalesRightAlignsAndLeavesNaNBlank() {
        assertThat(Sparkline.render(new double[] {0, 50, 100}, 5, 100)).isEqualTo("  ▁▅█");
        assertThat(Sparkline.render(new double[] {Double.NaN, 2, 4}, 3, 0)).isEqualTo(" ▅█");
        assertThat(Sparkline.render(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 3, 10)).isEqualTo("▇▇█");
        assertThat(Sparkline.render(new long[] {-1, 0}, 2, 0)).isEqualTo(" ▁");
        assertThat(Sparkline.render(new double[] {500}, 1, 100)).isEqualTo("█");
    }
}
