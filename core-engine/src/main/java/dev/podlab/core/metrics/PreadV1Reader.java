package dev.podlab.core.metrics;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupException;
import dev.podlab.core.cgroup.CgroupStats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads the counters the sampler needs from a cgroup v1 cgroup through control files opened once: each round is
 * one pread at offset 0 per file (cgroupfs regenerates a file's content on every read at offset 0), into a
 * per-thread direct buffer, parsed without creating strings. 10 files per cgroup instead of the 14 open/read/close
 * cycles of {@code CgroupV1Manager.stats}; fields the sampler does not use (user/system CPU, max usage, fail
 * count, OOM events) are reported unavailable. Block IO comes from the blkio rwstat files
 * ({@code blkio.throttle.io_service_bytes_recursive} and {@code io_serviced_recursive}, or their non-recursive
 * forms on kernels without them): the per-device "Read" and "Write" lines summed.
 */
final class PreadV1Reader implements StatsSource.Reader {

    private static final long V1_UNLIMITED_THRESHOLD = 1L << 62;
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(8192));

    private static final byte[][] CPU_STAT_KEYS = keys("nr_periods", "nr_throttled", "throttled_time");
    private static final byte[][] MEMORY_STAT_KEYS = keys("total_rss", "total_cache", "total_inactive_file",
            "rss", "cache", "inactive_file");
    private static final byte[][] OOM_KEYS = keys("oom_kill");
    private static final byte[] READ = keys("Read")[0];
    private static final byte[] WRITE = keys("Write")[0];

    private final String relativePath;
    private final FileChannel cpuUsage;
    private final FileChannel cpuStat;
    private final FileChannel memUsage;
    private final FileChannel memLimit;
    private final FileChannel memStat;
    private final FileChannel oomControl;
    private final FileChannel pidsCurrent;
    private final FileChannel pidsMax;
    private final FileChannel ioBytes;
    private final FileChannel ioOps;
    private final Set<String> unavailable;
    private final long[] values = new long[6];
    /** Read bytes, write bytes, read ops, write ops of the current read. */
    private final long[] io = new long[4];

    private PreadV1Reader(Cgroup cgroup) {
        relativePath = cgroup.relativePath();
        Path cpuacct = cgroup.directories().get("cpuacct");
        Path cpu = cgroup.directories().get("cpu");
        Path memory = cgroup.directories().get("memory");
        Path pids = cgroup.directories().get("pids");
        Path blkio = cgroup.directories().get("blkio");
        FileChannel[] opened = new FileChannel[10];
        try {
            opened[0] = openIfExists(cpuacct, "cpuacct.usage");
            opened[1] = openIfExists(cpu, "cpu.stat");
            opened[2] = openIfExists(memory, "memory.usage_in_bytes");
            opened[3] = openIfExists(memory, "memory.limit_in_bytes");
            opened[4] = openIfExists(memory, "memory.stat");
            opened[5] = openIfExists(memory, "memory.oom_control");
            opened[6] = openIfExists(pids, "pids.current");
            opened[7] = openIfExists(pids, "pids.max");
            opened[8] = openIfExists(blkio, "blkio.throttle.io_service_bytes_recursive");
            if (opened[8] == null) {
                opened[8] = openIfExists(blkio, "blkio.throttle.io_service_bytes");
            }
            opened[9] = openIfExists(blkio, "blkio.throttle.io_serviced_recursive");
            if (opened[9] == null) {
                opened[9] = openIfExists(blkio, "blkio.throttle.io_serviced");
            }
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        cpuUsage = opened[0];
        cpuStat = opened[1];
        memUsage = opened[2];
        memLimit = opened[3];
        memStat = opened[4];
        oomControl = opened[5];
        pidsCurrent = opened[6];
        pidsMax = opened[7];
        ioBytes = opened[8];
        ioOps = opened[9];

        Set<String> missing = new LinkedHashSet<>(Set.of("cpuUserNanos", "cpuSystemNanos", "memoryMaxUsageBytes",
                "memoryFailCount", "oomEvents"));
        if (cpuUsage == null) {
            missing.add("cpuUsageNanos");
        }
        if (cpuStat == null) {
            missing.addAll(Set.of("cpuPeriods", "cpuThrottledPeriods", "cpuThrottledNanos"));
        }
        if (memUsage == null) {
            missing.addAll(Set.of("memoryUsageBytes", "memoryWorkingSetBytes"));
        }
        if (memLimit == null) {
            missing.add("memoryLimitBytes");
        }
        if (memStat == null) {
            missing.addAll(Set.of("memoryRssBytes", "memoryCacheBytes", "memoryWorkingSetBytes"));
        }
        if (oomControl == null) {
            missing.add("oomKills");
        }
        if (pidsCurrent == null) {
            missing.add("pidsCurrent");
        }
        if (pidsMax == null) {
            missing.add("pidsLimit");
        }
        if (ioBytes == null) {
            missing.addAll(Set.of("ioReadBytes", "ioWriteBytes"));
        }
        if (ioOps == null) {
            missing.addAll(Set.of("ioReadOps", "ioWriteOps"));
        }
        unavailable = Set.copyOf(missing);
    }

    static PreadV1Reader open(Cgroup cgroup) {
        return new PreadV1Reader(cgroup);
    }

    @Override
    public CgroupStats read() {
        ByteBuffer buf = BUFFER.get();
        long usage = cpuUsage == null ? 0 : single(buf = read(cpuUsage, buf), false);
        long periods = 0;
        long throttled = 0;
        long throttledTime = 0;
        if (cpuStat != null) {
            buf = read(cpuStat, buf);
            long[] v = keyed(buf, CPU_STAT_KEYS);
            periods = v[0];
            throttled = v[1];
            throttledTime = v[2];
        }
        long memory = memUsage == null ? 0 : single(buf = read(memUsage, buf), false);
        long limit = memLimit == null ? 0 : single(buf = read(memLimit, buf), true);
        long rss = 0;
        long cache = 0;
        long workingSet = 0;
        if (memStat != null) {
            buf = read(memStat, buf);
            long[] v = keyed(buf, MEMORY_STAT_KEYS);
            // total_* include sub-cgroups (a pod cgroup holds its containers); plain keys are this level.
            rss = v[0] >= 0 ? v[0] : Math.max(0, v[3]);
            cache = v[1] >= 0 ? v[1] : Math.max(0, v[4]);
            long inactiveFile = v[2] >= 0 ? v[2] : Math.max(0, v[5]);
            workingSet = Math.max(0, memory - inactiveFile);
        }
        long oomKills = 0;
        if (oomControl != null) {
            buf = read(oomControl, buf);
            oomKills = Math.max(0, keyed(buf, OOM_KEYS)[0]);
        }
        long pids = pidsCurrent == null ? 0 : single(buf = read(pidsCurrent, buf), false);
        long pidsLimit = pidsMax == null ? 0 : single(buf = read(pidsMax, buf), true);
        long[] rw = io;
        java.util.Arrays.fill(rw, 0);
        if (ioBytes != null) {
            sumReadWrite(buf = read(ioBytes, buf), 0);
        }
        if (ioOps != null) {
            sumReadWrite(buf = read(ioOps, buf), 2);
        }
        BUFFER.set(buf);
        return new CgroupStats(usage, 0, 0, periods, throttled, throttledTime, memory, workingSet, rss, cache, limit,
                0, 0, 0, oomKills, pids, pidsLimit, rw[0], rw[1], rw[2], rw[3], unavailable);
    }

    /** Reads the whole file from offset 0 into buf (flipped); returns a larger buffer when buf was too small. */
    private ByteBuffer read(FileChannel channel, ByteBuffer buf) {
        try {
            while (true) {
                buf.clear();
                int n;
                while ((n = channel.read(buf, buf.position())) > 0 && buf.hasRemaining()) {
                    // cgroupfs usually returns everything in one read; loop for safety
                }
                if (!buf.hasRemaining() && n > 0) {
                    buf = ByteBuffer.allocateDirect(buf.capacity() * 2);
                    continue;
                }
                buf.flip();
                return buf;
            }
        } catch (IOException e) {
            throw new CgroupException("read stats of", "cgroup " + relativePath, e.toString(), e);
        }
    }

    /** A single number; with {@code limit}, "max" and the v1 unlimited sentinel give -1. */
    private long single(ByteBuffer buf, boolean limit) {
        int i = 0;
        int end = buf.limit();
        while (i < end && isSpace(buf.get(i))) {
            i++;
        }
        if (limit && i < end && buf.get(i) == 'm') {
            return -1; // "max"
        }
        long v = parse(buf, i, end);
        if (v == Long.MIN_VALUE) {
            throw new CgroupException("read stats of", "cgroup " + relativePath, "expected a number");
        }
        return limit && v >= V1_UNLIMITED_THRESHOLD ? -1 : v;
    }

    /** Values of the keys in a flat keyed file, -1 for keys not present. Uses a reused array. */
    private long[] keyed(ByteBuffer buf, byte[][] keys) {
        long[] out = values;
        java.util.Arrays.fill(out, -1);
        int end = buf.limit();
        int i = 0;
        while (i < end) {
            int lineEnd = indexOf(buf, i, end, '\n');
            int keyEnd = indexOf(buf, i, lineEnd, ' ');
            for (int k = 0; k < keys.length; k++) {
                if (out[k] < 0 && matches(buf, i, keyEnd, keys[k])) {
                    long v = parse(buf, keyEnd + 1, lineEnd);
                    if (v != Long.MIN_VALUE) {
                        out[k] = v;
                    }
                    break;
                }
            }
            i = lineEnd + 1;
        }
        return out;
    }

    /**
     * Adds the "MAJ:MIN Read N" and "MAJ:MIN Write N" lines of a blkio rwstat file to {@code io[slot]} (read) and
     * {@code io[slot + 1]} (write); the Sync/Async/Discard/Total lines and the closing "Total N" are skipped.
     */
    private void sumReadWrite(ByteBuffer buf, int slot) {
        int end = buf.limit();
        int i = 0;
        while (i < end) {
            int lineEnd = indexOf(buf, i, end, '\n');
            int opStart = indexOf(buf, i, lineEnd, ' ') + 1; // past "MAJ:MIN"
            int opEnd = indexOf(buf, opStart, lineEnd, ' ');
            int op = matches(buf, opStart, opEnd, READ) ? 0 : matches(buf, opStart, opEnd, WRITE) ? 1 : -1;
            if (op >= 0) {
                long v = parse(buf, opEnd + 1, lineEnd);
                if (v > 0) {
                    io[slot + op] += v;
                }
            }
            i = lineEnd + 1;
        }
    }

    /** The first index of {@code b} in [from, to); {@code to} when there is none ({@code from} when from >= to). */
    private static int indexOf(ByteBuffer buf, int from, int to, char b) {
        int i = from;
        while (i < to && buf.get(i) != b) {
            i++;
        }
        return i;
    }

    private static boolean matches(ByteBuffer buf, int from, int to, byte[] key) {
        if (to - from != key.length) {
            return false;
        }
        for (int j = 0; j < key.length; j++) {
            if (buf.get(from + j) != key[j]) {
                return false;
            }
        }
        return true;
    }

    /** Parses an optionally negative decimal number at [from, to); Long.MIN_VALUE when there is none. */
    private static long parse(ByteBuffer buf, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to && buf.get(i) == '-') {
            negative = true;
            i++;
        }
        long v = 0;
        int digits = 0;
        while (i < to) {
            byte b = buf.get(i);
            if (b < '0' || b > '9') {
                break;
            }
            v = v * 10 + (b - '0');
            digits++;
            i++;
        }
        return digits == 0 ? Long.MIN_VALUE : negative ? -v : v;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\t';
    }

    private static FileChannel openIfExists(Path dir, String name) {
        if (dir == null) {
            return null;
        }
        Path file = dir.resolve(name);
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new CgroupException("open stats files of", "cgroup " + dir, "open " + file + ": " + e, e);
        }
    }

    private static byte[][] keys(String... names) {
        byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            out[i] = names[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        return out;
    }

    @Override
    public void close() {
        closeAll(cpuUsage, cpuStat, memUsage, memLimit, memStat, oomControl, pidsCurrent, pidsMax, ioBytes, ioOps);
    }

    private static void closeAll(FileChannel... channels) {
        for (FileChannel c : channels) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // read-only channel: nothing was buffered
                }
            }
        }
    }
}
