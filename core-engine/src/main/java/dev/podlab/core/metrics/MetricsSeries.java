package dev.podlab.core.metrics;

import java.util.AbstractList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.StampedLock;

/**
 * A fixed-capacity ring buffer of one container's samples, stored column-wise in primitive arrays (no object
 * per sample): 13 long columns, 1 float and 3 int columns, {@value #BYTES_PER_SAMPLE} bytes per sample, so 600
 * samples take about 72 KB and 200 such series about 14.4 MB.
 *
 * <p>Thread safety: one writer ({@link #append}) and any number of readers ({@link #snapshot}). The writer takes
 * an uncontended write lock for a few stores; readers copy optimistically and retry under the read lock only
 * when an append raced with the copy. Counters beyond {@link Integer#MAX_VALUE} in the int columns (oom kills,
 * pids) are clamped.
 */
public final class MetricsSeries {

    /** Heap bytes per sample in the column arrays: 13 x long + 1 x float + 3 x int. */
    public static final int BYTES_PER_SAMPLE = 13 * Long.BYTES + Float.BYTES + 3 * Integer.BYTES;

    private final int capacity;
    private final long[] time;
    private final long[] cpuUsage;
    private final float[] cpuCores;
    private final long[] throttledPeriods;
    private final long[] throttledNanos;
    private final long[] memUsage;
    private final long[] workingSet;
    private final long[] memLimit;
    private final long[] rss;
    private final long[] cache;
    private final int[] oomKills;
    private final int[] pidsCurrent;
    private final int[] pidsLimit;
    private final long[] ioReadBytes;
    private final long[] ioWriteBytes;
    private final long[] ioReadOps;
    private final long[] ioWriteOps;

    private final StampedLock lock = new StampedLock();
    /** Next slot to write. Guarded by {@link #lock}. */
    private int head;
    /** Samples held, at most capacity. Guarded by {@link #lock}. */
    private int size;

    public MetricsSeries(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        time = new long[capacity];
        cpuUsage = new long[capacity];
        cpuCores = new float[capacity];
        throttledPeriods = new long[capacity];
        throttledNanos = new long[capacity];
        memUsage = new long[capacity];
        workingSet = new long[capacity];
        memLimit = new long[capacity];
        rss = new long[capacity];
        cache = new long[capacity];
        oomKills = new int[capacity];
        pidsCurrent = new int[capacity];
        pidsLimit = new int[capacity];
        ioReadBytes = new long[capacity];
        ioWriteBytes = new long[capacity];
        ioReadOps = new long[capacity];
        ioWriteOps = new long[capacity];
    }

    public int capacity() {
        return capacity;
    }

    /** Estimated heap bytes of the column arrays (array headers included, the object itself not). */
    public long heapBytes() {
        return estimateHeapBytes(capacity);
    }

    /** Heap bytes of one series' 17 column arrays: payload plus a 16-byte header per array. */
    public static long estimateHeapBytes(int capacity) {
        return (long) capacity * BYTES_PER_SAMPLE + 17L * 16;
    }

    /** Appends a sample, overwriting the oldest one when full. O(1); call from one thread only. */
    public void append(MetricsSample s) {
        long stamp = lock.writeLock();
        try {
            int i = head;
            time[i] = s.epochMillis();
            cpuUsage[i] = s.cpuUsageNanos();
            cpuCores[i] = (float) s.cpuCores();
            throttledPeriods[i] = s.cpuThrottledPeriods();
            throttledNanos[i] = s.cpuThrottledNanos();
            memUsage[i] = s.memoryUsageBytes();
            workingSet[i] = s.memoryWorkingSetBytes();
            memLimit[i] = s.memoryLimitBytes();
            rss[i] = s.memoryRssBytes();
            cache[i] = s.memoryCacheBytes();
            oomKills[i] = clamp(s.oomKills());
            pidsCurrent[i] = clamp(s.pidsCurrent());
            pidsLimit[i] = clamp(s.pidsLimit());
            ioReadBytes[i] = s.ioReadBytes();
            ioWriteBytes[i] = s.ioWriteBytes();
            ioReadOps[i] = s.ioReadOps();
            ioWriteOps[i] = s.ioWriteOps();
            head = i + 1 == capacity ? 0 : i + 1;
            if (size < capacity) {
                size++;
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** A copy of the samples held, oldest first; later appends do not change it. */
    public Snapshot snapshot() {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            Snapshot copy = copy();
            if (lock.validate(stamp)) {
                return copy;
            }
        }
        stamp = lock.readLock();
        try {
            return copy();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private Snapshot copy() {
        int n = size;
        int h = head;
        if (n < 0 || n > capacity || h < 0 || h >= capacity) {
            n = 0; // torn read of head/size under the optimistic stamp; validate() fails and we retry
            h = 0;
        }
        int start = n < capacity ? 0 : h;
        return new Snapshot(n,
                copy(time, start, n), copy(cpuUsage, start, n), copy(cpuCores, start, n),
                copy(throttledPeriods, start, n), copy(throttledNanos, start, n), copy(memUsage, start, n),
                copy(workingSet, start, n), copy(memLimit, start, n), copy(rss, start, n), copy(cache, start, n),
                copy(oomKills, start, n), copy(pidsCurrent, start, n), copy(pidsLimit, start, n),
                copy(ioReadBytes, start, n), copy(ioWriteBytes, start, n), copy(ioReadOps, start, n),
                copy(ioWriteOps, start, n));
    }

    private long[] copy(long[] src, int start, int n) {
        long[] dst = new long[n];
        int first = Math.min(n, capacity - start);
        System.arraycopy(src, start, dst, 0, first);
        System.arraycopy(src, 0, dst, first, n - first);
        return dst;
    }

    private int[] copy(int[] src, int start, int n) {
        int[] dst = new int[n];
        int first = Math.min(n, capacity - start);
        System.arraycopy(src, start, dst, 0, first);
        System.arraycopy(src, 0, dst, first, n - first);
        return dst;
    }

    private float[] copy(float[] src, int start, int n) {
        float[] dst = new float[n];
        int first = Math.min(n, capacity - start);
        System.arraycopy(src, start, dst, 0, first);
        System.arraycopy(src, 0, dst, first, n - first);
        return dst;
    }

    private static int clamp(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    /** An immutable, chronologically ordered copy of a series. */
    public static final class Snapshot {
        private final int size;
        private final long[] time;
        private final long[] cpuUsage;
        private final float[] cpuCores;
        private final long[] throttledPeriods;
        private final long[] throttledNanos;
        private final long[] memUsage;
        private final long[] workingSet;
        private final long[] memLimit;
        private final long[] rss;
        private final long[] cache;
        private final int[] oomKills;
        private final int[] pidsCurrent;
        private final int[] pidsLimit;
        private final long[] ioReadBytes;
        private final long[] ioWriteBytes;
        private final long[] ioReadOps;
        private final long[] ioWriteOps;

        private Snapshot(int size, long[] time, long[] cpuUsage, float[] cpuCores, long[] throttledPeriods,
                         long[] throttledNanos, long[] memUsage, long[] workingSet, long[] memLimit, long[] rss,
                         long[] cache, int[] oomKills, int[] pidsCurrent, int[] pidsLimit, long[] ioReadBytes,
                         long[] ioWriteBytes, long[] ioReadOps, long[] ioWriteOps) {
            this.size = size;
            this.time = time;
            this.cpuUsage = cpuUsage;
            this.cpuCores = cpuCores;
            this.throttledPeriods = throttledPeriods;
            this.throttledNanos = throttledNanos;
            this.memUsage = memUsage;
            this.workingSet = workingSet;
            this.memLimit = memLimit;
            this.rss = rss;
            this.cache = cache;
            this.oomKills = oomKills;
            this.pidsCurrent = pidsCurrent;
            this.pidsLimit = pidsLimit;
            this.ioReadBytes = ioReadBytes;
            this.ioWriteBytes = ioWriteBytes;
            this.ioReadOps = ioReadOps;
            this.ioWriteOps = ioWriteOps;
        }

        public int size() {
            return size;
        }

        public boolean isEmpty() {
            return size == 0;
        }

        /** The i-th sample, 0 = oldest. */
        public MetricsSample get(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("sample " + i + " of " + size);
            }
            return new MetricsSample(time[i], cpuUsage[i], cpuCores[i], throttledPeriods[i], throttledNanos[i],
                    memUsage[i], workingSet[i], memLimit[i], rss[i], cache[i], oomKills[i], pidsCurrent[i],
                    pidsLimit[i], ioReadBytes[i], ioWriteBytes[i], ioReadOps[i], ioWriteOps[i]);
        }

        public Optional<MetricsSample> latest() {
            return size == 0 ? Optional.empty() : Optional.of(get(size - 1));
        }

        /** The samples, oldest first, as a read-only list view (samples are created on access). */
        public List<MetricsSample> samples() {
            return new AbstractList<>() {
                @Override
                public MetricsSample get(int index) {
                    return Snapshot.this.get(index);
                }

                @Override
                public int size() {
                    return size;
                }
            };
        }

        /** Sample times (epoch ms), oldest first; a fresh copy, for charts. */
        public long[] epochMillis() {
            return time.clone();
        }

        /** CPU rate in cores per sample, oldest first (NaN where unknown); a fresh copy. */
        public double[] cpuCores() {
            double[] out = new double[size];
            for (int i = 0; i < size; i++) {
                out[i] = cpuCores[i];
            }
            return out;
        }

        /** Memory usage per sample, oldest first; a fresh copy. */
        public long[] memoryUsageBytes() {
            return memUsage.clone();
        }

        /** Working set per sample, oldest first; a fresh copy. */
        public long[] memoryWorkingSetBytes() {
            return workingSet.clone();
        }
    }
}
