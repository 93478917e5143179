package dev.podlab.api.server;

import com.google.protobuf.ByteString;
import dev.podlab.api.v1.AttachInput;
import dev.podlab.api.v1.AttachOutput;
import dev.podlab.api.v1.Change;
import dev.podlab.api.v1.ChangesResponse;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.ContainerReply;
import dev.podlab.api.v1.ContainersGrpc;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.ExecInput;
import dev.podlab.api.v1.ExecOutput;
import dev.podlab.api.v1.ExecStart;
import dev.podlab.api.v1.ExecSyncRequest;
import dev.podlab.api.v1.ExecSyncResponse;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.InspectContainerResponse;
import dev.podlab.api.v1.KillContainerRequest;
import dev.podlab.api.v1.ListContainersRequest;
import dev.podlab.api.v1.ListContainersResponse;
import dev.podlab.api.v1.LogEntry;
import dev.podlab.api.v1.LogsRequest;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.RemoveContainerResponse;
import dev.podlab.api.v1.StopContainerRequest;
import dev.podlab.api.v1.VirtualMachine;
import dev.podlab.api.v1.WaitContainerRequest;
import dev.podlab.api.v1.WaitContainerResponse;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.container.HostInfo;
import dev.podlab.core.runtime.AttachSession;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExecResult;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.pod.PodException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.image.run.ImageDefaults;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.rootfs.RootfsPopulator;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** podlab.v1.Containers over the engine: parse the request, call the engine, translate the answer. */
final class ContainersApi extends ContainersGrpc.ContainersImplBase {
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);
    private static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(60);
    private final EngineService service;
    private final ContainerEngine engine;

    ContainersApi(EngineService service) {
        this.service = service;
        this.engine = service.engine();
    }

    private static String ref(String id) {
        if (id == null || id.isBlank()) {
            throw new InvalidConfigException("failed to find container: no id or name given");
        }
        return id;
    }

    @Override
    public void create(CreateContainerRequest req, StreamObserver<ContainerReply> out) {
        Errors.unary(out, () -> {
            ContainerRecord r = createContainer(req);
            service.publish("container.created", "container", r.id(), EngineService.name(r),
                    r.config().image() != null ? r.config().image() : r.config().rootfs().toString());
            service.track(r, false);
            return ContainerReply.newBuilder().setContainer(Wire.container(r)).build();
        });
    }

    private ContainerRecord createContainer(CreateContainerRequest req) {
        boolean fromRootfs = !req.getRootfs().isEmpty();
        if (fromRootfs == !req.getImage().isEmpty()) {
            throw new InvalidConfigException("failed to create container: give exactly one of image and rootfs");
        }
        ContainerConfig.Builder b;
        RootfsPopulator populator = null;
        if (fromRootfs) {
            Path rootfs = Path.of(req.getRootfs());
            if (!rootfs.isAbsolute()) {
                throw new InvalidConfigException("failed to create container: rootfs \"" + req.getRootfs()
                        + "\" is not an absolute path");
            }
            if (req.getCommandCount() == 0) {
                throw new InvalidConfigException("failed to create container: no command given for rootfs " + rootfs);
            }
            List<String> command = req.getEntrypointCount() > 0
                    ? concat(req.getEntrypointList(), req.getCommandList()) : req.getCommandList();
            b = ContainerConfig.builder(rootfs, command)
                    .workingDir(req.getWorkingDir().isEmpty() ? "/" : req.getWorkingDir());
            if (!req.getUser().isEmpty()) {
                int[] ug = numericUser(req.getUser());
                b.user(ug[0], ug[1]);
            }
        } else {
            ImageService images = service.images();
            ImageRecord image = image(images, req.getImage(), req.getPullIfMissing());
            var overrides = new ImageDefaults.Overrides(
                    req.getEntrypointCount() > 0 ? req.getEntrypointList() : null,
                    req.getCommandCount() > 0 ? req.getCommandList() : null,
                    req.getWorkingDir().isEmpty() ? null : req.getWorkingDir(),
                    req.getUser().isEmpty() ? null : req.getUser());
            b = images.containerFrom(image, overrides);
            populator = images.populator(image);
        }
        b.name(req.getName().isEmpty() ? null : req.getName())
                .env(req.getEnvList())
                .hostname(req.getHostname().isEmpty() ? null : req.getHostname())
                .terminal(req.getTty())
                .stdin(req.getStdin() || req.getStdinOnce())
                .stdinOnce(req.getStdinOnce())
                .readOnlyRootfs(req.getReadOnlyRootfs());
        req.getVolumesList().forEach(v -> b.volume(new VolumeMount(Path.of(v.getSource()), v.getDestination(),
                v.getReadOnly())));
        req.getLabelsList().forEach(l -> b.label(l.getKey(), l.getValue()));
        if (req.hasResources()) {
            b.resources(Wire.resources(req.getResources()));
        }
        b.runtime(req.getRuntime().isEmpty() ? service.settings().defaultRuntime() : req.getRuntime());
        ContainerConfig config = b.build();
        return populator == null ? engine.create(config) : engine.create(config, populator);
    }

    private ImageRecord image(ImageService images, String ref, boolean pull) {
        try {
            return images.require(ref);
        } catch (RuntimeException missing) {
            if (!pull) {
                throw missing;
            }
            return images.pull(ref, e -> { });
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        var out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static int[] numericUser(String user) {
        String[] ug = user.split(":", 2);
        try {
            int uid = Integer.parseInt(ug[0]);
            int gid = ug.length > 1 ? Integer.parseInt(ug[1]) : uid;
            if (uid < 0 || gid < 0) {
                throw new NumberFormatException();
            }
            return new int[] {uid, gid};
        } catch (NumberFormatException e) {
            throw new InvalidConfigException("failed to parse user \"" + user
                    + "\": expected UID[:GID] as numbers (names need an image's /etc/passwd)");
        }
    }

    @Override
    public void start(ContainerRef req, StreamObserver<ContainerReply> out) {
        Errors.unary(out, () -> {
            ContainerRecord r = engine.start(ref(req.getId()));
            service.publish("container.started", "container", r.id(), EngineService.name(r),
                    "init pid " + r.initPid());
            service.track(r);
            service.exited(r); // a command that ended at once is over before any watcher could wait
            return reply(r);
        });
    }

    @Override
    public void stop(StopContainerRequest req, StreamObserver<ContainerReply> out) {
        Errors.unary(out, () -> {
            if (req.getGraceSeconds() < 0) {
                throw new InvalidConfigException("failed to stop container " + req.getId()
                        + ": grace period " + req.getGraceSeconds() + " s is negative");
            }
            Duration grace = req.getHasGrace() ? Duration.ofSeconds(req.getGraceSeconds()) : DEFAULT_GRACE;
            ContainerRecord r = engine.stop(ref(req.getId()), grace);
            service.publish("container.stopped", "container", r.id(), EngineService.name(r),
                    "grace " + grace.toSeconds() + " s");
            service.track(r);
            return reply(r);
        });
    }

    @Override
    public void kill(KillContainerRequest req, StreamObserver<ContainerReply> out) {
        Errors.unary(out, () -> {
            int signal = req.getSignal() == 0 ? 9 : req.getSignal();
            if (signal < 1 || signal > 64) {
                throw new InvalidConfigException("failed to kill container " + req.getId() + ": signal " + signal
                        + " is not between 1 and 64");
            }
            engine.kill(ref(req.getId()), signal);
            ContainerRecord r = engine.inspect(req.getId());
            service.publish("container.killed", "container", r.id(), EngineService.name(r), "signal " + signal);
            return reply(r);
        });
    }

    @Override
    public void remove(RemoveContainerRequest req, StreamObserver<RemoveContainerResponse> out) {
        Errors.unary(out, () -> {
            ContainerRecord r = engine.inspect(ref(req.getId()));
            engine.remove(r.id(), req.getForce());
            service.forget(r.id());
            service.publish("container.removed", "container", r.id(), EngineService.name(r), "");
            return RemoveContainerResponse.newBuilder().setId(r.id()).build();
        });
    }

    @Override
    public void list(ListContainersRequest req, StreamObserver<ListContainersResponse> out) {
        Errors.unary(out, () -> {
            var b = ListContainersResponse.newBuilder();
            for (ContainerRecord r : engine.list()) {
                if (matches(req, r)) {
                    b.addContainers(Wire.container(r));
                }
            }
            return b.build();
        });
    }

    static boolean matches(ListContainersRequest req, ContainerRecord r) {
        if (!req.getAll() && req.getState().isEmpty() && r.status() == ContainerStatus.EXITED) {
            return false;
        }
        if (!req.getState().isEmpty() && !r.status().name().equalsIgnoreCase(req.getState())) {
            return false;
        }
        if (!req.getName().isEmpty() && (r.name() == null || !r.name().contains(req.getName()))) {
            return false;
        }
        if (!req.getIdPrefix().isEmpty() && !r.id().startsWith(req.getIdPrefix())) {
            return false;
        }
        Map<String, String> labels = r.config().labels();
        for (var l : req.getLabelSelectorList()) {
            if (!l.getValue().equals(labels.get(l.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void inspect(InspectContainerRequest req, StreamObserver<InspectContainerResponse> out) {
        Errors.unary(out, () -> {
            ContainerRecord r = engine.inspect(ref(req.getId()));
            var b = InspectContainerResponse.newBuilder().setContainer(Wire.container(r));
            try {
                b.setRecordJson(dev.podlab.core.state.ContainerStore.JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(r));
            } catch (IOException e) {
                throw new IllegalStateException("failed to encode record of " + r.shortId() + ": " + e, e);
            }
            if (req.getConfigJson()) {
                b.setConfigJson(engine.configJson(r.id()));
            }
            if (req.getTrace()) {
                engine.trace(r.id()).forEach(t -> b.addTrace(Wire.step(t)));
            }
            if (r.status() == ContainerStatus.CREATED || r.status() == ContainerStatus.RUNNING) {
                b.putAllNamespaces(engine.namespaces(r.id()));
                engine.cgroupDirectories(r.id()).forEach((k, v) -> b.putCgroupPaths(k, v.toString()));
                engine.vm(r.id()).ifPresent(vm -> b.setVm(VirtualMachine.newBuilder().setKey(vm.key())
                        .setQemuPid(vm.qemuPid()).setAccelerator(vm.accelerator()).setQemuCgroup(vm.qemuCgroup())
                        .setQemuRssBytes(Math.max(0, HostInfo.rssBytes(vm.qemuPid()))).setGuestKernel(vm.guestKernel())
                        .setAgent(vm.agent()).setBootMillis(vm.bootMillis()).setTemplate(vm.template())));
            }
            return b.build();
        });
    }

    @Override
    public void waitExit(WaitContainerRequest req, StreamObserver<WaitContainerResponse> out) {
        Errors.unary(out, () -> {
            Duration timeout = req.getTimeoutMillis() <= 0 ? Duration.ofDays(36_500)
                    : Duration.ofMillis(req.getTimeoutMillis());
            Optional<ExitRecord> exit = engine.await(ref(req.getId()), timeout);
            return WaitContainerResponse.newBuilder().setExited(exit.isPresent())
                    .setContainer(Wire.container(engine.inspect(req.getId()))).build();
        });
    }

    @Override
    public void logs(LogsRequest req, StreamObserver<LogEntry> plain) {
        var out = (ServerCallStreamObserver<LogEntry>) plain;
        try {
            ContainerRecord named = engine.inspect(ref(req.getId()));
            ContainerRecord r = req.getPrevious() ? engine.inspect(service.pods().previousInstance(named.id())
                    .orElseThrow(() -> new PodException.NotFound("failed to read the logs of the previous instance of "
                            + "container " + named.id().substring(0, 12) + ": none is kept (it has not restarted since "
                            + "the engine started, or it is not a pod's)"))) : named;
            Path log = engine.logPath(r.id());
            long since = req.getSince();
            Function<CriLogLine, LogEntry> entry = l -> LogEntry.newBuilder()
                    .setTime(l.time().getEpochSecond() * 1_000_000_000L + l.time().getNano())
                    .setStream(l.stream())
                    .setPartial(l.partial())
                    .setData(ByteString.copyFrom(l.partial() ? l.text() : l.text() + "\n", StandardCharsets.UTF_8))
                    .build();
            if (!req.getFollow() && req.getTail() > 0) {
                ArrayDeque<LogEntry> last = new ArrayDeque<>(req.getTail());
                LogFollower.read(log, false, () -> true, l -> {
                    LogEntry e = entry.apply(l);
                    if (e.getTime() >= since) {
                        if (last.size() == req.getTail()) {
                            last.removeFirst();
                        }
                        last.addLast(e);
                    }
                });
                last.forEach(out::onNext);
            } else {
                LogFollower.read(log, req.getFollow(), () -> out.isCancelled() || finished(r.id()), l -> {
                    LogEntry e = entry.apply(l);
                    if (e.getTime() >= since && !out.isCancelled()) {
                        out.onNext(e);
                    }
                });
            }
            if (!out.isCancelled()) {
                out.onCompleted();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.CANCELLED.withDescription("log stream interrupted").asRuntimeException());
        } catch (IOException | RuntimeException e) {
            out.onError(Errors.toStatus(e instanceof IOException io
                    ? new dev.podlab.core.container.ContainerException("failed to read log of container "
                    + req.getId() + ": " + io.getMessage(), io) : e));
        }
    }

    private boolean finished(String id) {
        try {
            ContainerStatus s = engine.inspect(id).status();
            return s == ContainerStatus.EXITED || s == ContainerStatus.UNKNOWN;
        } catch (RuntimeException removed) {
            return true;
        }
    }

    @Override
    public void execSync(ExecSyncRequest req, StreamObserver<ExecSyncResponse> out) {
        Errors.unary(out, () -> {
            if (req.getTimeoutMillis() < 0) {
                throw new InvalidConfigException("failed to exec in container " + req.getId()
                        + ": timeout is negative");
            }
            Duration timeout = req.getTimeoutMillis() == 0 ? DEFAULT_EXEC_TIMEOUT
                    : Duration.ofMillis(req.getTimeoutMillis());
            ExecResult r = engine.exec(ref(req.getId()), new ExecRequest(req.getCommandList(), req.getEnvList(),
                    req.getWorkingDir().isEmpty() ? null : req.getWorkingDir(), null, null, false), timeout);
            return ExecSyncResponse.newBuilder().setExitCode(r.exitCode())
                    .setStdout(ByteString.copyFrom(r.stdout())).setStderr(ByteString.copyFrom(r.stderr()))
                    .setTimedOut(r.timedOut()).build();
        });
    }

    @Override
    public StreamObserver<ExecInput> exec(StreamObserver<ExecOutput> plain) {
        return new ExecSession(engine, (ServerCallStreamObserver<ExecOutput>) plain);
    }

    @Override
    public StreamObserver<AttachInput> attach(StreamObserver<AttachOutput> plain) {
        return new AttachRelay(engine, (ServerCallStreamObserver<AttachOutput>) plain);
    }

    @Override
    public void changes(ContainerRef req, StreamObserver<ChangesResponse> out) {
        Errors.unary(out, () -> {
            var b = ChangesResponse.newBuilder();
            engine.changes(ref(req.getId())).forEach(c -> b.addChanges(Change.newBuilder()
                    .setPath(c.path()).setKind(String.valueOf(c.kind())).setSize(c.size())));
            return b.build();
        });
    }

    private static ContainerReply reply(ContainerRecord r) {
        return ContainerReply.newBuilder().setContainer(Wire.container(r)).build();
    }

    /** One interactive exec: the process's pipes relayed over the stream, in both directions. */
    private static final class ExecSession implements StreamObserver<ExecInput> {
        private final ContainerEngine engine;
        private final ServerCallStreamObserver<ExecOutput> out;
        private dev.podlab.core.container.ExecSession session;
        private OutputStream stdin;

        ExecSession(ContainerEngine engine, ServerCallStreamObserver<ExecOutput> out) {
            this.engine = engine;
            this.out = out;
            out.setOnCancelHandler(this::abort);
        }

        @Override
        public synchronized void onNext(ExecInput in) {
            try {
                switch (in.getInputCase()) {
                    case START -> begin(in.getStart());
                    case STDIN -> {
                        requireStarted();
                        stdin.write(in.getStdin().toByteArray());
                        stdin.flush();
                    }
                    case CLOSE_STDIN -> {
                        requireStarted();
                        stdin.close();
                    }
                    case RESIZE -> {
                        requireStarted();
                        session.resize(in.getResize().getRows(), in.getResize().getColumns());
                    }
                    default -> throw new InvalidConfigException("failed to exec: an empty message on the stream");
                }
            } catch (IOException e) {
                // The process closed its stdin (it exited): the exit code follows on the output side.
            } catch (RuntimeException e) {
                abort();
                send(null, e);
            }
        }

        private void requireStarted() {
            if (session == null) {
                throw new InvalidConfigException("failed to exec: the first message must say what to run (start)");
            }
        }

        private void begin(ExecStart s) {
            if (session != null) {
                throw new InvalidConfigException("failed to exec: the stream already runs a command");
            }
            var req = new ExecRequest(s.getCommandList(), s.getEnvList(),
                    s.getWorkingDir().isEmpty() ? null : s.getWorkingDir(), null, null, s.getTty());
            session = engine.startExec(ref(s.getId()), req, s.getSize().getRows(), s.getSize().getColumns(),
                    ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
            Process p = session.process();
            stdin = p.getOutputStream();
            Thread err = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), false));
            Thread.ofVirtual().start(() -> {
                pump(p.getInputStream(), true);
                try {
                    err.join();
                    int code = p.waitFor();
                    send(ExecOutput.newBuilder().setExitCode(code).build(), null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        private void pump(InputStream in, boolean stdout) {
            byte[] buf = new byte[16 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    ByteString data = ByteString.copyFrom(buf, 0, n);
                    send(stdout ? ExecOutput.newBuilder().setStdout(data).build()
                            : ExecOutput.newBuilder().setStderr(data).build(), null);
                }
            } catch (IOException e) {
                // The process went away: what was read has been sent.
            }
        }

        /** StreamObserver is not thread-safe: the two pumps and the input side take turns. */
        private void send(ExecOutput message, RuntimeException error) {
            synchronized (out) {
                if (out.isCancelled()) {
                    return;
                }
                if (error != null) {
                    out.onError(Errors.toStatus(error));
                } else {
                    out.onNext(message);
                    if (message.getOutputCase() == ExecOutput.OutputCase.EXIT_CODE) {
                        out.onCompleted();
                    }
                }
            }
        }

        private synchronized void abort() {
            if (session != null) {
                session.process().destroyForcibly();
            }
        }

        @Override
        public void onError(Throwable t) {
            abort();
        }

        @Override
        public synchronized void onCompleted() {
            // The client is done sending: its stdin ends.
            if (stdin != null) {
                try {
                    stdin.close();
                } catch (IOException e) {
                    // Already closed by the process.
                }
            }
        }
    }

    /** One attach: the shim's attach stream relayed over the call; the call ending detaches. */
    private static final class AttachRelay implements StreamObserver<AttachInput>, AttachSession.Listener {
        private final ContainerEngine engine;
        private final ServerCallStreamObserver<AttachOutput> out;
        private AttachSession session;

        AttachRelay(ContainerEngine engine, ServerCallStreamObserver<AttachOutput> out) {
            this.engine = engine;
            this.out = out;
            out.setOnCancelHandler(this::detach);
        }

        @Override
        public synchronized void onNext(AttachInput in) {
            try {
                if (in.getInputCase() == AttachInput.InputCase.START) {
                    if (session != null) {
                        throw new InvalidConfigException("failed to attach: the stream is attached already");
                    }
                    session = engine.attach(ref(in.getStart().getId()), this);
                    return;
                }
                if (session == null) {
                    throw new InvalidConfigException("failed to attach: the first message must name the container (start)");
                }
                switch (in.getInputCase()) {
                    case STDIN -> {
                        byte[] b = in.getStdin().toByteArray();
                        session.write(b, 0, b.length);
                    }
                    case CLOSE_STDIN -> session.closeStdin();
                    case RESIZE -> session.resize(in.getResize().getRows(), in.getResize().getColumns());
                    default -> throw new InvalidConfigException("failed to attach: an empty message on the stream");
                }
            } catch (RuntimeException e) {
                detach();
                synchronized (out) {
                    if (!out.isCancelled()) {
                        out.onError(Errors.toStatus(e));
                    }
                }
            }
        }

        @Override
        public void output(boolean stderr, byte[] data) {
            ByteString b = ByteString.copyFrom(data);
            send(stderr ? AttachOutput.newBuilder().setStderr(b).build() : AttachOutput.newBuilder().setStdout(b).build());
        }

        @Override
        public void closed(java.util.Optional<ExitRecord> exit) {
            exit.ifPresent(e -> send(AttachOutput.newBuilder().setExitCode(e.exitCode()).build()));
            synchronized (out) {
                if (!out.isCancelled()) {
                    try {
                        out.onCompleted();
                    } catch (IllegalStateException e) {
                        // Completed already (an error was sent): nothing more to say.
                    }
                }
            }
        }

        private void send(AttachOutput m) {
            synchronized (out) {
                if (!out.isCancelled()) {
                    out.onNext(m);
                }
            }
        }

        private synchronized void detach() {
            if (session != null) {
                session.close();
            }
        }

        @Override
        public void onError(Throwable t) {
            detach();
        }

        @Override
        public void onCompleted() {
            // The client is done: detach (the container keeps running).
            detach();
        }
    }
}
