package dev.podlab.api.view;

import dev.podlab.api.v1.MetricsHistory;
import dev.podlab.api.v1.MetricsRound;
import dev.podlab.api.v1.Sample;
import dev.podlab.api.v1.Series;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A ring of samples per container, filled from Metrics.History and then Metrics.Watch rounds, read as
 * sparkline-ready arrays. Samples not newer than the last kept one are dropped, so a history that overlaps
 * the first live round counts once.
 */
public final class MetricsSeriesModel extends ViewModel {
    private final int capacity;
    private final Map<String, ArrayDeque<Sample>> rings = new HashMap<>();
    private long intervalMillis;
    private long rounds;

    /** @param capacity samples kept per container (older ones fall off) */
    public MetricsSeriesModel(Dispatcher ui, int capacity) {
        super(ui);
        if (capacity < 2) {
            throw new IllegalArgumentException("a series needs room for 2 samples, not " + capacity);
        }
        this.capacity = capacity;
    }

    public void loadHistory(MetricsHistory history) {
        checkUiThread();
        intervalMillis = history.getIntervalMillis();
        for (Series s : history.getSeriesList()) {
            s.getSamplesList().forEach(sample -> add(s.getId(), sample));
        }
        changed();
    }

    public void applyRound(MetricsRound round) {
        checkUiThread();
        round.getSamplesMap().forEach(this::add);
        rounds++;
        changed();
    }

    /**
     * How many live rounds arrived: the engine's sampling tick, which views that show other per-tick data
     * (the raw cgroup values) follow instead of polling on their own.
     */
    public long rounds() {
        return rounds;
    }

    public void forget(String id) {
        checkUiThread();
        if (rings.remove(id) != null) {
            changed();
        }
    }

    /** The sampling interval the engine reported with its history (0 before). */
    public long intervalMillis() {
        return intervalMillis;
    }

    public Optional<Sample> latest(String id) {
        ArrayDeque<Sample> ring = rings.get(id);
        return ring == null || ring.isEmpty() ? Optional.empty() : Optional.of(ring.peekLast());
    }

    /** The last {@code n} samples of a container as arrays (empty when none was seen). */
    public SeriesView series(String id, int n) {
        ArrayDeque<Sample> ring = rings.get(id);
        Sample[] all = ring == null ? new Sample[0] : ring.toArray(new Sample[0]);
        int from = Math.max(0, all.length - Math.max(0, n));
        int len = all.length - from;
        long[] times = new long[len];
        double[] cpu = new double[len];
        long[] mem = new long[len];
        long[] pids = new long[len];
        long[] throttled = new long[len];
        long[] throttledNanos = new long[len];
        long[] oom = new long[len];
        double[] ioRead = new double[len];
        double[] ioWrite = new double[len];
        for (int i = 0; i < len; i++) {
            Sample s = all[from + i];
            Sample prev = from + i > 0 ? all[from + i - 1] : null;
            times[i] = s.getEpochMillis();
            cpu[i] = Double.isNaN(s.getCpuCores()) ? Double.NaN : s.getCpuCores() * 100;
            mem[i] = s.getMemoryWorkingSetBytes();
            pids[i] = s.getPidsCurrent();
            // Throttling is a counter: the chart shows what each interval added.
            throttled[i] = prev == null ? 0 : Math.max(0, s.getCpuThrottledPeriods() - prev.getCpuThrottledPeriods());
            throttledNanos[i] = prev == null ? 0 : Math.max(0, s.getCpuThrottledNanos() - prev.getCpuThrottledNanos());
            oom[i] = s.getOomKills();
            ioRead[i] = prev == null ? Double.NaN : perSecond(prev.getIoReadBytes(), s.getIoReadBytes(), prev, s);
            ioWrite[i] = prev == null ? Double.NaN : perSecond(prev.getIoWriteBytes(), s.getIoWriteBytes(), prev, s);
        }
        Sample last = len == 0 ? null : all[all.length - 1];
        return new SeriesView(id, times, cpu, mem, last == null ? -1 : last.getMemoryLimitBytes(), pids,
                last == null ? -1 : last.getPidsLimit(), throttled, throttledNanos, oom, ioRead, ioWrite);
    }

    /**
     * A counter's rate between two samples, per second; NaN when the counter went back (a new cgroup under the same
     * id, as the engine does for the CPU rate) or the samples share a time.
     */
    private static double perSecond(long before, long after, Sample prev, Sample s) {
        long millis = s.getEpochMillis() - prev.getEpochMillis();
        return after < before || millis <= 0 ? Double.NaN : (after - before) * 1000.0 / millis;
    }

    private void add(String id, Sample s) {
        ArrayDeque<Sample> ring = rings.computeIfAbsent(id, k -> new ArrayDeque<>(capacity));
        if (!ring.isEmpty() && s.getEpochMillis() <= ring.peekLast().getEpochMillis()) {
            return;
        }
        if (ring.size() == capacity) {
            ring.pollFirst();
        }
        ring.addLast(s);
    }

    /**
     * One container's recent samples as arrays, oldest first.
     *
     * @param memoryLimit bytes, -1 for none (latest sample)
     * @param pidsLimit -1 for none (latest sample)
     * @param throttledPeriods periods throttled during each interval
     * @param oomKills the cumulative OOM-kill counter
     * @param ioReadBytesPerSecond block IO read rate over each interval (NaN for the first sample and after a
     *                             counter reset)
     * @param ioWriteBytesPerSecond block IO write rate, the same way
     */
    public record SeriesView(String id, long[] epochMillis, double[] cpuPercent, long[] memoryBytes,
                             long memoryLimit, long[] pids, long pidsLimit, long[] throttledPeriods,
                             long[] throttledNanos, long[] oomKills, double[] ioReadBytesPerSecond,
                             double[] ioWriteBytesPerSecond) {
        public int size() {
            return epochMillis.length;
        }

        /** Memory as a percentage of the limit, or NaN everywhere when there is none. */
        public double[] memoryPercentOfLimit() {
            double[] out = new double[memoryBytes.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = memoryLimit > 0 ? 100.0 * memoryBytes[i] / memoryLimit : Double.NaN;
            }
            return out;
        }

        /** The latest IO read rate in bytes/s, NaN when unknown. */
        public double lastIoReadBytesPerSecond() {
            return ioReadBytesPerSecond.length == 0 ? Double.NaN : ioReadBytesPerSecond[ioReadBytesPerSecond.length - 1];
        }

        /** The latest IO write rate in bytes/s, NaN when unknown. */
        public double lastIoWriteBytesPerSecond() {
            return ioWriteBytesPerSecond.length == 0 ? Double.NaN : ioWriteBytesPerSecond[ioWriteBytesPerSecond.length - 1];
        }

        public long lastOomKills() {
            return oomKills.length == 0 ? 0 : oomKills[oomKills.length - 1];
        }
    }
}
