package dev.podlab.core.container;

import dev.podlab.core.PodlabException;
import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.cgroup.DeviceRule;
import dev.podlab.core.cgroup.OomCounter;
import dev.podlab.core.container.ContainerStatus.Operation;
import dev.podlab.core.events.EventLog;
import dev.podlab.core.events.TraceSink;
import dev.podlab.core.events.StepTimer;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.metrics.StatsSource;
import dev.podlab.core.oci.RuntimeSpec;
import dev.podlab.core.oci.SpecGenerator;
import dev.podlab.core.rootfs.OverlaySnapshotter;
import dev.podlab.core.rootfs.RootfsPopulator;
import dev.podlab.core.rootfs.WritableLayer;
import dev.podlab.core.runtime.ResizeFifo;
import dev.podlab.core.runtime.RuntimeCatalog;
import dev.podlab.core.runtime.RuntimeHandler;
import dev.podlab.core.runtime.SandboxVm;
import dev.podlab.core.runtime.RuntimeUnavailableException;
import dev.podlab.core.runtime.builtin.SeccompCache;
import dev.podlab.core.runtime.builtin.ShimBinary;
import dev.podlab.core.runtime.builtin.ShimClient;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.state.FileTrees;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The built-in container engine: creates containers from a {@link ContainerConfig}, runs
 * them under podlab-shim and keeps their records. State lives on disk, so any number of
 * engine instances (CLI invocations, the future engine service) see the same containers;
 * each refreshes a record from reality (shim alive? exit record written?) when it reads it.
 */
public final class ContainerEngine {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    private final EngineConfig config;
    private final ContainerStore store;
    private final CgroupManager cgroups;
    private final OverlaySnapshotter snapshots = new OverlaySnapshotter();
    private final SpecGenerator specs;
    private final Path shim;
    private final RuntimeCatalog runtimes;
    private final List<BiConsumer<String, TraceEvent>> traceListeners = new CopyOnWriteArrayList<>();

    public ContainerEngine(EngineConfig config) {
        this.config = config;
        this.store = new ContainerStore(config.root());
        this.cgroups = config.cgroups();
        this.specs = new SpecGenerator(new SpecGenerator.HostFacts(cgroups.layout().version(),
                HostInfo.nofileHardLimit()));
        this.shim = ShimBinary.locate(config.root());
        this.runtimes = RuntimeCatalog.open(config.root(), shim, SeccompCache.forShim(config.root(), shim), cgroups,
                config.cgroupParent(), config.runtimeClasses());
    }

    /** The runtimes containers can be created on, with the verdict whether each works here. */
    public RuntimeCatalog runtimes() {
        return runtimes;
    }

    public EngineConfig config() {
        return config;
    }

    public CgroupManager cgroups() {
        return cgroups;
    }

    // ---- create / start / run -------------------------------------------------------------

    public ContainerRecord create(ContainerConfig request) {
        return create(request, null);
    }

    /**
     * Creates a container; {@code populator} (may be null) fills a private copy of the rootfs
     * when its layers cannot be stacked by overlayfs.
     */
    public ContainerRecord create(ContainerConfig request, RootfsPopulator populator) {
        validate(request);
        // Before anything is made: a runtime that does not work here fails fast with its reason.
        RuntimeHandler runtime = runtimes.require(request.runtime());
        runtime.check(request);
        try (var lock = store.lock()) {
            String name = request.name();
            if (name != null && findByName(name).isPresent()) {
                throw new NameInUseException("failed to create container " + name + ": the name is already in use");
            }
            String id = newId();
            String display = name != null ? name : id.substring(0, 12);
            Path dir = store.containerDir(id);
            Deque<Runnable> rollback = new ArrayDeque<>();
            try {
                Files.createDirectories(dir);
                rollback.push(() -> deleteTree(dir));
                EventLog events = new EventLog(dir.resolve("events.jsonl"), forwardTo(id));
                StepTimer timer = new StepTimer(events);

                String unstackable = populator != null && !populator.overlayReady()
                        ? "the layers were unpacked without overlay whiteouts"
                        : snapshots.unusable(request.layers(), dir);
                OverlaySnapshotter.Snapshot snap;
                if (unstackable == null) {
                    snap = timer.time("mount rootfs", "overlay of " + request.layers().size() + " layer(s), top "
                            + request.rootfs() + ", upperdir " + dir.resolve("upper"),
                            () -> snapshots.mount(request.layers(), dir));
                } else if (populator != null) {
                    snap = timer.time("copy rootfs", "overlay unusable (" + unstackable + "): layers applied into "
                            + dir.resolve("rootfs"), () -> snapshots.copy(dir, populator));
                } else {
                    throw new ContainerException("failed to create container " + display + ": " + unstackable);
                }
                rollback.push(() -> snapshots.unmount(dir));

                String cgroupPath = (request.cgroupParent() != null ? request.cgroupParent() : config.cgroupParent())
                        + "/" + id;
                // Absolute (from the hierarchy roots), so an OCI runtime uses the very cgroup podlab creates.
                SpecGenerator.Result generated = timer.time("generate config.json", "OCI runtime spec "
                        + RuntimeSpec.OCI_VERSION, () -> specs.generate(id, request, snap.merged().toString(),
                                "/" + cgroupPath));
                RuntimeSpec spec = generated.spec();
                writeFile(dir.resolve("config.json"), ContainerStore.JSON.writeValueAsBytes(spec));
                List<String> warnings = new ArrayList<>(generated.warnings());

                Cgroup cgroup = timer.time("create cgroup", cgroups.layout().version() + " " + cgroupPath,
                        () -> cgroups.create(cgroupPath, request.resources()));
                rollback.push(() -> {
                    cgroups.killAll(cgroup);
                    cgroups.destroy(cgroup);
                });
                List<DeviceRule> deviceRules = deviceRules(spec);
                boolean enforced = timer.time("apply device rules", deviceRules.size() + " rules, deny by default",
                        () -> cgroups.applyDevices(cgroup, deviceRules));
                if (!enforced) {
                    warnings.add("the devices allowlist is not enforced on this cgroup " + cgroups.layout().version()
                            + " host (it needs an eBPF program podlab does not load yet)");
                }
                warnings.forEach(w -> events.accept(TraceEvent.instant("engine", "warning", w)));

                Path log = request.logPath() != null ? Path.of(request.logPath()) : dir.resolve("container.log");
                if (request.logPath() != null) {
                    // A CRI client names the file (under the pod's log directory); the shim only opens it.
                    Files.createDirectories(log.getParent());
                }
                Optional<OomCounter> oom = cgroups.oomCounter(cgroup);
                RuntimeHandler.Target target = new RuntimeHandler.Target(id, display, dir);
                var launch = new RuntimeHandler.Launch(target, spec, snap.merged(), cgroups.procsFiles(cgroup),
                        oom.map(OomCounter::file).orElse(null),
                        oom.map(o -> o.format().name().toLowerCase()).orElse(null), log, request.stdin(),
                        request.stdinOnce());
                // Pushed before create: a create that fails half-way may leave runtime state behind.
                rollback.push(() -> runtime.delete(target));
                RuntimeHandler.Created created = timer.time("run shim create", runtime.info().name() + " via "
                        + shim, () -> runtime.create(launch));
                created.steps().forEach(events);
                warnings.addAll(created.warnings());
                created.warnings().forEach(w -> events.accept(TraceEvent.instant("shim", "warning", w)));

                ContainerRecord record = new ContainerRecord(id, name, request.runtime(), ContainerStatus.CREATED, request,
                        TraceEvent.Clock.nowNanos(), created.shimPid(), created.initPid(), cgroupPath,
                        log.toString(), null, null, warnings);
                store.save(record, true);
                events.accept(TraceEvent.instant("engine", "created", "init pid " + created.initPid()
                        + ", shim pid " + created.shimPid()));
                events.flush();
                return record;
            } catch (RuntimeException | IOException e) {
                undo(rollback, e);
                if (e instanceof ContainerException ce) {
                    throw ce;
                }
                throw new ContainerException(PodlabException.failed("create container", display, e), e);
            }
        }
    }

    public ContainerRecord start(String ref) {
        ContainerRecord r = resolve(ref);
        r.status().check(Operation.START, display(r));
        List<TraceEvent> steps;
        try (EventLog events = events(r)) {
            steps = new StepTimer(events).time("start", "init execs " + r.config().command().get(0),
                    () -> handler(r).start(target(r)));
            steps.forEach(events);
        }
        try (var lock = store.lock()) {
            ContainerRecord running = refresh(store.load(r.id()).orElse(r).withStatus(ContainerStatus.RUNNING));
            store.save(running);
            return running;
        }
    }

    /** Create and start. A failed start leaves the container (and its exit record) for inspection. */
    public ContainerRecord run(ContainerConfig request) {
        return start(create(request).id());
    }

    /**
     * Attaches to a created or running container's stdin, stdout and stderr (docs/shim.md, {@code attach}); see
     * {@link dev.podlab.core.runtime.AttachSession}. Its stdin is open only when it was created with
     * {@link ContainerConfig#stdin()}; a terminal container has one stream and takes resizes.
     */
    public dev.podlab.core.runtime.AttachSession attach(String ref, dev.podlab.core.runtime.AttachSession.Listener listener) {
        ContainerRecord r = resolve(ref);
        if (r.status() != ContainerStatus.CREATED && r.status() != ContainerStatus.RUNNING) {
            throw new WrongStateException("failed to attach to container " + display(r) + ": it is "
                    + r.status().name().toLowerCase(java.util.Locale.ROOT));
        }
        return handler(r).attach(target(r), listener);
    }

    // ---- signals, stop, wait ----------------------------------------------------------------

    public void kill(String ref, int signal) {
        ContainerRecord r = resolve(ref);
        r.status().check(Operation.KILL, display(r));
        handler(r).kill(target(r), signal);
        try (EventLog events = events(r)) {
            events.accept(TraceEvent.instant("engine", "signal", "sent signal " + signal + " to init"));
        }
    }

    /**
     * Makes the container's shim reopen its log file, so a log rotator can rename the file and new lines go to a
     * fresh one at the original path (what CRI's ReopenContainerLog asks).
     */
    public void reopenLog(String ref) {
        ContainerRecord r = resolve(ref);
        r.status().check(Operation.REOPEN_LOG, display(r));
        handler(r).reopenLog(target(r));
        try (EventLog events = events(r)) {
            events.accept(TraceEvent.instant("engine", "reopen-log", "log file reopened"));
        }
    }

    /**
     * SIGTERM, then SIGKILL when the container is still alive after {@code grace}. A PID 1
     * without a SIGTERM handler ignores SIGTERM (kernel rule for namespace init), which is
     * exactly why the escalation exists.
     */
    public ContainerRecord stop(String ref, Duration grace) {
        ContainerRecord r = resolve(ref);
        r.status().check(Operation.STOP, display(r));
        if (r.status() == ContainerStatus.EXITED || r.status() == ContainerStatus.UNKNOWN) {
            return r;
        }
        RuntimeHandler c = handler(r);
        RuntimeHandler.Target tg = target(r);
        long t0 = System.nanoTime();
        long wall = TraceEvent.Clock.nowNanos();
        int signal = r.status() == ContainerStatus.CREATED ? SIGKILL : SIGTERM;
        try {
            c.kill(tg, signal);
        } catch (ShimClient.ShimUnreachable gone) {
            return inspect(r.id());
        }
        Optional<ExitRecord> exit = c.awaitExit(tg, grace);
        String how = "SIG" + (signal == SIGKILL ? "KILL" : "TERM") + " sufficed";
        if (exit.isEmpty()) {
            try {
                c.kill(tg, SIGKILL);
            } catch (ShimClient.ShimUnreachable gone) {
                // It exited between the timeout and the kill: fine.
            } catch (ContainerException notRunning) {
                // The shim answered "not running": it exited (SIGTERM worked after all) and is writing its exit
                // record. Only a container that is still not done is an error.
                if (c.awaitExit(tg, Duration.ofSeconds(5)).isEmpty()) {
                    throw notRunning;
                }
            }
            exit = c.awaitExit(tg, Duration.ofSeconds(30));
            how = "SIGTERM ignored for " + grace.toMillis() + " ms, escalated to SIGKILL";
        }
        try (EventLog events = events(r)) {
            events.accept(new TraceEvent(wall, System.nanoTime() - t0, "engine", "stop", how));
        }
        if (exit.isEmpty()) {
            throw new ContainerException("failed to stop container " + display(r)
                    + ": it survived SIGKILL for 30 s (stuck in uninterruptible sleep?)");
        }
        return inspect(r.id());
    }

    /** Waits for the container to exit (no polling: the shim answers when it happens). */
    public Optional<ExitRecord> await(String ref, Duration timeout) {
        ContainerRecord r = resolve(ref);
        r.status().check(Operation.WAIT, display(r));
        if (r.exit() != null) {
            return Optional.of(r.exit());
        }
        Optional<ExitRecord> e = handler(r).awaitExit(target(r), timeout);
        if (e.isPresent()) {
            inspect(r.id());
        }
        return e;
    }

    // ---- remove -----------------------------------------------------------------------------

    public void remove(String ref, boolean force) {
        ContainerRecord r = resolve(ref);
        r.status().check(force ? Operation.FORCE_REMOVE : Operation.REMOVE, display(r));
        RuntimeHandler h = handler(r);
        if (r.status() == ContainerStatus.RUNNING || r.status() == ContainerStatus.CREATED) {
            try {
                h.kill(target(r), SIGKILL);
                h.awaitExit(target(r), Duration.ofSeconds(30));
            } catch (ShimClient.ShimUnreachable gone) {
                // Already exited: nothing to kill.
            }
        }
        try (var lock = store.lock()) {
            // The runtime's own record first: runc removes the cgroup it joined, release() the rest.
            h.delete(target(r));
            release(r.id(), r.cgroupPath());
        }
    }

    /** Frees everything a container holds: processes in its cgroup, the cgroup, the rootfs, the directory. */
    private void release(String id, String cgroupPath) {
        Path dir = store.containerDir(id);
        List<String> problems = new ArrayList<>();
        String path = cgroupPath != null ? cgroupPath : config.cgroupParent() + "/" + id;
        try {
            if (cgroups.exists(path)) {
                Cgroup cg = cgroups.open(path);
                cgroups.killAll(cg);
                cgroups.destroy(cg);
            }
        } catch (RuntimeException e) {
            problems.add(PodlabException.describe(e));
        }
        try {
            snapshots.unmount(dir);
        } catch (RuntimeException e) {
            problems.add(PodlabException.describe(e));
        }
        if (problems.isEmpty()) {
            deleteTree(dir);
        } else {
            throw new ContainerException("failed to remove container " + id.substring(0, 12) + ": "
                    + String.join("; ", problems));
        }
    }

    // ---- exec -------------------------------------------------------------------------------

    /** Starts an extra process in the container; the caller owns its stdio and its lifetime. */
    public Process execProcess(String ref, ExecRequest req, ProcessBuilder.Redirect in, ProcessBuilder.Redirect out,
                               ProcessBuilder.Redirect err) {
        return startExec(ref, req, 0, 0, in, out, err).process();
    }

    /**
     * Starts an extra process in the container; with a terminal ({@link ExecRequest#terminal()}) it
     * starts at {@code rows} x {@code columns} (0 when unknown) and follows {@link ExecSession#resize}.
     */
    public ExecSession startExec(String ref, ExecRequest req, int rows, int columns, ProcessBuilder.Redirect in,
                                 ProcessBuilder.Redirect out, ProcessBuilder.Redirect err) {
        ContainerRecord r = resolve(ref);
        r.status().check(Operation.EXEC, display(r));
        RuntimeSpec spec = readSpec(r);
        RuntimeSpec.Process base = spec.process();
        List<String> env = new ArrayList<>(base.env());
        env.addAll(req.env());
        var user = new RuntimeSpec.User(req.uid() != null ? req.uid() : base.user().uid(),
                req.gid() != null ? req.gid() : base.user().gid(), base.user().umask(), base.user().additionalGids());
        var process = new RuntimeSpec.Process(req.terminal() ? Boolean.TRUE : null, user, req.command(), env,
                req.workingDir() != null ? req.workingDir() : base.cwd(), base.capabilities(), base.rlimits(),
                base.noNewPrivileges(), base.oomScoreAdj());
        ResizeFifo fifo = req.terminal() ? ResizeFifo.create(store.containerDir(r.id()), rows, columns) : null;
        Process p;
        try {
            p = handler(r).exec(target(r), new RuntimeHandler.ExecSpec(process, spec.linux().seccomp(),
                    cgroups.procsFiles(cgroups.open(r.cgroupPath())), fifo == null ? null : fifo.path()), in, out, err);
        } catch (RuntimeException e) {
            if (fifo != null) {
                fifo.close();
            }
            throw e;
        }
        if (fifo != null) {
            p.onExit().thenRun(fifo::close);
        }
        try (EventLog events = events(r)) {
            events.accept(TraceEvent.instant("engine", "exec", String.join(" ", req.command())));
        }
        return new ExecSession(p, fifo);
    }

    /** Runs a command to completion (or until {@code timeout}) and collects its output. */
    public ExecResult exec(String ref, ExecRequest req, Duration timeout) {
        Process p = execProcess(ref, req, ProcessBuilder.Redirect.from(new java.io.File("/dev/null")),
                ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Thread t1 = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread t2 = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                // SIGTERM first: an OCI runtime's exec forwards it to the process; the exec shim
                // takes the process with it on any death (PR_SET_PDEATHSIG).
                p.destroy();
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                }
            }
            t1.join();
            t2.join();
            return new ExecResult(done ? p.exitValue() : 137, out.toByteArray(), err.toByteArray(), !done);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ContainerException("failed to exec in container " + ref + ": interrupted", e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // The process was killed (timeout): what was read so far is the result.
        }
    }

    // ---- queries ----------------------------------------------------------------------------

    /** The container's record, brought up to date with what the shim and kernel say. */
    public ContainerRecord inspect(String ref) {
        ContainerRecord r = resolve(ref);
        return r;
    }

    public List<ContainerRecord> list() {
        List<ContainerRecord> out = new ArrayList<>();
        for (String id : store.ids()) {
            store.load(id).map(this::refreshAndSave).ifPresent(out::add);
        }
        out.sort(Comparator.comparingLong(ContainerRecord::createdAt));
        return out;
    }

    public Path logPath(String ref) {
        return Path.of(resolve(ref).logPath());
    }

    public Path containerDir(String ref) {
        return store.containerDir(resolve(ref).id());
    }

    public List<TraceEvent> trace(String ref) {
        return events(resolve(ref)).read();
    }

    public String configJson(String ref) {
        try {
            return Files.readString(store.containerDir(resolve(ref).id()).resolve("config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Namespace of the container's init as the kernel names it ("net:[4026532281]"), by type. */
    public Map<String, String> namespaces(String ref) {
        ContainerRecord r = resolve(ref);
        Map<String, String> out = new LinkedHashMap<>();
        if (r.status() != ContainerStatus.RUNNING && r.status() != ContainerStatus.CREATED) {
            return out;
        }
        for (String ns : List.of("pid", "mnt", "net", "uts", "ipc", "cgroup", "user", "time")) {
            try {
                out.put(ns, Files.readSymbolicLink(Path.of("/proc/" + r.initPid() + "/ns/" + ns)).toString());
            } catch (IOException e) {
                // The process exited meanwhile or the kernel lacks this namespace type.
            }
        }
        return out;
    }

    /** The micro-VM the container runs in (kvm runtime); empty on the host's kernel or once it stopped. */
    public Optional<SandboxVm> vm(String ref) {
        ContainerRecord r = resolve(ref);
        return handler(r).vm(target(r));
    }

    /** What the container wrote, added and deleted on top of its layers (as {@code docker diff}). */
    public List<WritableLayer.Change> changes(String ref) {
        ContainerRecord r = resolve(ref);
        return WritableLayer.changes(OverlaySnapshotter.layout(store.containerDir(r.id())).upper(), r.config().layers());
    }

    public Map<String, Path> cgroupDirectories(String ref) {
        return cgroup(ref).map(Cgroup::directories).orElse(Map.of());
    }

    /** The container's cgroup as it is now, empty once it is gone (removed, or never created). */
    public Optional<Cgroup> cgroup(String ref) {
        ContainerRecord r = resolve(ref);
        if (r.cgroupPath() == null || !cgroups.exists(r.cgroupPath())) {
            return Optional.empty();
        }
        return Optional.of(cgroups.open(r.cgroupPath()));
    }

    // ---- reconcile --------------------------------------------------------------------------

    /** What a reconcile pass found and repaired, for the trace and for the user. */
    public record ReconcileReport(List<String> repaired) {}

    /**
     * Brings records in line with reality after podlab (or the machine) went away: records
     * whose shim died get their exit record or become unknown, half-made containers (no
     * state file: a crash during create) are dismantled.
     */
    public ReconcileReport reconcile() {
        List<String> repaired = new ArrayList<>();
        try (var lock = store.lock()) {
            // First, runtimes with state of their own (VMs) drop what belongs to records that are gone:
            // a VM's share still binds such a container's directory, which could not be deleted below.
            Set<String> live = store.ids().stream().filter(id -> store.load(id).isPresent())
                    .collect(java.util.stream.Collectors.toUnmodifiableSet());
            for (RuntimeHandler h : runtimes.handlers()) {
                try {
                    repaired.addAll(h.reapOrphans(live));
                } catch (RuntimeException e) {
                    repaired.add("runtime " + h.info().name() + " could not reap its orphans: "
                            + PodlabException.describe(e));
                }
            }
            for (String id : store.ids()) {
                Optional<ContainerRecord> rec = store.load(id);
                if (rec.isEmpty()) {
                    Path dir = store.containerDir(id);
                    // A create in progress in another process holds the lock, so this one is abandoned.
                    new ShimClient(shim, dir).readExit();
                    killShimOf(dir);
                    // Which runtime it was is unknown without a record: ask each OCI runtime to forget it.
                    for (var oci : runtimes.ociRuntimes()) {
                        try {
                            oci.delete(new RuntimeHandler.Target(id, id.substring(0, 12), dir));
                        } catch (RuntimeException e) {
                            repaired.add("runtime " + oci.info().name() + " kept " + id.substring(0, 12) + ": "
                                    + e.getMessage());
                        }
                    }
                    release(id, null);
                    repaired.add("removed half-created container " + id.substring(0, 12));
                    continue;
                }
                ContainerRecord before = rec.get();
                ContainerRecord after = refreshAndSave(before);
                if (after.status() != before.status()) {
                    repaired.add("container " + display(after) + ": " + before.status().display() + " -> "
                            + after.status().display() + (after.reason() != null ? " (" + after.reason() + ")" : ""));
                }
            }
        }
        return new ReconcileReport(repaired);
    }

    private void killShimOf(Path dir) {
        try {
            int pid = Integer.parseInt(Files.readString(dir.resolve("shim.pid")).strip());
            if (HostInfo.isProcess(pid, "podlab-shim")) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // No shim pid recorded: the shim never started.
        }
    }

    // ---- internals --------------------------------------------------------------------------

    private ContainerRecord refreshAndSave(ContainerRecord r) {
        ContainerRecord fresh = refresh(r);
        if (fresh != r) {
            try (var lock = store.lock()) {
                store.save(fresh);
            }
        }
        return fresh;
    }

    /** Derives the real status: an exit record wins; a live shim means as recorded; else unknown. */
    private ContainerRecord refresh(ContainerRecord r) {
        if (r.status() == ContainerStatus.EXITED) {
            return r;
        }
        ShimClient c = client(r);
        Optional<ExitRecord> exit = c.readExit();
        if (exit.isPresent()) {
            ExitRecord e = exit.get();
            return r.withExit(e, e.reason());
        }
        if (supervised(r)) {
            return r;
        }
        // The shim may have written exit.json between our read and its exit.
        exit = c.readExit();
        if (exit.isPresent()) {
            return r.withExit(exit.get(), exit.get().reason());
        }
        return r.status() == ContainerStatus.UNKNOWN ? r
                : r.withUnknown("the shim (pid " + r.shimPid() + ") is gone and left no exit record");
    }

    private boolean supervised(ContainerRecord r) {
        try {
            return handler(r).supervised(target(r), r.shimPid());
        } catch (RuntimeUnavailableException e) {
            // A runtime no longer configured: only a host shim can still be asked.
            return HostInfo.isProcess(r.shimPid(), "podlab-shim");
        }
    }

    /**
     * Where the metrics sampler reads the container's counters when its runtime knows them better
     * than the host cgroup (a VM's guest cgroup); empty: the host cgroup.
     */
    public Optional<StatsSource> statsSource(ContainerRecord r) {
        return handler(r).statsSource(target(r));
    }

    private ContainerRecord resolve(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new NotFoundException("(empty name)");
        }
        if (store.exists(ref)) {
            Optional<ContainerRecord> byId = store.load(ref);
            if (byId.isPresent()) {
                return refreshAndSave(byId.get());
            }
        }
        Optional<ContainerRecord> byName = findByName(ref);
        if (byName.isPresent()) {
            return refreshAndSave(byName.get());
        }
        List<String> matches = store.ids().stream().filter(id -> id.startsWith(ref)).toList();
        if (matches.size() > 1) {
            throw new ContainerException("failed to find container " + ref + ": the prefix matches " + matches.size()
                    + " containers");
        }
        if (matches.isEmpty()) {
            throw new NotFoundException(ref);
        }
        return store.load(matches.get(0)).map(this::refreshAndSave).orElseThrow(() -> new NotFoundException(ref));
    }

    private Optional<ContainerRecord> findByName(String name) {
        for (String id : store.ids()) {
            Optional<ContainerRecord> r = store.load(id);
            if (r.isPresent() && name.equals(r.get().name())) {
                return r;
            }
        }
        return Optional.empty();
    }

    private void validate(ContainerConfig c) {
        if (c.name() != null && !NAME.matcher(c.name()).matches()) {
            throw new InvalidConfigException("failed to create container: invalid name \"" + c.name()
                    + "\" (letters, digits, '_', '.', '-'; starting with a letter or digit)");
        }
        if (c.layers().isEmpty()) {
            throw new InvalidConfigException("failed to create container: no rootfs given");
        }
        for (Path rootfs : c.layers()) {
            if (!Files.isDirectory(rootfs)) {
                throw new InvalidConfigException("failed to create container: rootfs " + rootfs
                        + (Files.exists(rootfs) ? " is not a directory" : " does not exist"));
            }
        }
        for (VolumeMount v : c.volumes()) {
            if (!Files.exists(v.source())) {
                throw new InvalidConfigException("failed to create container: volume source " + v.source()
                        + " does not exist");
            }
        }
        CgroupResources res = c.resources();
        if (res == null) {
            throw new InvalidConfigException("failed to create container: no resources given");
        }
    }

    static List<DeviceRule> deviceRules(RuntimeSpec spec) {
        if (spec.linux().resources() == null || spec.linux().resources().devices() == null) {
            return List.of();
        }
        return spec.linux().resources().devices().stream()
                .map(d -> new DeviceRule(d.allow(), d.type() == null ? 'a' : d.type().charAt(0), d.major(), d.minor(),
                        d.access() == null ? "rwm" : d.access()))
                .toList();
    }

    private ShimClient client(ContainerRecord r) {
        return new ShimClient(shim, store.containerDir(r.id()));
    }

    /** The handler of an existing container: no probe, it must stay manageable whatever the verdict now. */
    private RuntimeHandler handler(ContainerRecord r) {
        return runtimes.handler(r.runtime() != null ? r.runtime() : ContainerConfig.DEFAULT_RUNTIME);
    }

    private RuntimeHandler.Target target(ContainerRecord r) {
        return new RuntimeHandler.Target(r.id(), display(r), store.containerDir(r.id()));
    }

    private EventLog events(ContainerRecord r) {
        return new EventLog(store.containerDir(r.id()).resolve("events.jsonl"), forwardTo(r.id()));
    }

    private TraceSink forwardTo(String id) {
        return traceListeners.isEmpty() ? null : event -> traceListeners.forEach(l -> l.accept(id, event));
    }

    /**
     * Every trace event of every container, as it is recorded (the engine service turns them into its event
     * stream). Listeners run on the caller's thread and must not block.
     */
    public AutoCloseable onTrace(BiConsumer<String, TraceEvent> listener) {
        traceListeners.add(listener);
        return () -> traceListeners.remove(listener);
    }

    private RuntimeSpec readSpec(ContainerRecord r) {
        try {
            return ContainerStore.JSON.readValue(store.containerDir(r.id()).resolve("config.json").toFile(),
                    RuntimeSpec.class);
        } catch (IOException e) {
            throw new ContainerException(PodlabException.failed("read config.json of container", display(r), e), e);
        }
    }

    private static String display(ContainerRecord r) {
        return r.name() != null ? r.name() : r.shortId();
    }

    private static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Not fsync'd: until state.json is written durably these files belong to a create in progress. */
    private static void writeFile(Path p, byte[] content) throws IOException {
        AtomicFiles.write(p, content, false);
    }

    private static void undo(Deque<Runnable> rollback, Exception cause) {
        while (!rollback.isEmpty()) {
            try {
                rollback.pop().run();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    static void deleteTree(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
            throw new ContainerException("failed to delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
