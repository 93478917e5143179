package dev.podlab.core.pod;

import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.pod.PodStatus.ContainerState;
import dev.podlab.core.pod.PodStatus.State;
import dev.podlab.core.pod.manifest.Container;
import dev.podlab.core.pod.manifest.Handler;
import dev.podlab.core.pod.manifest.ManifestSet;
import dev.podlab.core.pod.manifest.PodManifest;
import dev.podlab.core.pod.manifest.PodSpec.RestartPolicy;
import dev.podlab.core.pod.manifest.Probe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The small kubelet of one pod: init containers in order, each to success; then the app containers, with
 * restart policy and exponential back-off, probes (startup, liveness, readiness), postStart and preStop
 * hooks, activeDeadlineSeconds; the pod's phase, conditions and container statuses; graceful deletion.
 *
 * <p>One virtual thread per pod owns all of the pod's mutable state. It sleeps on its inbox until the next
 * probe or restart is due, or a container exits (a watcher thread per container reports exits), or a
 * deletion arrives: nothing polls.
 */
final class PodWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PodWorker.class);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    /** A container that ran this long without failing starts its back-off from the beginning again. */
    static final Duration BACKOFF_RESET = Duration.ofMinutes(10);
    private static final int EVENTS_KEPT = 60;

    private sealed interface Signal {}

    private record Exited(String name, String containerId) implements Signal {}

    private record Delete(Duration grace, CompletableFuture<Void> done) implements Signal {}

    private static final class DeleteRequested extends RuntimeException {
        final Delete delete;

        DeleteRequested(Delete d) {
            super(null, null, false, false);
            this.delete = d;
        }
    }

    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** One container of the pod and everything the worker knows about it. */
    private static final class Slot {
        final Container spec;
        final boolean init;
        // Read by other threads (logs --previous): the worker thread writes them.
        volatile String id;
        volatile String previousId;
        int restarts;
        State state = State.waiting("ContainerCreating", "");
        State last;
        boolean ready;
        boolean started;
        boolean done;
        boolean exitPending;
        long restartAtNanos = -1;
        long startedNanos;
        long nextStartupProbe;
        long nextLivenessProbe;
        long nextReadinessProbe;
        int startupFailures;
        int livenessFailures;
        int readinessSuccesses;
        int readinessFailures;
        Duration lastBackoff = Duration.ZERO;

        Slot(Container spec, boolean init) {
            this.spec = spec;
            this.init = init;
        }
    }

    private final PodManager manager;
    private final ManifestSet set;
    private final PodManifest pod;
    private final BlockingQueue<Signal> inbox = new LinkedBlockingQueue<>();
    private final Map<String, Slot> initSlots = new LinkedHashMap<>();
    private final Map<String, Slot> appSlots = new LinkedHashMap<>();
    private final Map<String, PodStatus.Condition> transitions = new java.util.HashMap<>();
    private final ArrayDeque<PodStatus.PodEvent> events = new ArrayDeque<>();
    private final List<CompletableFuture<PodStatus>> startWaiters = new ArrayList<>();
    private final Duration backoffBase;
    private final long createdNanos = System.nanoTime();
    private final Map<String, PodVolumes.Materialised> volumes;
    private final DownwardValues downward;
    /** Completes with the final record once the manager attached the pod's network; null when it was first. */
    private final CompletableFuture<PodRecord> network;
    /** Containers created while the network was being attached, not started yet (worker thread only). */
    private final Map<Slot, Creation> prepared = new LinkedHashMap<>();
    private volatile PodRecord record;
    private volatile PodStatus status;
    private boolean initialized;
    private String phase = "Pending";
    private String reason = "";
    private String message = "";
    private String sharedPidNamespace;
    private long startTime;

    PodWorker(PodManager manager, ManifestSet set, PodManifest pod, PodRecord record,
              Map<String, PodVolumes.Materialised> volumes, DownwardValues downward, Duration backoffBase,
              CompletableFuture<PodRecord> network) {
        this.manager = manager;
        this.network = network;
        this.set = set;
        this.pod = pod;
        this.record = record;
        this.volumes = volumes;
        this.downward = downward;
        this.backoffBase = backoffBase;
        this.initialized = record.initialized();
        pod.spec().initContainers().forEach(c -> initSlots.put(c.name(), new Slot(c, true)));
        pod.spec().containers().forEach(c -> appSlots.put(c.name(), new Slot(c, false)));
        for (Slot s : all()) {
            s.restarts = record.restartCounts().getOrDefault(s.spec.name(), 0);
            s.id = record.containerIds().get(s.spec.name());
        }
        if (record.status() != null) {
            events.addAll(record.status().events());
            startTime = record.status().startTime();
        }
        this.status = computeStatus();
    }

    PodRecord record() {
        return record;
    }

    /**
     * The instance before {@code containerId} of the same container, while it is kept (kubelet keeps one, for
     * {@code logs --previous}); empty when {@code containerId} is not this pod's current instance or it has not
     * restarted since the worker began.
     */
    Optional<String> previousInstance(String containerId) {
        for (Slot s : all()) {
            if (containerId.equals(s.id)) {
                return Optional.ofNullable(s.previousId);
            }
        }
        return Optional.empty();
    }

    PodStatus status() {
        return status;
    }

    /** The manifest's terminationGracePeriodSeconds (the parsed spec is kept: no need to read it again). */
    Duration terminationGracePeriod() {
        return Duration.ofSeconds(pod.spec().terminationGracePeriodSeconds());
    }

    /** Completes once every app container has started (or the pod ended or failed before that). */
    synchronized CompletableFuture<PodStatus> started() {
        CompletableFuture<PodStatus> f = new CompletableFuture<>();
        if (isStartedOrSettled(status)) {
            f.complete(status);
        } else {
            startWaiters.add(f);
        }
        return f;
    }

    CompletableFuture<Void> delete(Duration grace) {
        var done = new CompletableFuture<Void>();
        inbox.add(new Delete(grace, done));
        return done;
    }

    // ---- the loop ---------------------------------------------------------------------------

    @Override
    public void run() {
        Delete deletion = null;
        try {
            event("Normal", "Scheduled", "Assigned " + pod.metadata().namespace() + "/" + pod.name()
                    + " to this host (podlab has one node)");
            if (startTime == 0) {
                startTime = TraceEvent.Clock.nowNanos();
            }
            resumeContainers();
            if (network != null) {
                createWhileNetworkAttaches();
            }
            if (!initialized && !runInitContainers()) {
                idleUntilDeleted();
            }
            initialized = true;
            if (!initSlots.isEmpty()) {
                // Without init containers the publish after the loop below (or a start's) says the same, and a
                // publish is a durable write of the pod record on the way to the first start.
                publish();
            }
            for (Slot s : appSlots.values()) {
                if (s.id == null && !s.done) {
                    startContainer(s);
                }
            }
            settlePhase();
            publish();
            superviseApps();
        } catch (DeleteRequested d) {
            deletion = d.delete;
        } catch (Stopped s) {
            return;
        } catch (RuntimeException e) {
            LOG.warn("pod worker of {} failed", pod.name(), e);
            phase = "Failed";
            reason = "WorkerError";
            message = PodlabException.describe(e);
            publish();
            try {
                idleUntilDeleted();
            } catch (DeleteRequested d) {
                deletion = d.delete;
            } catch (Stopped s) {
                return;
            }
        }
        if (deletion != null) {
            terminate(deletion);
        }
    }

    /** After an engine restart: containers recorded as ours are watched again (or their exit handled). */
    private void resumeContainers() {
        for (Slot s : all()) {
            if (s.id == null) {
                continue;
            }
            try {
                ContainerRecord r = manager.engine().inspect(s.id);
                switch (r.status()) {
                    case RUNNING, CREATED -> {
                        s.state = State.running(r.exit() != null ? r.exit().startedAt() : r.createdAt());
                        s.started = s.spec.startupProbe().isEmpty();
                        s.startedNanos = System.nanoTime();
                        scheduleProbes(s);
                        watchExit(s);
                    }
                    default -> s.exitPending = true;
                }
            } catch (RuntimeException gone) {
                s.id = null; // removed meanwhile: start a new instance
            }
        }
    }

    private boolean runInitContainers() {
        for (Slot s : initSlots.values()) {
            while (true) {
                if (s.done && s.last != null && s.last.exitCode() == 0 && s.id == null) {
                    break;
                }
                if (s.id == null) {
                    waitUntil(s.restartAtNanos);
                    if (!startContainer(s)) {
                        if (pod.spec().restartPolicy() == RestartPolicy.NEVER && s.restarts > 0) {
                            return failPod("InitContainerFailed", "init container " + s.spec.name() + " could not start");
                        }
                        continue;
                    }
                }
                while (!s.exitPending) {
                    waitUntil(Long.MAX_VALUE);
                }
                ExitRecord exit = collectExit(s);
                if (exit != null && exit.exitCode() == 0) {
                    s.done = true;
                    s.state = s.last;
                    publish();
                    break;
                }
                if (pod.spec().restartPolicy() == RestartPolicy.NEVER) {
                    s.state = s.last;
                    s.done = true;
                    return failPod("Init:Error", "init container " + s.spec.name() + " failed with exit code "
                            + (exit == null ? "?" : exit.exitCode()));
                }
                backOff(s, "restarting failed init container " + s.spec.name());
            }
        }
        return true;
    }

    private boolean failPod(String why, String what) {
        phase = "Failed";
        reason = why;
        message = what;
        event("Warning", "Failed", what);
        publish();
        return false;
    }

    private void superviseApps() {
        RestartPolicy policy = pod.spec().restartPolicy();
        long deadline = pod.spec().activeDeadlineSeconds().isPresent()
                ? createdNanos + TimeUnit.SECONDS.toNanos(pod.spec().activeDeadlineSeconds().getAsLong())
                : Long.MAX_VALUE;
        while (true) {
            long now = System.nanoTime();
            if (now >= deadline && !phase.equals("Failed")) {
                event("Warning", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
                for (Slot s : appSlots.values()) {
                    stopContainer(s, Duration.ZERO);
                    s.done = true;
                    s.restartAtNanos = -1;
                }
                phase = "Failed";
                reason = "DeadlineExceeded";
                message = "Pod was active on the node longer than the specified deadline";
            }
            for (Slot s : appSlots.values()) {
                if (s.exitPending) {
                    ExitRecord exit = collectExit(s);
                    boolean restart = !phase.equals("Failed") && switch (policy) {
                        case ALWAYS -> true;
                        case ON_FAILURE -> exit == null || exit.exitCode() != 0;
                        case NEVER -> false;
                    };
                    if (restart) {
                        backOff(s, "restarting failed container=" + s.spec.name() + " pod=" + pod.name());
                    } else {
                        s.done = true;
                        s.state = s.last;
                    }
                }
                if (s.id == null && !s.done && s.restartAtNanos >= 0 && s.restartAtNanos <= now) {
                    startContainer(s);
                }
                if (s.id != null && s.state.kind().equals("running")) {
                    runDueProbes(s, now);
                }
            }
            settlePhase();
            publish();
            waitUntil(Math.min(deadline, nextDue()));
        }
    }

    private void settlePhase() {
        if (phase.equals("Terminating") || (phase.equals("Failed") && !reason.isEmpty())) {
            return; // set on purpose: a deletion, an init failure, the deadline
        }
        boolean allDone = appSlots.values().stream().allMatch(s -> s.done);
        if (allDone) {
            boolean ok = appSlots.values().stream().allMatch(s -> s.last != null && s.last.exitCode() == 0);
            phase = ok ? "Succeeded" : "Failed";
        } else if (appSlots.values().stream().anyMatch(s -> s.id != null || s.restarts > 0)) {
            phase = "Running";
        } else {
            phase = "Pending";
        }
    }

    private long nextDue() {
        long next = Long.MAX_VALUE;
        for (Slot s : appSlots.values()) {
            if (s.id == null && !s.done && s.restartAtNanos >= 0) {
                next = Math.min(next, s.restartAtNanos);
            }
            if (s.id != null && s.state.kind().equals("running")) {
                if (!s.started && s.spec.startupProbe().isPresent()) {
                    next = Math.min(next, s.nextStartupProbe);
                } else {
                    if (s.spec.livenessProbe().isPresent()) {
                        next = Math.min(next, s.nextLivenessProbe);
                    }
                    if (s.spec.readinessProbe().isPresent()) {
                        next = Math.min(next, s.nextReadinessProbe);
                    }
                }
            }
        }
        return next;
    }

    /** Sleeps on the inbox until {@code deadlineNanos} (or a signal); exits are noted, a deletion unwinds. */
    private void waitUntil(long deadlineNanos) {
        try {
            while (true) {
                long wait = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
                if (wait <= 0) {
                    drain();
                    return;
                }
                Signal sig = wait == Long.MAX_VALUE ? inbox.take() : inbox.poll(wait, TimeUnit.NANOSECONDS);
                if (sig == null) {
                    return;
                }
                if (handle(sig)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // The engine is shutting down: the pod keeps running; the next engine resumes it.
            throw new Stopped();
        }
    }

    private void drain() {
        Signal sig;
        while ((sig = inbox.poll()) != null) {
            handle(sig);
        }
    }

    /** @return true when the signal changed something the loop must look at */
    private boolean handle(Signal sig) {
        switch (sig) {
            case Exited x -> {
                Slot s = slot(x.name());
                if (s != null && x.containerId().equals(s.id)) {
                    s.exitPending = true;
                    return true;
                }
                return false;
            }
            case Delete d -> throw new DeleteRequested(d);
        }
    }

    private void idleUntilDeleted() {
        while (true) {
            waitUntil(Long.MAX_VALUE);
        }
    }

    // ---- containers -------------------------------------------------------------------------

    /**
     * What creating a slot's next instance gave: the container's id, or the waiting reason, its detail and the
     * event message of the failure.
     */
    private record Creation(String id, String reason, String detail, String failure) {
        static Creation failed(String reason, RuntimeException e, String prefix) {
            return new Creation(null, reason, PodlabException.describe(e), prefix + PodlabException.describe(e));
        }
    }

    /**
     * Creates the containers that start first (the first init container, else the app containers; only the first
     * when they share its PID namespace, which exists once it started) while the manager runs CNI ADD, then waits
     * for the pod's final record. Nothing starts before: /etc/hosts gets the pod IP only after ADD. When ADD failed
     * the containers made here are removed and the worker ends (the manager removes the sandbox).
     */
    private void createWhileNetworkAttaches() {
        List<Slot> first = new ArrayList<>();
        if (!initialized && !initSlots.isEmpty()) {
            first.add(initSlots.values().iterator().next());
        } else if (pod.spec().shareProcessNamespace()) {
            first.add(appSlots.values().iterator().next());
        } else {
            first.addAll(appSlots.values());
        }
        for (Slot s : first) {
            if (s.id == null && !s.done) {
                prepared.put(s, create(s));
            }
        }
        try {
            record = network.get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            for (Creation c : prepared.values()) {
                if (c.id() != null) {
                    try {
                        manager.engine().remove(c.id(), true);
                    } catch (RuntimeException gone) {
                        // Removed already; the manager's sandbox removal kills what is left in the pod cgroup.
                    }
                }
            }
            prepared.clear();
            throw new Stopped();
        }
    }

    /** Creates and starts the slot's next instance; false (with a waiting reason and a back-off) on failure. */
    private boolean startContainer(Slot s) {
        Container c = s.spec;
        s.restartAtNanos = -1;
        Creation made = prepared.remove(s);
        if (made == null) {
            made = create(s);
        }
        if (made.id() == null) {
            s.state = State.waiting(made.reason(), made.detail());
            event("Warning", "Failed", made.failure());
            scheduleRetry(s);
            return false;
        }
        String id = made.id();
        event("Normal", "Created", "Created container " + c.name());
        try {
            manager.engine().start(id);
        } catch (RuntimeException e) {
            s.id = id;
            s.state = State.waiting("RunContainerError", PodlabException.describe(e));
            event("Warning", "Failed", "Error: " + PodlabException.describe(e));
            s.exitPending = true;
            return true;
        }
        s.id = id;
        s.exitPending = false;
        s.started = c.startupProbe().isEmpty();
        s.ready = false;
        s.startedNanos = System.nanoTime();
        s.state = State.running(TraceEvent.Clock.nowNanos());
        s.startupFailures = 0;
        s.livenessFailures = 0;
        s.readinessSuccesses = 0;
        s.readinessFailures = 0;
        if (pod.spec().shareProcessNamespace() && sharedPidNamespace == null && !s.init) {
            int pid = manager.engine().inspect(id).initPid();
            sharedPidNamespace = "/proc/" + pid + "/ns/pid";
        }
        event("Normal", "Started", "Started container " + c.name());
        scheduleProbes(s);
        watchExit(s);
        publish();
        c.lifecycle().postStart().ifPresent(h -> {
            Probes.Result r = manager.probes().run(h, c, id, record.sandbox().podIp(), Duration.ofSeconds(30));
            if (!r.success()) {
                event("Warning", "FailedPostStartHook", "PostStartHook failed: " + r.message());
                stopContainer(s, Duration.ofSeconds(pod.spec().terminationGracePeriodSeconds()));
            }
        });
        return true;
    }

    /** Creates the slot's next instance; changes nothing in the slot, so it can run before the slot's turn to start. */
    private Creation create(Slot s) {
        Container c = s.spec;
        ImageRecord image;
        try {
            image = manager.ensureImage(c, this::event);
        } catch (RuntimeException e) {
            return Creation.failed(s.restarts > 0 || s.lastBackoff.isPositive() ? "ImagePullBackOff" : "ErrImagePull",
                    e, "Failed to pull image \"" + c.image() + "\": ");
        }
        ContainerConfig config;
        try {
            config = ContainerSpecs.build(manager.images(), image, set, record, pod, c, volumes, downward,
                    sharedPidNamespace, terminationLog(s), manager.seccompProfileRoot());
            boolean nonRoot = c.securityContext().runAsNonRoot()
                    .orElse(pod.spec().securityContext().runAsNonRoot().orElse(false));
            if (nonRoot && config.uid() == 0) {
                throw new PodException("container has runAsNonRoot and image will run as root (pod: \""
                        + pod.name() + "\", container: " + c.name() + ")");
            }
        } catch (RuntimeException e) {
            return Creation.failed("CreateContainerConfigError", e, "Error: ");
        }
        try {
            return new Creation(manager.engine().create(config, manager.images().populator(image)).id(), null, null,
                    null);
        } catch (RuntimeException e) {
            return Creation.failed("CreateContainerError", e, "Error: ");
        }
    }

    /** kubelet keeps the previous instance (for logs --previous) and drops older ones. */
    private void removePrevious(Slot s) {
        if (s.previousId != null) {
            try {
                manager.engine().remove(s.previousId, true);
            } catch (RuntimeException e) {
                // Already removed: nothing to keep.
            }
            s.previousId = null;
        }
    }

    private void scheduleRetry(Slot s) {
        s.lastBackoff = nextBackoff(s);
        s.restartAtNanos = System.nanoTime() + s.lastBackoff.toNanos();
        publish();
    }

    private void watchExit(Slot s) {
        String id = s.id;
        String name = s.spec.name();
        Thread.ofVirtual().name("pod-exit-" + name).start(() -> {
            try {
                manager.engine().await(id, Duration.ofDays(36_500));
            } catch (RuntimeException e) {
                // Removed or the shim vanished: either way this instance is over.
            }
            inbox.add(new Exited(name, id));
        });
    }

    /** The slot's instance has exited: record its end as lastState; it is no longer the current one. */
    private ExitRecord collectExit(Slot s) {
        s.exitPending = false;
        ExitRecord exit = null;
        try {
            ContainerRecord r = manager.engine().inspect(s.id);
            exit = r.exit();
        } catch (RuntimeException e) {
            // Gone: treat as failed without a code.
        }
        s.last = exit == null ? new State("terminated", "Error", "the container vanished", 137, 9, 0,
                TraceEvent.Clock.nowNanos())
                : new State("terminated", exit.reason(), terminationMessage(s, exit), exit.exitCode(), exit.signal(),
                exit.startedAt(), exit.finishedAt());
        if (exit != null && exit.oomKilled()) {
            event("Warning", "OOMKilled", "Container " + s.spec.name() + " was killed by the OOM killer");
        }
        if (exit != null && exit.sandboxCrashed()) {
            event("Warning", ExitRecord.SANDBOX_CRASHED, "Container " + s.spec.name() + " lost its sandbox: "
                    + exit.message());
        }
        removePrevious(s);
        s.previousId = s.id;
        s.id = null;
        s.ready = false;
        s.started = false;
        return exit;
    }

    private Path terminationLog(Slot s) {
        return manager.store().podDir(record.id()).resolve("termination").resolve(s.spec.name() + "-" + s.restarts);
    }

    /**
     * What the container wrote to its terminationMessagePath (at most 4 KiB); with FallbackToLogsOnError and
     * nothing written, the end of its log when it failed (at most 80 lines / 2 KiB), as kubelet reports it.
     */
    private String terminationMessage(Slot s, ExitRecord exit) {
        try {
            Path f = terminationLog(s);
            if (Files.exists(f)) {
                byte[] b = Files.readAllBytes(f);
                String msg = new String(b, 0, Math.min(b.length, 4096), java.nio.charset.StandardCharsets.UTF_8);
                if (!msg.isEmpty()) {
                    return msg;
                }
            }
            if (exit.sandboxCrashed()) {
                return exit.message(); // the container's own words were cut off with its VM
            }
            if (s.spec.terminationMessagePolicy() == Container.TerminationMessagePolicy.FALLBACK_TO_LOGS_ON_ERROR
                    && exit.exitCode() != 0 && s.id != null) {
                List<String> lines = new ArrayList<>();
                dev.podlab.core.logs.LogFollower.read(manager.engine().logPath(s.id), false, () -> true,
                        l -> lines.add(l.text()));
                String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
                return tail.length() > 2048 ? tail.substring(tail.length() - 2048) : tail;
            }
        } catch (java.io.IOException | InterruptedException | RuntimeException e) {
            // No message is better than a wrong one.
        }
        return "";
    }

    private void backOff(Slot s, String what) {
        s.restarts++;
        s.lastBackoff = nextBackoff(s);
        s.restartAtNanos = System.nanoTime() + s.lastBackoff.toNanos();
        s.state = State.waiting("CrashLoopBackOff", "back-off " + human(s.lastBackoff) + " " + what);
        event("Warning", "BackOff", "Back-off " + human(s.lastBackoff) + " " + what);
        publish();
    }

    private Duration nextBackoff(Slot s) {
        boolean ranLong = s.startedNanos > 0 && System.nanoTime() - s.startedNanos > BACKOFF_RESET.toNanos();
        if (s.lastBackoff.isZero() || ranLong) {
            return backoffBase;
        }
        Duration doubled = s.lastBackoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    private void stopContainer(Slot s, Duration grace) {
        if (s.id == null) {
            return;
        }
        event("Normal", "Killing", "Stopping container " + s.spec.name());
        try {
            manager.engine().stop(s.id, grace);
        } catch (RuntimeException e) {
            // It exited meanwhile: its exit is reported by the watcher.
        }
    }

    // ---- probes -----------------------------------------------------------------------------

    private void scheduleProbes(Slot s) {
        long now = System.nanoTime();
        s.nextStartupProbe = now + delay(s.spec.startupProbe());
        s.nextLivenessProbe = now + delay(s.spec.livenessProbe());
        s.nextReadinessProbe = now + delay(s.spec.readinessProbe());
        if (s.spec.readinessProbe().isEmpty()) {
            s.ready = s.started;
        }
    }

    private static long delay(Optional<Probe> p) {
        return p.map(x -> TimeUnit.SECONDS.toNanos(x.initialDelaySeconds())).orElse(0L);
    }

    private void runDueProbes(Slot s, long now) {
        Container c = s.spec;
        if (!s.started) {
            Probe p = c.startupProbe().orElseThrow();
            if (now >= s.nextStartupProbe) {
                s.nextStartupProbe = now + period(p);
                Probes.Result r = probe(p, s);
                if (r.success()) {
                    s.started = true;
                    s.nextLivenessProbe = System.nanoTime() + delay(c.livenessProbe());
                    s.nextReadinessProbe = System.nanoTime() + delay(c.readinessProbe());
                    if (c.readinessProbe().isEmpty()) {
                        s.ready = true;
                    }
                } else if (++s.startupFailures >= p.failureThreshold()) {
                    event("Warning", "Unhealthy", "Startup probe failed: " + r.message());
                    event("Normal", "Killing", "Container " + c.name() + " failed startup probe, will be restarted");
                    stopContainer(s, Duration.ofSeconds(pod.spec().terminationGracePeriodSeconds()));
                }
            }
            return;
        }
        if (c.livenessProbe().isPresent() && now >= s.nextLivenessProbe) {
            Probe p = c.livenessProbe().get();
            s.nextLivenessProbe = now + period(p);
            Probes.Result r = probe(p, s);
            if (r.success()) {
                s.livenessFailures = 0;
            } else {
                event("Warning", "Unhealthy", "Liveness probe failed: " + r.message());
                if (++s.livenessFailures >= p.failureThreshold()) {
                    event("Normal", "Killing", "Container " + c.name() + " failed liveness probe, will be restarted");
                    s.livenessFailures = 0;
                    stopContainer(s, Duration.ofSeconds(pod.spec().terminationGracePeriodSeconds()));
                    return;
                }
            }
        }
        if (c.readinessProbe().isPresent() && now >= s.nextReadinessProbe) {
            Probe p = c.readinessProbe().get();
            s.nextReadinessProbe = now + period(p);
            Probes.Result r = probe(p, s);
            if (r.success()) {
                s.readinessFailures = 0;
                if (++s.readinessSuccesses >= p.successThreshold()) {
                    s.ready = true;
                }
            } else {
                s.readinessSuccesses = 0;
                if (++s.readinessFailures >= p.failureThreshold() || !s.ready) {
                    if (s.ready || s.readinessFailures == 1) {
                        event("Warning", "Unhealthy", "Readiness probe failed: " + r.message());
                    }
                    s.ready = false;
                }
            }
        }
    }

    private Probes.Result probe(Probe p, Slot s) {
        return manager.probes().run(p.handler(), s.spec, s.id, record.sandbox().podIp(),
                Duration.ofSeconds(Math.max(1, p.timeoutSeconds())));
    }

    private static long period(Probe p) {
        return TimeUnit.SECONDS.toNanos(Math.max(1, p.periodSeconds()));
    }

    // ---- deletion ---------------------------------------------------------------------------

    /** preStop hooks, SIGTERM, the grace period, SIGKILL; then the containers, volumes and sandbox go. */
    private void terminate(Delete d) {
        phase = "Terminating";
        publish();
        long deadline = System.nanoTime() + d.grace().toNanos();
        List<Thread> stops = new ArrayList<>();
        for (Slot s : all()) {
            if (s.id == null || !s.state.kind().equals("running")) {
                continue;
            }
            stops.add(Thread.ofVirtual().start(() -> {
                s.spec.lifecycle().preStop().ifPresent(h -> {
                    Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                    Probes.Result r = manager.probes().run(h, s.spec, s.id, record.sandbox().podIp(), left);
                    if (!r.success()) {
                        event("Warning", "FailedPreStopHook", "PreStopHook failed: " + r.message());
                    }
                });
                stopContainer(s, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }));
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            manager.release(record, pod);
            d.done().complete(null);
        } catch (RuntimeException e) {
            d.done().completeExceptionally(e);
        }
    }

    // ---- status -----------------------------------------------------------------------------

    private Iterable<Slot> all() {
        List<Slot> out = new ArrayList<>(initSlots.values());
        out.addAll(appSlots.values());
        return out;
    }

    private Slot slot(String name) {
        Slot s = appSlots.get(name);
        return s != null ? s : initSlots.get(name);
    }

    private synchronized void event(String type, String reason, String message) {
        long now = TraceEvent.Clock.nowNanos();
        PodStatus.PodEvent last = events.peekLast();
        if (last != null && last.reason().equals(reason) && last.message().equals(message)) {
            events.pollLast();
            events.addLast(new PodStatus.PodEvent(type, reason, message, last.count() + 1, last.firstTime(), now));
        } else {
            events.addLast(new PodStatus.PodEvent(type, reason, message, 1, now, now));
            if (events.size() > EVENTS_KEPT) {
                events.removeFirst();
            }
        }
        manager.listener().onEvent(record, type, reason, message);
    }

    private synchronized PodStatus computeStatus() {
        List<ContainerState> inits = new ArrayList<>();
        initSlots.values().forEach(s -> inits.add(view(s)));
        List<ContainerState> apps = new ArrayList<>();
        appSlots.values().forEach(s -> apps.add(view(s)));
        boolean containersReady = !appSlots.isEmpty() && appSlots.values().stream().allMatch(s -> s.ready);
        List<PodStatus.Condition> conditions = List.of(
                new PodStatus.Condition("PodScheduled", "True", startTime, ""),
                condition("Initialized", initialized, "ContainersNotInitialized"),
                condition("ContainersReady", containersReady, "ContainersNotReady"),
                condition("Ready", containersReady, "ContainersNotReady"));
        return new PodStatus(phase, reason, message, conditions, record.sandbox().podIp(), startTime,
                pod.qosClass().kubernetesName(), inits, apps, List.copyOf(events));
    }

    /** A condition whose lastTransitionTime moves only when its status flips, as Kubernetes keeps it. */
    private PodStatus.Condition condition(String type, boolean value, String falseReason) {
        String v = value ? "True" : "False";
        PodStatus.Condition before = transitions.get(type);
        if (before == null || !before.status().equals(v)) {
            before = new PodStatus.Condition(type, v, TraceEvent.Clock.nowNanos(), value ? "" : falseReason);
            transitions.put(type, before);
        }
        return before;
    }

    private ContainerState view(Slot s) {
        String id = s.id != null ? s.id : s.previousId != null ? s.previousId : "";
        return new ContainerState(s.spec.name(), id, s.spec.image(), s.ready, s.started,
                s.restarts, s.state, s.last);
    }

    /** Publishes the status when it changed (the CLI, the UIs and the record see it). */
    private void publish() {
        settlePhase();
        PodStatus next = computeStatus();
        if (next.equals(status)) {
            return;
        }
        // On disk first: whoever sees a status (a test, a client) may stop this engine next, and
        // the engine after it must find the same containers in the record.
        persist(next);
        status = next;
        manager.listener().onStatus(record);
        List<CompletableFuture<PodStatus>> ready;
        synchronized (this) {
            if (!isStartedOrSettled(next)) {
                return;
            }
            ready = new ArrayList<>(startWaiters);
            startWaiters.clear();
        }
        ready.forEach(f -> f.complete(next));
    }

    private static boolean isStartedOrSettled(PodStatus s) {
        if (s.phase().equals("Succeeded") || s.phase().equals("Failed")) {
            return true;
        }
        return !s.containerStatuses().isEmpty() && s.containerStatuses().stream()
                .allMatch(c -> c.state().kind().equals("running") || c.restartCount() > 0
                        || c.state().kind().equals("terminated")
                        || !c.state().reason().equals("ContainerCreating"));
    }

    private void persist(PodStatus next) {
        Map<String, String> ids = new LinkedHashMap<>();
        Map<String, Integer> restarts = new LinkedHashMap<>();
        for (Slot s : all()) {
            if (s.id != null) {
                ids.put(s.spec.name(), s.id);
            } else if (s.previousId != null) {
                ids.put(s.spec.name(), s.previousId);
            }
            restarts.put(s.spec.name(), s.restarts);
        }
        PodRecord updated = record.with(initialized, ids, restarts, next);
        manager.store().save(updated);
        record = updated;
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m0s";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
