package dev.podlab.bench;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.metrics.MetricsSampler;
import dev.podlab.core.metrics.MetricsSeries;
import dev.podlab.core.metrics.StatsSource;
import dev.podlab.core.metrics.StatsSources;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Metrics sampler benchmark ({@code ./scripts/bench metrics [ROUNDS] [CGROUPS]}, root): creates CGROUPS (default
 * 200) real cgroups under a unique parent, each holding one {@code sleep} process, then
 * <ol>
 *   <li>reads all of them on this thread with each stats source (CgroupManager.stats against the pread reader),
 *       ROUNDS rounds each, interleaved, and reports the median CPU time per round;</li>
 *   <li>runs the real sampler at 1 s for ROUNDS rounds per source and measures the CPU time of the sampler thread
 *       (ThreadMXBean, read in a listener, which runs on that thread): median per round and share of one core
 *       over the wall time (target: under 5 %), plus bytes allocated per round;</li>
 *   <li>reports the ring buffers' heap for CGROUPS x 600 samples (10 min at 1 s).</li>
 * </ol>
 * Processes (by pid) and cgroups are removed at the end, also on failure or Ctrl-C.
 */
public final class MetricsBench {
    private MetricsBench() {}

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        CgroupManager cgroups = CgroupManagers.host();
        String parentPath = "podlab-bench-metrics-" + UUID.randomUUID().toString().substring(0, 8);
        List<Process> processes = new ArrayList<>();
        List<Cgroup> children = new ArrayList<>();
        Cgroup[] parent = new Cgroup[1];
        Runnable cleanup = () -> cleanup(cgroups, processes, children, parent[0]);
        Thread hook = new Thread(cleanup, "metrics-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            System.out.printf("cgroup %s, %s: %d cgroups under %s, one sleep each%n", cgroups.layout().version(),
                    cgroups.layout().hybrid() ? "hybrid" : "not hybrid", count, parentPath);
            parent[0] = cgroups.create(parentPath, CgroupResources.none());
            List<MetricsSampler.Target> targets = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Cgroup child = cgroups.create(parentPath + "/c" + i, CgroupResources.none());
                synchronized (children) {
                    children.add(child);
                }
                Process sleep = new ProcessBuilder("sleep", "3600")
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                synchronized (processes) {
                    processes.add(sleep);
                }
                cgroups.addProcess(child, sleep.pid());
                targets.add(new MetricsSampler.Target("c" + i, child));
            }
            List<MetricsSampler.Target> fixed = List.copyOf(targets);

            StatsSource manager = StatsSource.of(cgroups);
            StatsSource fast = StatsSources.fast(cgroups);
            System.out.printf("%nreading %d cgroups per round on one thread, CPU time per round (%d rounds, after 5 warm-up):%n",
                    count, rounds);
            directReads(fixed, manager, fast, rounds);

            System.out.printf("%nsampler at 1 s, %d rounds per source, CPU time of the sampler thread:%n", rounds);
            runSampler("CgroupManager.stats", fixed, manager, rounds);
            runSampler("pread reader", fixed, fast, rounds);

            long perSeries = MetricsSeries.estimateHeapBytes(600);
            System.out.printf("%nhistory heap: %d series x 600 samples x %d B/sample = %.2f MB (%.1f KB per series, "
                            + "preallocated column arrays)%n", count, MetricsSeries.BYTES_PER_SAMPLE,
                    count * perSeries / 1e6, perSeries / 1e3);
        } finally {
            cleanup.run();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    /** Reads every cgroup once per round with each source on this thread; rounds of the two sources interleave. */
    private static void directReads(List<MetricsSampler.Target> targets, StatsSource manager, StatsSource fast,
                                    int rounds) throws Exception {
        List<StatsSource.Reader> managerReaders = new ArrayList<>();
        List<StatsSource.Reader> fastReaders = new ArrayList<>();
        for (MetricsSampler.Target t : targets) {
            managerReaders.add(manager.open(t.cgroup()));
            fastReaders.add(fast.open(t.cgroup()));
        }
        try {
            long[] m = new long[rounds];
            long[] f = new long[rounds];
            long sink = 0;
            for (int r = -5; r < rounds; r++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                for (StatsSource.Reader reader : managerReaders) {
                    sink += reader.read().memoryUsageBytes();
                }
                long t1 = THREADS.getCurrentThreadCpuTime();
                for (StatsSource.Reader reader : fastReaders) {
                    sink += reader.read().memoryUsageBytes();
                }
                long t2 = THREADS.getCurrentThreadCpuTime();
                if (r >= 0) {
                    m[r] = t1 - t0;
                    f[r] = t2 - t1;
                }
            }
            System.out.printf("  CgroupManager.stats (14 files, open/read/close each): median %.2f ms, min %.2f ms, "
                    + "%.1f us per cgroup%n", median(m) / 1e6, min(m) / 1e6, median(m) / 1e3 / targets.size());
            System.out.printf("  pread reader (10 files opened once, pread at 0):      median %.2f ms, min %.2f ms, "
                    + "%.1f us per cgroup%n", median(f) / 1e6, min(f) / 1e6, median(f) / 1e3 / targets.size());
            System.out.printf("  speed-up %.1fx   (checksum %d)%n", (double) median(m) / median(f), sink % 10);
        } finally {
            for (StatsSource.Reader r : fastReaders) {
                r.close();
            }
        }
    }

    private static void runSampler(String name, List<MetricsSampler.Target> targets, StatsSource source, int rounds)
            throws Exception {
        long[] cpuAt = new long[rounds + 1];
        long[] allocAt = new long[rounds + 1];
        long[] wallAt = new long[rounds + 1];
        int[] sizes = new int[rounds + 1];
        CountDownLatch done = new CountDownLatch(rounds + 1);
        int[] next = {0};
        try (MetricsSampler sampler = new MetricsSampler(() -> targets, source, Duration.ofSeconds(1),
                Duration.ofMinutes(10), Clock.systemUTC())) {
            sampler.subscribe(round -> { // runs on the sampler thread at the end of each round
                int i = next[0];
                if (i > rounds) {
                    return;
                }
                cpuAt[i] = THREADS.getCurrentThreadCpuTime();
                allocAt[i] = THREADS.getCurrentThreadAllocatedBytes();
                wallAt[i] = System.nanoTime();
                sizes[i] = round.size();
                next[0] = i + 1;
                done.countDown();
            });
            sampler.start();
            if (!done.await(rounds * 3L + 30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("sampler did not complete " + rounds + " rounds");
            }
            // Round i's cost: CPU between the end of round i-1 and the end of round i (the first round, which
            // opens the files and warms up, is the baseline and not counted).
            long[] cost = new long[rounds];
            long[] alloc = new long[rounds];
            for (int i = 1; i <= rounds; i++) {
                cost[i - 1] = cpuAt[i] - cpuAt[i - 1];
                alloc[i - 1] = allocAt[i] - allocAt[i - 1];
            }
            double share = (double) (cpuAt[rounds] - cpuAt[0]) / (wallAt[rounds] - wallAt[0]);
            System.out.printf("  %-20s %d targets/round: median %.2f ms/round (min %.2f, max %.2f); "
                            + "%.2f %% of one core over %.1f s; %.0f KB allocated/round; skipped %d%n",
                    name, sizes[rounds], median(cost) / 1e6, min(cost) / 1e6, Arrays.stream(cost).max().orElse(0) / 1e6,
                    share * 100, (wallAt[rounds] - wallAt[0]) / 1e9,
                    median(alloc) / 1e3, sampler.skippedRounds());
            System.out.printf("  %-20s history heap held: %.2f MB for %d series of capacity %d%n", "",
                    sampler.historyHeapBytes() / 1e6, sampler.ids().size(), sampler.capacity());
        }
    }

    private static void cleanup(CgroupManager cgroups, List<Process> processes, List<Cgroup> children, Cgroup parent) {
        synchronized (processes) {
            for (Process p : processes) {
                p.destroyForcibly(); // SIGKILL to this pid
            }
            for (Process p : processes) {
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            processes.clear();
        }
        synchronized (children) {
            for (Cgroup c : children) {
                try {
                    cgroups.destroy(c);
                } catch (RuntimeException e) {
                    System.err.println("cleanup: " + e.getMessage());
                }
            }
            children.clear();
        }
        if (parent != null) {
            try {
                cgroups.destroy(parent);
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }

    private static long min(long[] values) {
        return Arrays.stream(values).min().orElse(0);
    }
}
