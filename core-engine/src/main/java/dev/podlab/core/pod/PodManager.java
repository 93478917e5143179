package dev.podlab.core.pod;

import dev.podlab.core.PodlabException;
import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupValues;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.events.EventLog;
import dev.podlab.core.events.StepTimer;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.events.TraceSink;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.oci.LocalhostSeccomp;
import dev.podlab.core.pod.manifest.Container;
import dev.podlab.core.pod.manifest.ManifestException;
import dev.podlab.core.pod.manifest.ManifestParser;
import dev.podlab.core.pod.manifest.ManifestSet;
import dev.podlab.core.pod.manifest.PodManifest;
import dev.podlab.core.pod.manifest.PodSpec;
import dev.podlab.core.pod.manifest.Report;
import dev.podlab.core.state.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Pods from manifests on top of the container engine: {@link #play} parses and validates a manifest, makes
 * each pod's sandbox and hands the pod to its own {@link PodWorker}; {@link #down} deletes gracefully;
 * {@link #resume} picks up recorded pods after an engine restart. Lives in the engine service.
 */
public final class PodManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodManager.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Annotation that sets a pod's restart back-off base (kubelet: 10s), handy for demos: "1s". */
    public static final String BACKOFF_ANNOTATION = "podlab.dev/restart-backoff";
    /** Localhost seccomp profiles live here under the state root unless settings name another directory. */
    public static final String DEFAULT_SECCOMP_PROFILE_ROOT = "seccomp/profiles";

    /** What the worker tells the outside world (the engine service turns it into API events). */
    public interface Listener {
        Listener NONE = new Listener() {
            @Override
            public void onEvent(PodRecord pod, String type, String reason, String message) {
            }

            @Override
            public void onStatus(PodRecord pod) {
            }

            @Override
            public void onTrace(PodRecord pod, TraceEvent step) {
            }
        };

        void onEvent(PodRecord pod, String type, String reason, String message);

        void onStatus(PodRecord pod);

        void onTrace(PodRecord pod, TraceEvent step);
    }

    /**
     * @param strict   warnings of the manifest report are errors
     * @param replace  delete a pod of the same name first
     * @param runtime  runtime class for every pod (overrides runtimeClassName); null to use the manifest's
     */
    public record PlayOptions(boolean strict, boolean replace, String runtime) {}

    /** The pods started and the manifest's report (warnings and notes; errors were thrown). */
    public record PlayResult(List<PodRecord> pods, Report report) {}

    private final ContainerEngine engine;
    private final ImageService images;
    private final PodStore store;
    private final PodSandbox sandbox;
    private final Probes probes;
    private final Listener listener;
    private final String defaultRuntime;
    private final Duration defaultBackoff;
    private final Path seccompProfileRoot;
    private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();

    public PodManager(ContainerEngine engine, ImageService images, Path stateRoot, PodSandbox sandbox,
                      String defaultRuntime, Duration defaultBackoff, Listener listener) {
        this(engine, images, stateRoot, sandbox, defaultRuntime, defaultBackoff, listener, null);
    }

    /**
     * @param seccompProfileRoot where {@code seccompProfile: {type: Localhost}} profiles are looked up; null for
     *                           {@code <stateRoot>/seccomp/profiles}
     */
    public PodManager(ContainerEngine engine, ImageService images, Path stateRoot, PodSandbox sandbox,
                      String defaultRuntime, Duration defaultBackoff, Listener listener, Path seccompProfileRoot) {
        this.seccompProfileRoot = seccompProfileRoot != null ? seccompProfileRoot
                : stateRoot.resolve(DEFAULT_SECCOMP_PROFILE_ROOT);
        this.engine = engine;
        this.images = images;
        this.store = new PodStore(stateRoot);
        this.sandbox = sandbox;
        this.probes = new Probes(engine);
        this.listener = listener;
        this.defaultRuntime = defaultRuntime;
        this.defaultBackoff = defaultBackoff;
    }

    ContainerEngine engine() {
        return engine;
    }

    /** Where Localhost seccomp profiles are looked up. */
    public Path seccompProfileRoot() {
        return seccompProfileRoot;
    }

    ImageService images() {
        return images;
    }

    PodStore store() {
        return store;
    }

    Probes probes() {
        return probes;
    }

    Listener listener() {
        return listener;
    }

    /**
     * Validates the manifest, then starts each pod: sandbox first (namespaces, CNI, files, cgroup), then its
     * worker runs the containers in the background.
     *
     * @throws dev.podlab.core.pod.manifest.ManifestException with every located error; nothing was started
     * @throws PodException.Exists when a pod of that name runs and {@code replace} is off
     */
    public PlayResult play(String source, String text, PlayOptions options) {
        ManifestSet set = ManifestParser.parse(source, text, options.strict());
        if (set.pods().isEmpty()) {
            throw new PodException("failed to play " + source + ": it holds no Pod (nor a workload with a pod template)");
        }
        for (PodManifest pod : set.pods()) {
            Optional<PodRecord> existing = find(pod.metadata().namespace(), pod.name());
            if (existing.isPresent() && !options.replace()) {
                throw new PodException.Exists("failed to play pod " + pod.metadata().namespace() + "/" + pod.name()
                        + ": it exists already (podlab down " + pod.name() + ", or play --replace)");
            }
            String runtime = options.runtime() != null ? options.runtime()
                    : pod.spec().runtimeClassName() != null && !pod.spec().runtimeClassName().isEmpty()
                    ? pod.spec().runtimeClassName() : defaultRuntime;
            engine.runtimes().require(runtime); // a runtime that does not work here fails before anything is made
        }
        checkSeccompProfiles(set);
        for (PodManifest pod : set.pods()) {
            List<String> unhonoured = unhonoured(pod);
            if (options.strict() && !unhonoured.isEmpty()) {
                throw new PodException("failed to play pod " + pod.name() + " (--strict): podlab cannot honour "
                        + unhonoured.size() + " field(s)\n" + String.join("\n", unhonoured));
            }
        }
        List<PodRecord> started = new ArrayList<>();
        for (PodManifest pod : set.pods()) {
            find(pod.metadata().namespace(), pod.name()).ifPresent(old -> down(old.id(), null));
            started.add(start(set, text, pod, options));
        }
        return new PlayResult(started, set.report());
    }

    /**
     * Recreates a pod on another runtime class, keeping its manifest: the old pod is deleted gracefully, the same
     * pod is played with {@code runtime} and waited for.
     *
     * @return the pod before and after
     */
    public record Swap(PodRecord before, PodRecord after, Duration took) {}

    public Swap swap(String ref, String runtime, Duration startTimeout) {
        PodRecord before = get(ref);
        engine.runtimes().require(runtime);
        ManifestSet set = ManifestParser.parse(before.source(), before.manifest(), false);
        PodManifest pod = set.pod(before.name()).orElseThrow(() -> new PodException("failed to swap pod "
                + before.name() + ": its manifest no longer holds it"));
        down(before.id(), null);
        long t0 = System.nanoTime();
        PodRecord after = start(set, before.manifest(), pod, new PlayOptions(false, false, runtime));
        awaitStarted(after.id(), startTimeout);
        return new Swap(before, get(after.id()), Duration.ofNanos(System.nanoTime() - t0));
    }

    /** Starts one pod of a parsed manifest under another name (comparisons run copies side by side). */
    PodRecord startCopy(ManifestSet set, String text, PodManifest pod, String name, String runtime) {
        var meta = pod.metadata();
        PodManifest copy = new PodManifest(pod.sourceKind(), new dev.podlab.core.pod.manifest.ObjectMeta(name,
                meta.namespace(), meta.labels(), meta.annotations()), pod.spec(), pod.location());
        return start(set, text, copy, new PlayOptions(false, false, runtime));
    }

    private PodRecord start(ManifestSet set, String text, PodManifest pod, PlayOptions options) {
        String id = HexFormat.of().formatHex(randomBytes());
        String runtime = options.runtime() != null ? options.runtime()
                : pod.spec().runtimeClassName() != null && !pod.spec().runtimeClassName().isEmpty()
                ? pod.spec().runtimeClassName() : defaultRuntime;
        Path dir = store.podDir(id);
        List<String> warnings = new ArrayList<>();
        set.report().entries().forEach(e -> warnings.add(e.toString()));
        warnings.addAll(unhonoured(pod));
        PodRecord draft = new PodRecord(id, pod.name(), pod.metadata().namespace(), UUID.randomUUID().toString(),
                set.source(), text, runtime, TraceEvent.Clock.nowNanos(), null, false, Map.of(), Map.of(), warnings,
                null);
        if (!overlapsNetwork(pod, runtime)) {
            return startAfterNetwork(set, pod, dir, draft, warnings);
        }
        // CNI ADD runs on this thread while the worker creates the first containers in the pinned namespaces; the
        // worker starts nothing until the gate opens with the final record (pod IP, /etc/hosts rewritten).
        EventLog trace = null;
        PodSandbox.Pending pending;
        try {
            java.nio.file.Files.createDirectories(dir);
            trace = new EventLog(dir.resolve("events.jsonl"), step -> listener.onTrace(draft, step));
            pending = sandbox.begin(id, pod, dir, new StepTimer(trace));
        } catch (IOException | RuntimeException e) {
            closeQuietly(trace);
            deleteQuietly(dir);
            throw e instanceof RuntimeException re ? re : new PodException("failed to create pod " + pod.name()
                    + ": " + e.getMessage(), e);
        }
        List<String> tmpfs = new ArrayList<>();
        CompletableFuture<PodRecord> gate = new CompletableFuture<>();
        PodWorker worker = null;
        try {
            // No container reads status.podIP (overlapsNetwork), so the address is not needed before ADD ends.
            DownwardValues downward = new DownwardValues(pod, draft.uid(), "", hostname());
            Map<String, PodVolumes.Materialised> volumes = PodVolumes.create(set, pod, dir, downward, tmpfs, warnings);
            PodRecord early = draft.withSandbox(pending.sandbox(), tmpfs, warnings);
            worker = new PodWorker(this, set, pod, early, volumes, downward, backoff(pod), gate);
            launch(worker);
            PodSandbox.Made made = pending.attach();
            warnings.addAll(made.warnings());
            PodRecord record = draft.withSandbox(made.sandbox(), tmpfs, warnings);
            store.save(record);
            trace.close();
            gate.complete(record);
            return record;
        } catch (RuntimeException e) {
            gate.completeExceptionally(e);
            if (worker != null) {
                awaitWorker(id); // it removes the containers it made before the cgroup goes
                workers.remove(id);
            }
            PodVolumes.release(tmpfs);
            pending.abort(e);
            closeQuietly(trace);
            deleteQuietly(dir);
            throw e;
        }
    }

    /** The sandbox with its network first, then the worker (the CNI result is needed before any container). */
    private PodRecord startAfterNetwork(ManifestSet set, PodManifest pod, Path dir, PodRecord draft,
                                       List<String> warnings) {
        String id = draft.id();
        PodSandbox.Made made;
        try {
            java.nio.file.Files.createDirectories(dir);
            try (EventLog trace = new EventLog(dir.resolve("events.jsonl"), step -> listener.onTrace(draft, step))) {
                made = sandbox.create(id, pod, dir, new StepTimer(trace));
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(dir);
            throw e instanceof RuntimeException re ? re : new PodException("failed to create pod " + pod.name()
                    + ": " + e.getMessage(), e);
        }
        warnings.addAll(made.warnings());
        List<String> tmpfs = new ArrayList<>();
        DownwardValues downward = new DownwardValues(pod, draft.uid(), made.sandbox().podIp(), hostname());
        Map<String, PodVolumes.Materialised> volumes;
        try {
            volumes = PodVolumes.create(set, pod, dir, downward, tmpfs, warnings);
        } catch (RuntimeException e) {
            PodVolumes.release(tmpfs);
            sandbox.remove(id, pod, made.sandbox());
            deleteQuietly(dir);
            throw e;
        }
        PodRecord record = draft.withSandbox(made.sandbox(), tmpfs, warnings);
        store.save(record);
        launch(new PodWorker(this, set, pod, record, volumes, downward, backoff(pod), null));
        return record;
    }

    /**
     * Whether containers may be created while CNI ADD runs: not without CNI (hostNetwork), not when a container's
     * environment carries status.podIP (its config needs the address), and only on runtimes whose create does not
     * use the network: a VM runtime (kvm) attaches its tap to the pod's eth0 when it boots at create.
     */
    boolean overlapsNetwork(PodManifest pod, String runtime) {
        if (pod.spec().hostNetwork()) {
            return false;
        }
        for (Container c : pod.spec().allContainers()) {
            for (Container.EnvVar e : c.env()) {
                if (e.source() instanceof dev.podlab.core.pod.manifest.EnvSource.FieldRef f
                        && f.fieldPath().startsWith("status.podIP")) {
                    return false;
                }
            }
        }
        String handler;
        try {
            handler = engine.runtimes().handler(runtime).info().handler();
        } catch (dev.podlab.core.runtime.RuntimeUnavailableException unknown) {
            return false; // its containers fail to create, with that reason in their status, as before
        }
        return handler.equals(dev.podlab.core.runtime.builtin.BuiltinRuntime.NAME)
                || dev.podlab.core.runtime.RuntimeCatalog.OCI_HANDLERS.contains(handler);
    }

    private void awaitWorker(String podId) {
        Thread t = threads.get(podId);
        if (t == null) {
            return;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(EventLog trace) {
        if (trace == null) {
            return;
        }
        try {
            trace.close();
        } catch (RuntimeException e) {
            LOG.debug("could not write the trace of a pod that failed to start: {}", e.toString());
        }
    }

    /**
     * Every Localhost seccomp profile of the manifest must resolve inside the profile root and load, before anything
     * runs; each problem is reported at the {@code localhostProfile} field that named it.
     */
    private void checkSeccompProfiles(ManifestSet set) {
        List<Report.Entry> errors = new ArrayList<>();
        for (PodManifest pod : set.pods()) {
            List<PodSpec.SeccompProfile> profiles = new ArrayList<>();
            pod.spec().securityContext().seccompProfile().ifPresent(profiles::add);
            pod.spec().allContainers().forEach(c -> c.securityContext().seccompProfile().ifPresent(profiles::add));
            for (PodSpec.SeccompProfile p : profiles) {
                if (p.type() != PodSpec.SeccompProfile.Type.LOCALHOST) {
                    continue;
                }
                try {
                    // Capabilities only select Docker-style conditional rules; the check is about the file.
                    LocalhostSeccomp.load(LocalhostSeccomp.resolve(seccompProfileRoot, p.localhostProfile()), List.of());
                } catch (dev.podlab.core.container.InvalidConfigException e) {
                    errors.add(new Report.Entry(Report.Severity.ERROR, p.location() != null ? p.location()
                            : pod.location(), p.path(), e.getMessage()));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ManifestException(set.source(), new Report(errors, false));
        }
    }

    /**
     * Fields the manifest parser accepts but the engine does not apply yet, by path: said out loud rather than
     * dropped in silence.
     */
    static List<String> unhonoured(PodManifest pod) {
        List<String> out = new ArrayList<>();
        // Localhost seccomp profiles, privileged containers' host devices, stdin, stdinOnce and tty are all applied
        // now; kept as the one place a newly accepted but not yet applied field is listed.
        return out;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return b;
    }

    private Duration backoff(PodManifest pod) {
        String v = pod.metadata().annotations().get(BACKOFF_ANNOTATION);
        if (v == null) {
            return defaultBackoff;
        }
        try {
            return dev.podlab.core.config.DurationText.parse(v);
        } catch (RuntimeException e) {
            LOG.warn("pod {}: annotation {}={} is not a duration; using {}", pod.name(), BACKOFF_ANNOTATION, v,
                    defaultBackoff);
            return defaultBackoff;
        }
    }

    private void launch(PodWorker w) {
        PodRecord r = w.record();
        workers.put(r.id(), w);
        threads.put(r.id(), Thread.ofVirtual().name("pod-" + r.name()).start(() -> {
            try {
                w.run();
            } finally {
                threads.remove(r.id());
            }
        }));
    }

    /** After an engine restart: every recorded pod gets a worker again, which adopts its containers. */
    public List<String> resume() {
        List<String> resumed = new ArrayList<>();
        for (PodRecord r : store.list()) {
            if (workers.containsKey(r.id())) {
                continue;
            }
            try {
                ManifestSet set = ManifestParser.parse(r.source(), r.manifest(), false);
                PodManifest pod = set.pod(r.name()).orElseThrow(() -> new PodException("failed to resume pod "
                        + r.name() + ": its manifest no longer holds it"));
                DownwardValues downward = new DownwardValues(pod, r.uid(), r.sandbox().podIp(), hostname());
                Map<String, PodVolumes.Materialised> volumes = PodVolumes.existing(pod, store.podDir(r.id()));
                launch(new PodWorker(this, set, pod, r, volumes, downward, backoff(pod), null));
                resumed.add("pod " + r.namespace() + "/" + r.name());
            } catch (RuntimeException e) {
                LOG.warn("could not resume pod {}: {}", r.name(), e.toString());
                resumed.add("pod " + r.namespace() + "/" + r.name() + " not resumed: " + PodlabException.describe(e));
            }
        }
        return resumed;
    }

    /** Waits until every app container of the pod started (or the pod ended); the status then. */
    public PodStatus awaitStarted(String ref, Duration timeout) {
        PodWorker w = worker(ref);
        try {
            return w.started().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return w.status();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return w.status();
        } catch (ExecutionException e) {
            throw new PodException("failed to wait for pod " + ref + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Deletes a pod gracefully: preStop hooks, SIGTERM, the grace period (the manifest's unless given), SIGKILL;
     * then its containers, volumes, network and namespaces. Waits until it is gone.
     */
    public void down(String ref, Duration grace) {
        PodWorker w = worker(ref);
        PodRecord r = w.record();
        Duration g = grace != null ? grace : w.terminationGracePeriod();
        try {
            w.delete(g).get(g.toSeconds() + 120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new PodException("failed to delete pod " + r.name() + ": " + PodlabException.describe(e.getCause()),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PodException("failed to delete pod " + r.name() + ": interrupted");
        } catch (TimeoutException e) {
            throw new PodException("failed to delete pod " + r.name() + ": still terminating after " + g.toSeconds()
                    + " s + 120 s");
        } finally {
            workers.remove(r.id());
        }
    }

    /** Called by the worker once its containers stopped: removes everything the pod had. */
    void release(PodRecord r, PodManifest pod) {
        List<String> problems = new ArrayList<>();
        for (ContainerRecord c : engine.list()) {
            if (r.id().equals(c.config().labels().get(ContainerSpecs.POD_ID))) {
                try {
                    engine.remove(c.id(), true);
                } catch (RuntimeException e) {
                    problems.add(PodlabException.describe(e));
                }
            }
        }
        PodVolumes.release(r.sandbox().tmpfsMounts());
        try {
            sandbox.remove(r.id(), pod, r.sandbox());
        } catch (RuntimeException e) {
            problems.add(PodlabException.describe(e));
        }
        if (!problems.isEmpty()) {
            store.save(r);
            throw new PodException("failed to delete pod " + r.name() + ": " + String.join("; ", problems));
        }
        store.delete(r.id());
        listener.onEvent(r, "Normal", "Deleted", "pod " + r.namespace() + "/" + r.name() + " and its sandbox removed");
    }

    public List<PodRecord> list() {
        List<PodRecord> out = new ArrayList<>();
        for (PodWorker w : workers.values()) {
            out.add(w.record().with(w.status()));
        }
        out.sort(java.util.Comparator.comparingLong(PodRecord::createdAt));
        return out;
    }

    /** The kept previous instance of a pod container whose current instance is {@code containerId}, if any. */
    public Optional<String> previousInstance(String containerId) {
        for (PodWorker w : workers.values()) {
            Optional<String> p = w.previousInstance(containerId);
            if (p.isPresent()) {
                return p;
            }
        }
        return Optional.empty();
    }

    /** A pod by name (in any namespace when unique), namespace/name, id or unique id prefix. */
    public PodRecord get(String ref) {
        PodWorker w = worker(ref);
        return w.record().with(w.status());
    }

    /**
     * One cgroup of a pod with the raw values of its control files.
     *
     * @param container the container's name, or empty for the pod's own cgroup
     */
    public record CgroupNode(String container, Cgroup cgroup, List<CgroupValues.Value> values) {}

    /**
     * The pod's cgroup, then each current container's (init containers first), with the raw values of every
     * controller's main files (see {@link CgroupValues}). Containers not created yet or already removed, whose
     * cgroup does not exist, are left out.
     */
    public List<CgroupNode> cgroups(String ref) {
        PodRecord r = get(ref);
        List<CgroupNode> out = new ArrayList<>();
        String parent = r.sandbox() == null ? null : r.sandbox().cgroupParent();
        if (parent != null && engine.cgroups().exists(parent)) {
            Cgroup pod = engine.cgroups().open(parent);
            out.add(new CgroupNode("", pod, CgroupValues.read(pod)));
        }
        if (r.status() == null) {
            return out;
        }
        List<PodStatus.ContainerState> containers = new ArrayList<>(r.status().initContainerStatuses());
        containers.addAll(r.status().containerStatuses());
        for (PodStatus.ContainerState c : containers) {
            if (c.containerId() == null || c.containerId().isEmpty()) {
                continue;
            }
            try {
                engine.cgroup(c.containerId()).ifPresent(cg -> out.add(new CgroupNode(c.name(), cg, CgroupValues.read(cg))));
            } catch (dev.podlab.core.container.NotFoundException e) {
                // Removed between the status and this read (a restart replaced it): nothing to show for it.
            }
        }
        return out;
    }

    private PodWorker worker(String ref) {
        List<PodWorker> matches = new ArrayList<>();
        for (PodWorker w : workers.values()) {
            PodRecord r = w.record();
            if (r.id().equals(ref) || r.name().equals(ref) || (r.namespace() + "/" + r.name()).equals(ref)
                    || (ref.length() >= 6 && r.id().startsWith(ref))) {
                matches.add(w);
            }
        }
        if (matches.isEmpty()) {
            throw new PodException.NotFound("no such pod: " + ref);
        }
        if (matches.size() > 1) {
            throw new PodException("failed to find pod " + ref + ": it is ambiguous (" + matches.size()
                    + " pods match; use namespace/name or the id)");
        }
        return matches.get(0);
    }

    private Optional<PodRecord> find(String namespace, String name) {
        return workers.values().stream().map(PodWorker::record)
                .filter(r -> r.namespace().equals(namespace) && r.name().equals(name)).findFirst();
    }

    /** The image a container needs, by its pull policy. Pull failures fall back to a stored copy for Always. */
    ImageRecord ensureImage(Container c, EventSink events) {
        Optional<ImageRecord> stored;
        try {
            stored = Optional.of(images.require(c.image()));
        } catch (RuntimeException missing) {
            stored = Optional.empty();
        }
        switch (c.imagePullPolicy()) {
            case NEVER -> {
                return stored.orElseThrow(() -> new PodException("image " + c.image()
                        + " is not stored and imagePullPolicy is Never (ErrImageNeverPull)"));
            }
            case IF_NOT_PRESENT -> {
                if (stored.isPresent()) {
                    return stored.get();
                }
            }
            case ALWAYS -> { }
        }
        events.event("Normal", "Pulling", "Pulling image \"" + c.image() + "\"");
        try {
            long t0 = System.nanoTime();
            ImageRecord r = images.pull(c.image(), e -> { });
            events.event("Normal", "Pulled", "Successfully pulled image \"" + c.image() + "\" in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            return r;
        } catch (RuntimeException e) {
            if (stored.isPresent()) {
                events.event("Warning", "PullFailedUsingStored", "Pulling \"" + c.image() + "\" failed ("
                        + PodlabException.describe(e) + "); using the stored copy (imagePullPolicy Always)");
                return stored.get();
            }
            throw e;
        }
    }

    /** Where a worker reports pod events. */
    @FunctionalInterface
    interface EventSink {
        void event(String type, String reason, String message);
    }

    private static String hostname() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", dir, e.toString());
        }
    }

    /** Stops the workers (not the pods: their containers keep running and the next engine resumes them). */
    @Override
    public void close() {
        threads.values().forEach(Thread::interrupt);
        workers.clear();
    }
}
