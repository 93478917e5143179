package dev.podlab.core.metrics;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupStats;
import dev.podlab.core.config.EngineSettings;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the cgroups of a changing set of targets (containers, pods) every interval on one platform thread and
 * keeps a {@link MetricsSeries} per target.
 *
 * <p>Each round asks the target supplier for the current set, reads each target's cgroup once through its
 * {@link StatsSource.Reader} (opened when the target first appears), derives the CPU rate from the previous
 * sample, appends to the series and hands the round's samples to the listeners. A target missing from the set is
 * dropped with its history (its last sample was taken in the previous round); a target whose cgroup cannot be
 * read in a round (e.g. removed between listing and reading) is skipped in that round.
 *
 * <p>{@link #start()} runs rounds at a fixed rate; a round that overruns makes the executor's catch-up runs no-ops
 * ({@link #skippedRounds()} counts them), so rounds never pile up. {@link #sampleOnce} runs one round on the
 * calling thread for tests; do not mix it with {@link #start()}.
 */
public final class MetricsSampler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsSampler.class);

    /**
     * Something to sample: an id (container or pod id), its cgroup, and where its counters come
     * from when not from that cgroup through the sampler's source ({@code source} null: the
     * sampler's; a VM runtime's container: its guest cgroup over the control channel).
     */
    public record Target(String id, Cgroup cgroup, StatsSource source) {
        public Target {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(cgroup, "cgroup");
        }

        /** A target read through the sampler's own source. */
        public Target(String id, Cgroup cgroup) {
            this(id, cgroup, null);
        }
    }

    private final Supplier<? extends Collection<Target>> targets;
    private final StatsSource source;
    private final Duration interval;
    private final int capacity;
    private final Clock clock;

    /** Sampler-thread state per target id. */
    private final Map<String, State> states = new HashMap<>();
    /** What readers see: the series of every live target. */
    private final Map<String, MetricsSeries> series = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<Map<String, MetricsSample>>> listeners = new CopyOnWriteArrayList<>();

    private ScheduledExecutorService executor;
    private long nextDueNanos;
    private volatile long rounds;
    private volatile long skippedRounds;

    /**
     * @param targets  what to sample, asked once per round (the engine decides: running containers and pods)
     * @param source   how cgroups are read
     * @param interval time between rounds
     * @param history  how much history each series keeps; capacity = history / interval (at least 1)
     * @param clock    timestamps of the samples in scheduled rounds
     */
    public MetricsSampler(Supplier<? extends Collection<Target>> targets, StatsSource source, Duration interval,
                          Duration history, Clock clock) {
        this.targets = Objects.requireNonNull(targets, "targets");
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
        EngineSettings.Metrics settings = new EngineSettings.Metrics(interval, history); // validates
        this.interval = interval;
        this.capacity = settings.historySamples();
    }

    /** A sampler with the engine's settings, reading through {@link StatsSources#fast}, on the system clock. */
    public static MetricsSampler create(Supplier<? extends Collection<Target>> targets, CgroupManager cgroups,
                                        EngineSettings.Metrics settings) {
        return new MetricsSampler(targets, StatsSources.fast(cgroups), settings.interval(), settings.history(),
                Clock.systemUTC());
    }

    /** Samples each series holds. */
    public int capacity() {
        return capacity;
    }

    public Duration interval() {
        return interval;
    }

    /** Starts fixed-rate rounds on a new daemon platform thread named "podlab-metrics"; the first round runs now. */
    public synchronized void start() {
        if (executor != null) {
            throw new IllegalStateException("already started");
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = Thread.ofPlatform().name("podlab-metrics").daemon(true).unstarted(r);
            return t;
        });
        long period = interval.toNanos();
        long base = System.nanoTime();
        nextDueNanos = base;
        executor.scheduleAtFixedRate(() -> scheduledRound(base, period), 0, period, TimeUnit.NANOSECONDS);
    }

    private void scheduledRound(long base, long period) {
        long now = System.nanoTime();
        if (now < nextDueNanos) {
            skippedRounds++; // a catch-up run after an overrun round: skip instead of piling up
            return;
        }
        try {
            sampleOnce(clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("metrics round failed: {}", e.toString(), e); // never let the schedule die
        }
        long end = System.nanoTime();
        long nextTick = base + ((end - base) / period + 1) * period;
        nextDueNanos = nextTick - period / 10;
    }

    /**
     * Runs one round now, on the calling thread: samples every current target once, updates the series, notifies
     * the listeners.
     *
     * @return the round's samples by target id
     */
    public Map<String, MetricsSample> sampleOnce(Instant now) {
        Collection<Target> current = targets.get();
        Set<String> seen = new HashSet<>(current.size() * 2);
        Map<String, MetricsSample> round = new LinkedHashMap<>(current.size() * 2);
        long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long nowMillis = now.toEpochMilli();
        for (Target target : current) {
            if (!seen.add(target.id())) {
                continue; // duplicate id in one round: the first wins
            }
            State state = states.get(target.id());
            if (state != null && !state.cgroup.equals(target.cgroup())) {
                state.close(); // same id, new cgroup (e.g. recreated): keep the history, reopen, restart rates
                state = new State(target.cgroup(), state.series);
                states.put(target.id(), state);
            }
            try {
                if (state == null) {
                    state = new State(target.cgroup(), new MetricsSeries(capacity));
                    states.put(target.id(), state);
                    series.put(target.id(), state.series);
                }
                if (state.reader == null) {
                    state.reader = (target.source() != null ? target.source() : source).open(target.cgroup());
                }
                MetricsSample sample = state.sample(state.reader.read(), nowMillis, nowNanos);
                state.series.append(sample);
                round.put(target.id(), sample);
            } catch (RuntimeException e) {
                LOG.debug("metrics: cannot read cgroup of {}: {}", target.id(), e.toString());
                if (state != null) {
                    state.close(); // reopen next round
                }
            }
        }
        if (states.size() > seen.size()) {
            states.entrySet().removeIf(e -> {
                if (seen.contains(e.getKey())) {
                    return false;
                }
                e.getValue().close();
                series.remove(e.getKey());
                return true;
            });
        }
        rounds++;
        Map<String, MetricsSample> result = Collections.unmodifiableMap(round);
        for (Consumer<Map<String, MetricsSample>> listener : listeners) {
            try {
                listener.accept(result);
            } catch (RuntimeException e) {
                LOG.warn("metrics listener failed: {}", e.toString(), e);
            }
        }
        return result;
    }

    /** A copy of the target's history, oldest first; empty for an unknown (or dropped) id. */
    public Optional<MetricsSeries.Snapshot> history(String id) {
        MetricsSeries s = series.get(id);
        return s == null ? Optional.empty() : Optional.of(s.snapshot());
    }

    /** Ids currently sampled. */
    public Set<String> ids() {
        return Set.copyOf(series.keySet());
    }

    /**
     * Calls {@code listener} with every round's samples (on the sampler thread; keep it short, hand work off).
     *
     * @return closing it removes the listener
     */
    public AutoCloseable subscribe(Consumer<Map<String, MetricsSample>> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Rounds sampled so far. */
    public long rounds() {
        return rounds;
    }

    /** Scheduled runs skipped because the previous round overran its slot. */
    public long skippedRounds() {
        return skippedRounds;
    }

    /** Heap bytes of the series' column arrays now held. */
    public long historyHeapBytes() {
        return series.values().stream().mapToLong(MetricsSeries::heapBytes).sum();
    }

    /** Stops the rounds (waiting for a running one) and closes the readers. */
    @Override
    public void close() {
        ScheduledExecutorService e;
        synchronized (this) {
            e = executor;
        }
        if (e != null) {
            e.shutdownNow();
            try {
                e.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        states.values().forEach(State::close);
        states.clear();
        series.clear();
    }

    /** Per-target sampler-thread state. */
    private static final class State {
        final Cgroup cgroup;
        final MetricsSeries series;
        StatsSource.Reader reader;
        long prevCpu = -1;
        long prevNanos;

        State(Cgroup cgroup, MetricsSeries series) {
            this.cgroup = cgroup;
            this.series = series;
        }

        MetricsSample sample(CgroupStats s, long nowMillis, long nowNanos) {
            long cpu = s.cpuUsageNanos();
            double cores = Double.NaN;
            if (prevCpu >= 0 && nowNanos > prevNanos && cpu >= prevCpu) {
                cores = (double) (cpu - prevCpu) / (nowNanos - prevNanos);
            }
            prevCpu = cpu;
            prevNanos = nowNanos;
            return new MetricsSample(nowMillis, cpu, cores, s.cpuThrottledPeriods(), s.cpuThrottledNanos(),
                    s.memoryUsageBytes(), s.memoryWorkingSetBytes(), s.memoryLimitBytes(), s.memoryRssBytes(),
                    s.memoryCacheBytes(), s.oomKills(), s.pidsCurrent(), s.pidsLimit(), s.ioReadBytes(),
                    s.ioWriteBytes(), s.ioReadOps(), s.ioWriteOps());
        }

        void close() {
            if (reader != null) {
                try {
                    reader.close();
                } catch (Exception e) {
                    LOG.debug("metrics: closing reader: {}", e.toString());
                }
                reader = null;
            }
        }
    }
}
