package dev.podlab.api.server;

import dev.podlab.api.v1.Event;
import dev.podlab.core.PodlabException;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.metrics.MetricsSampler;
import dev.podlab.core.net.CniNetwork;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.core.net.PodNamespaces;
import dev.podlab.core.net.PodNetworkFiles;
import dev.podlab.core.pod.PodManager;
import dev.podlab.core.pod.PodRecord;
import dev.podlab.core.pod.PodSandbox;
import io.grpc.Server;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The engine service: the one process that owns a state root. It holds the root's lock, reconciles
 * records with reality on start, watches every live container for its exit, samples cgroup metrics,
 * keeps the recent events, and serves podlab.v1 on a unix socket. Closing it stops serving but leaves
 * every container running under its shim; the next service picks them up.
 */
public final class EngineService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineService.class);
    /** Events kept for replay (about 2 MB at a few hundred bytes each). */
    static final int EVENT_HISTORY = 10_000;

    private final EngineSettings settings;
    private final EngineLock lock;
    private final ContainerEngine engine;
    private final ImageService images;
    /** Event journal files are rotated at this size (two files are kept: some 20-40 000 events). */
    static final long EVENT_JOURNAL_BYTES = 8L << 20;

    private final EventJournal.Opened journal;
    private final EventHub events;
    private final MetricsSampler sampler;
    private final Map<String, MetricsSampler.Target> targets = new ConcurrentHashMap<>();
    private final Map<String, Thread> watchers = new ConcurrentHashMap<>();
    private final java.util.Set<String> reportedExits = ConcurrentHashMap.newKeySet();
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    private final Instant startedAt = Instant.now();
    private final List<String> repaired;
    private final AutoCloseable traceSubscription;
    private final PodManager pods;
    private final PodSandbox sandboxes;
    private final CniNetwork network;
    private final List<AutoCloseable> extensions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<PodSource> podSources = new java.util.concurrent.CopyOnWriteArrayList<>();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Server server;
    private volatile boolean closed;

    private EngineService(EngineSettings settings, EngineLock lock, CgroupManager cgroups, DefaultNetwork defaultNetwork) {
        this.settings = settings;
        this.lock = lock;
        this.journal = EventJournal.open(settings.stateRoot().resolve("events"), EVENT_JOURNAL_BYTES, EVENT_HISTORY);
        this.events = new EventHub(EVENT_HISTORY, journal);
        this.engine = new ContainerEngine(settings.engineConfig(cgroups));
        this.images = new ImageService(settings.stateRoot(), settings.registryConfig());
        this.traceSubscription = engine.onTrace(this::onTrace);
        this.repaired = engine.reconcile().repaired();
        for (String r : repaired) {
            events.publish(Event.newBuilder().setTime(TraceEvent.Clock.nowNanos()).setType("engine.repaired")
                    .setObjectKind("engine").setDetail(r));
        }
        this.sampler = MetricsSampler.create(targets::values, cgroups, settings.metrics());
        // The IO columns stay zero on cgroup v1 unless blk-throttle is active on the disk: say what was done.
        var blockIo = dev.podlab.core.cgroup.BlockIoAccounting.activate(cgroups.layout(),
                settings.engineConfig(cgroups).cgroupParent(), settings.stateRoot());
        events.publish(Event.newBuilder().setTime(TraceEvent.Clock.nowNanos()).setType("engine.metrics")
                .setObjectKind("engine").setDetail(blockIo.detail()).putAttributes("blockIoCounted",
                        Boolean.toString(blockIo.counting())));
        LOG.debug("metrics: {}", blockIo.detail());
        this.network = CniNetwork.open(new CniNetwork.Settings(settings.cni().confDir(), settings.cni().binDirs(),
                settings.stateRoot(), defaultNetwork, Duration.ofSeconds(60)));
        this.sandboxes = new PodSandbox(PodNamespaces.open(settings.runRoot()), network, cgroups,
                settings.engineConfig(cgroups).cgroupParent(), PodNetworkFiles.open(PodNetworkFiles.HostFiles.system()));
        this.pods = new PodManager(engine, images, settings.stateRoot(), sandboxes, settings.defaultRuntime(),
                Duration.ofSeconds(10), new PodEvents(), settings.seccompProfileRoot());
    }

    /** Pod workers' news as engine events, and their containers and cgroups into the metrics sampler. */
    private final class PodEvents implements PodManager.Listener {
        @Override
        public void onEvent(PodRecord pod, String type, String reason, String message) {
            events.publish(Event.newBuilder().setTime(TraceEvent.Clock.nowNanos()).setType("pod." + reason)
                    .setObjectKind("pod").setObjectId(pod.id()).setObjectName(pod.namespace() + "/" + pod.name())
                    .setDetail(message).putAttributes("type", type));
            if (reason.equals("Deleted")) {
                targets.remove(pod.id());
            }
        }

        @Override
        public void onStatus(PodRecord pod) {
            // The status changed (phase, readiness, restarts): watchers (the workbenches' pod tables) list again
            // on this instead of polling; readiness flips have no Kubernetes event of their own.
            var st = pod.status();
            events.publish(Event.newBuilder().setTime(TraceEvent.Clock.nowNanos()).setType("pod.status")
                    .setObjectKind("pod").setObjectId(pod.id()).setObjectName(pod.namespace() + "/" + pod.name())
                    .setDetail(st == null ? "" : st.phase() + ", ready " + st.readyColumn() + ", restarts " + st.restarts()));
            if (pod.sandbox() != null && !targets.containsKey(pod.id()) && engine.cgroups().exists(pod.sandbox().cgroupParent())) {
                targets.put(pod.id(), new MetricsSampler.Target(pod.id(), engine.cgroups().open(pod.sandbox().cgroupParent())));
            }
            for (String id : pod.containerIds().values()) {
                if (!watchers.containsKey(id)) {
                    try {
                        track(engine.inspect(id));
                    } catch (RuntimeException gone) {
                        // Replaced meanwhile: the next status names the new instance.
                    }
                }
            }
        }

        @Override
        public void onTrace(PodRecord pod, TraceEvent e) {
            events.publish(Event.newBuilder().setTime(e.startNanos()).setDurationNanos(e.durationNanos()).setType("step")
                    .setObjectKind("pod").setObjectId(pod.id()).setObjectName(pod.namespace() + "/" + pod.name())
                    .setStep(Wire.nz(e.step())).setDetail(Wire.nz(e.detail())).putAttributes("source", Wire.nz(e.source())));
        }
    }

    public PodManager pods() {
        return pods;
    }

    /** Makes and removes pod sandboxes (namespaces, CNI, network files, pod cgroup): shared with the CRI bridge. */
    public PodSandbox sandboxes() {
        return sandboxes;
    }

    /** The pod network (CNI). */
    public CniNetwork network() {
        return network;
    }

    /**
     * Takes the state root's lock, reconciles, starts watching and sampling, and serves on the configured
     * socket.
     *
     * @throws EngineLock.EngineRunningException when another service owns the state root
     */
    public static EngineService start(EngineSettings settings) {
        return start(settings, CgroupManagers.host());
    }

    public static EngineService start(EngineSettings settings, CgroupManager cgroups) {
        return start(settings, cgroups, DefaultNetwork.PODLAB);
    }

    /**
     * @param defaultNetwork the pod network used when the CNI directory holds no configuration (tests give each
     *                       run its own bridge and subnet)
     */
    public static EngineService start(EngineSettings settings, CgroupManager cgroups, DefaultNetwork defaultNetwork) {
        EngineLock lock = EngineLock.acquire(settings.stateRoot());
        EngineService service = null;
        try {
            service = new EngineService(settings, lock, cgroups, defaultNetwork);
            service.watchAll();
            for (String resumed : service.pods.resume()) {
                service.publish("engine.resumed", "pod", "", "", resumed);
            }
            service.sampler.start();
            service.serve();
            service.startExtensions();
            service.publish("engine.started", "engine", "", "", "podlab " + Versions.podlab() + " serving on "
                    + settings.socket() + (settings.cri().enabled() ? ", CRI on " + settings.cri().socket() : "")
                    + (service.repaired.isEmpty() ? ""
                    : "; repaired " + service.repaired.size() + " record(s) at start"));
            return service;
        } catch (RuntimeException e) {
            if (service != null) {
                service.close();
            } else {
                lock.close();
            }
            throw e;
        }
    }

    public EngineSettings settings() {
        return settings;
    }

    public ContainerEngine engine() {
        return engine;
    }

    public ImageService images() {
        return images;
    }

    public EventHub events() {
        return events;
    }

    public MetricsSampler sampler() {
        return sampler;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** What the reconcile at start repaired. */
    public List<String> repaired() {
        return repaired;
    }

    public Path socket() {
        return settings.socket();
    }

    // ---- serving ------------------------------------------------------------------------------

    private void serve() {
        boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        server = UnixSocketServer.start(settings.socket(), "the podlab API", boss, workers, requests, List.of(
                new EngineApi(this), new ContainersApi(this), new ImagesApi(this), new EventsApi(this),
                new MetricsApi(this), new PodsApi(this)));
    }

    /**
     * Serves more gRPC services on another unix socket (mode 0600, same event loops and request threads): how an
     * {@link EngineExtension} such as the CRI bridge is reached. The caller shuts the server down.
     */
    public Server serveExtra(Path socket, String what, List<io.grpc.BindableService> services) {
        return UnixSocketServer.start(socket, what, boss, workers, requests, services);
    }

    /** Adds pods an extension runs to Pods.List; closing the result removes them again. */
    public AutoCloseable addPodSource(PodSource source) {
        podSources.add(source);
        return () -> podSources.remove(source);
    }

    List<PodSource> podSources() {
        return podSources;
    }

    private void startExtensions() {
        boolean cri = false;
        for (EngineExtension x : ServiceLoader.load(EngineExtension.class)) {
            if (x.enabled(settings)) {
                extensions.add(x.start(this));
                cri |= x.name().equals("cri");
            }
        }
        if (settings.cri().enabled() && !cri) {
            throw new PodlabException("failed to start the CRI bridge on " + settings.cri().socket()
                    + ": the cri-bridge module is not on the class path");
        }
    }

    /** Blocks until the service is closed (by {@link #close()} or the shutdown hook). */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Stops serving and sampling. Containers keep running under their shims; their records are on disk
     * (every state change is written when it happens), so nothing needs flushing but the event stream.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable x : extensions) {
            try {
                x.close();
            } catch (Exception e) {
                LOG.warn("failed to stop an engine extension: {}", e.toString());
            }
        }
        if (server != null) {
            publish("engine.stopping", "engine", "", "", "shutting down; containers keep running under their shims");
            server.shutdown();
            try {
                if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                    server.awaitTermination(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                server.shutdownNow();
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(settings.socket());
            } catch (IOException e) {
                LOG.warn("failed to remove socket {}: {}", settings.socket(), e.toString());
            }
        }
        sampler.close();
        pods.close();
        network.close();
        journal.journal().close();
        watchers.values().forEach(Thread::interrupt);
        // VMs run on (as containers do under their shims); their control channels close with the engine.
        engine.runtimes().detach();
        requests.shutdownNow();
        if (boss != null) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        try {
            traceSubscription.close();
        } catch (Exception e) {
            LOG.debug("trace listener: {}", e.toString());
        }
        lock.close();
    }

    // ---- container bookkeeping ----------------------------------------------------------------

    private void watchAll() {
        for (ContainerRecord r : engine.list()) {
            track(r);
        }
    }

    /**
     * Samples and watches a live container; forgets an exited one. Called after every state change, also by
     * extensions that drive the engine directly (the CRI bridge), so their containers' exits become events.
     */
    public void track(ContainerRecord r) {
        track(r, true);
    }

    /**
     * @param watch whether to wait for its exit now: not right after create, so that a container which exits
     *              at once is reported started before it is reported exited
     */
    void track(ContainerRecord r, boolean watch) {
        boolean live = r.status() == ContainerStatus.CREATED || r.status() == ContainerStatus.RUNNING;
        if (live && r.cgroupPath() != null) {
            targets.computeIfAbsent(r.id(), id -> new MetricsSampler.Target(id, engine.cgroups().open(r.cgroupPath()),
                    engine.statsSource(r).orElse(null)));
        } else {
            targets.remove(r.id());
        }
        if (live && watch && !closed) {
            watchers.computeIfAbsent(r.id(), id -> Thread.ofVirtual().name("exit-watch-" + r.shortId())
                    .start(() -> watchExit(id)));
        }
    }

    /** Stops sampling and watching a removed container. */
    public void forget(String id) {
        targets.remove(id);
        Thread t = watchers.remove(id);
        if (t != null) {
            t.interrupt();
        }
    }

    /** Reports a container's exit (once: from its watcher, or from start when it was over before). */
    void exited(ContainerRecord r) {
        if (r.exit() == null || !reportedExits.add(r.id())) {
            return;
        }
        ExitRecord e = r.exit();
        publish("container.exited", "container", r.id(), name(r), "exit code " + e.exitCode()
                + (e.signal() != 0 ? ", signal " + e.signal() : "") + (e.oomKilled() ? ", OOMKilled" : ""));
        targets.remove(r.id());
    }

    private void watchExit(String id) {
        try {
            Optional<ExitRecord> exit = engine.await(id, Duration.ofDays(36_500));
            if (exit.isPresent() && !closed) {
                exited(engine.inspect(id));
            }
        } catch (RuntimeException e) {
            if (!closed && !Thread.currentThread().isInterrupted()) {
                // The shim vanished or the container was removed meanwhile: the record says which.
                LOG.debug("exit watch of {} ended: {}", id, e.toString());
                try {
                    ContainerRecord r = engine.inspect(id);
                    if (r.status() == ContainerStatus.UNKNOWN) {
                        publish("container.unknown", "container", id, name(r), r.reason());
                    }
                } catch (RuntimeException gone) {
                    // Removed: nothing left to report.
                }
                targets.remove(id);
            }
        } finally {
            watchers.remove(id, Thread.currentThread());
        }
    }

    // ---- events -------------------------------------------------------------------------------

    private void onTrace(String containerId, TraceEvent e) {
        events.publish(Event.newBuilder()
                .setTime(e.startNanos())
                .setDurationNanos(e.durationNanos())
                .setType("step")
                .setObjectKind("container")
                .setObjectId(containerId)
                .setStep(Wire.nz(e.step()))
                .setDetail(Wire.nz(e.detail()))
                .putAttributes("source", Wire.nz(e.source())));
    }

    Event publish(String type, String kind, String id, String name, String detail) {
        return events.publish(Event.newBuilder()
                .setTime(TraceEvent.Clock.nowNanos())
                .setType(type)
                .setObjectKind(kind)
                .setObjectId(id)
                .setObjectName(Wire.nz(name))
                .setDetail(Wire.nz(detail)));
    }

    static String name(ContainerRecord r) {
        return r.name() != null ? r.name() : r.shortId();
    }
}
