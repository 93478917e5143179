package dev.podlab.cri;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.container.NotFoundException;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.run.ImageDefaults;
import dev.podlab.cri.v1.Container;
import dev.podlab.cri.v1.ContainerConfig;
import dev.podlab.cri.v1.ContainerMetadata;
import dev.podlab.cri.v1.ContainerResources;
import dev.podlab.cri.v1.ContainerState;
import dev.podlab.cri.v1.ContainerStatus;
import dev.podlab.cri.v1.ContainerStatusRequest;
import dev.podlab.cri.v1.ContainerStatusResponse;
import dev.podlab.cri.v1.ContainerUser;
import dev.podlab.cri.v1.CreateContainerRequest;
import dev.podlab.cri.v1.CreateContainerResponse;
import dev.podlab.cri.v1.ExecSyncRequest;
import dev.podlab.cri.v1.ExecSyncResponse;
import dev.podlab.cri.v1.ImageSpec;
import dev.podlab.cri.v1.LinuxContainerResources;
import dev.podlab.cri.v1.LinuxContainerUser;
import dev.podlab.cri.v1.ListContainersRequest;
import dev.podlab.cri.v1.ListContainersResponse;
import dev.podlab.cri.v1.Mount;
import dev.podlab.cri.v1.NamespaceMode;
import dev.podlab.cri.v1.RemoveContainerRequest;
import dev.podlab.cri.v1.RemoveContainerResponse;
import dev.podlab.cri.v1.StartContainerRequest;
import dev.podlab.cri.v1.StartContainerResponse;
import dev.podlab.cri.v1.StopContainerRequest;
import dev.podlab.cri.v1.StopContainerResponse;
import dev.podlab.cri.v1.UpdateContainerResourcesRequest;
import dev.podlab.cri.v1.UpdateContainerResourcesResponse;
import io.grpc.Status;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CreateContainer, StartContainer, StopContainer, RemoveContainer, ListContainers, ContainerStatus,
 * UpdateContainerResources, ExecSync.
 */
final class ContainerHandler {
    /** ExecSync output is capped per stream (CVE-2022-1708 class: a command must not exhaust the engine). */
    static final int EXEC_OUTPUT_CAP = 16 << 20;
    /** Labels tying an engine container to its CRI sandbox (also visible in `podlab ps`). */
    static final String SANDBOX_LABEL = "dev.podlab.cri.sandbox";
    static final String NAME_LABEL = "dev.podlab.cri.name";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CriContext cx;

    ContainerHandler(CriContext cx) {
        this.cx = cx;
    }

    // ---- create ---------------------------------------------------------------------------------

    CreateContainerResponse create(CreateContainerRequest req) {
        ContainerConfig c = req.getConfig();
        if (!c.hasMetadata() || c.getMetadata().getName().isEmpty()) {
            throw new CriArgumentException("failed to create container: metadata.name is required");
        }
        String name = c.getMetadata().getName();
        if (c.getImage().getImage().isEmpty()) {
            throw new CriArgumentException("failed to create container " + name + ": image.image is required");
        }
        synchronized (cx.lifecycle) {
            CriSandbox sandbox = cx.sandbox(req.getPodSandboxId());
            if (!sandbox.ready() || sandbox.sandbox() == null) {
                throw CriContext.wrongState("failed to create container " + name + " in pod sandbox "
                        + sandbox.id() + ": the sandbox is not ready (stopped)");
            }
            for (CriContainer other : cx.store.containers()) {
                if (other.sandboxId().equals(sandbox.id()) && other.name().equals(name)
                        && other.attempt() == c.getMetadata().getAttempt()) {
                    throw Status.ALREADY_EXISTS.withDescription("failed to create container " + name + " attempt "
                            + other.attempt() + " in pod sandbox " + sandbox.id() + ": it exists as " + other.id())
                            .asRuntimeException();
                }
            }
            ImageRecord image = cx.images.require(c.getImage().getImage());
            String logPath = logPath(sandbox, c);
            List<CriContainer.MountSpec> mounts = new ArrayList<>();
            dev.podlab.core.container.ContainerConfig config = config(sandbox, c, image, logPath, mounts);
            ContainerRecord r = cx.engine.create(config, cx.images.populator(image));
            CriContainer rec = new CriContainer(r.id(), sandbox.id(), name, c.getMetadata().getAttempt(),
                    c.getImage().getImage(), image.id().toString(), c.getLabelsMap(), c.getAnnotationsMap(),
                    logPath == null ? "" : logPath, mounts, r.createdAt(), 0);
            try {
                cx.store.save(rec);
            } catch (RuntimeException e) {
                try {
                    cx.engine.remove(r.id(), true);
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
                throw e;
            }
            cx.service.track(r);
            cx.publish("cri.container.created", "container", r.id(), name, "CreateContainer in sandbox "
                    + sandbox.id().substring(0, 12), sandbox.id());
            return CreateContainerResponse.newBuilder().setContainerId(r.id()).build();
        }
    }

    /** The host log file: log_path under the sandbox's log_directory, never outside it. */
    private static String logPath(CriSandbox sandbox, ContainerConfig c) {
        String rel = c.getLogPath();
        if (rel.isEmpty()) {
            return null;
        }
        String dir = sandbox.spec().logDirectory();
        if (dir == null) {
            throw new CriArgumentException("failed to create container " + c.getMetadata().getName()
                    + ": log_path \"" + rel + "\" given but the sandbox has no log_directory");
        }
        Path base = Path.of(dir).normalize();
        Path p = base.resolve(rel).normalize();
        if (rel.startsWith("/") || !p.startsWith(base) || p.equals(base) || rel.indexOf('\0') >= 0) {
            throw new CriArgumentException("failed to create container " + c.getMetadata().getName()
                    + ": log_path \"" + Translate.printable(rel) + "\" leaves the sandbox's log_directory");
        }
        return p.toString();
    }

    private dev.podlab.core.container.ContainerConfig config(CriSandbox sandbox, ContainerConfig c, ImageRecord image,
                                                             String logPath, List<CriContainer.MountSpec> mounts) {
        String name = c.getMetadata().getName();
        var sc = c.getLinux().getSecurityContext();
        if (sc.hasRunAsGroup() && !sc.hasRunAsUser() && sc.getRunAsUsername().isEmpty()) {
            throw new CriArgumentException("failed to create container " + name
                    + ": run_as_group needs run_as_user or run_as_username");
        }
        if (sc.hasRunAsUser() && !sc.getRunAsUsername().isEmpty()) {
            throw new CriArgumentException("failed to create container " + name
                    + ": run_as_user and run_as_username are exclusive");
        }
        if (sc.getPrivileged()) {
            throw Status.UNIMPLEMENTED.withDescription("failed to create container " + name
                    + ": privileged containers are not supported by podlab yet").asRuntimeException();
        }
        String user = null;
        if (sc.hasRunAsUser()) {
            if (sc.getRunAsUser().getValue() < 0) {
                throw new CriArgumentException("failed to create container " + name + ": run_as_user is negative");
            }
            user = Long.toString(sc.getRunAsUser().getValue());
        } else if (!sc.getRunAsUsername().isEmpty()) {
            user = sc.getRunAsUsername();
        }
        if (user != null && sc.hasRunAsGroup()) {
            if (sc.getRunAsGroup().getValue() < 0) {
                throw new CriArgumentException("failed to create container " + name + ": run_as_group is negative");
            }
            user = user + ":" + sc.getRunAsGroup().getValue();
        }
        // Kubernetes semantics: command replaces the entrypoint (and drops the image's Cmd), args replace Cmd.
        List<String> command = c.getCommandList();
        List<String> args = c.getArgsList();
        var b = cx.images.containerFrom(image, new ImageDefaults.Overrides(
                command.isEmpty() ? null : command, args.isEmpty() ? null : args,
                c.getWorkingDir().isEmpty() ? null : c.getWorkingDir(), user));
        for (var kv : c.getEnvsList()) {
            if (kv.getKey().isEmpty() || kv.getKey().indexOf('=') >= 0 || kv.getKey().indexOf('\0') >= 0) {
                throw new CriArgumentException("failed to create container " + name + ": environment variable name \""
                        + Translate.printable(kv.getKey()) + "\" is empty or holds '='");
            }
            b.env(kv.getKey() + "=" + kv.getValue());
        }
        List<Long> groups = sc.getSupplementalGroupsList();
        b.supplementaryGroups(groups.stream().map(Long::intValue).toList());
        b.readOnlyRootfs(sc.getReadonlyRootfs());
        // Kept open for Attach (stdin_once: until the first attached client's input ends); tty gives it a pty.
        b.terminal(c.getTty()).stdin(c.getStdin()).stdinOnce(c.getStdin() && c.getStdinOnce());
        b.resources(Translate.resources(c.getLinux().getResources()));
        var pod = sandbox.sandbox();
        b.cgroupParent(pod.cgroupParent());
        b.hostname(sandbox.spec().hostNetwork() ? null : sandbox.spec().hostname());
        namespaces(b, sandbox, sc.getNamespaceOptions(), name);
        pod.files().forEach((dest, src) -> b.volume(new VolumeMount(Path.of(src), dest, false)));
        for (Mount m : c.getMountsList()) {
            if (m.hasImage() && !m.getImage().getImage().isEmpty()) {
                throw Status.UNIMPLEMENTED.withDescription("failed to create container " + name
                        + ": image volume mounts are not supported yet").asRuntimeException();
            }
            if (m.getContainerPath().isEmpty() || !m.getContainerPath().startsWith("/")) {
                throw new CriArgumentException("failed to create container " + name + ": mount container_path \""
                        + m.getContainerPath() + "\" is not an absolute path");
            }
            if (m.getHostPath().isEmpty() || !Files.exists(Path.of(m.getHostPath()))) {
                throw new CriArgumentException("failed to create container " + name + ": mount host_path \""
                        + m.getHostPath() + "\" does not exist");
            }
            Path src;
            try {
                src = Path.of(m.getHostPath()).toRealPath();
            } catch (IOException e) {
                throw new CriArgumentException("failed to create container " + name + ": mount host_path \""
                        + m.getHostPath() + "\": " + e.getMessage());
            }
            b.volume(new VolumeMount(src, m.getContainerPath(), m.getReadonly() || m.getRecursiveReadOnly()));
            mounts.add(new CriContainer.MountSpec(m.getContainerPath(), src.toString(),
                    m.getReadonly() || m.getRecursiveReadOnly()));
        }
        c.getLabelsMap().forEach(b::label);
        b.label(SANDBOX_LABEL, sandbox.id());
        b.label(NAME_LABEL, name);
        b.runtime(sandbox.spec().runtimeHandler().isEmpty() ? cx.service.settings().defaultRuntime()
                : sandbox.spec().runtimeHandler());
        if (logPath != null) {
            b.logPath(logPath);
        }
        return b.build();
    }

    /** POD joins the sandbox's pinned namespace files, NODE the host's (/proc/1/ns/*), CONTAINER its own. */
    private void namespaces(dev.podlab.core.container.ContainerConfig.Builder b, CriSandbox sandbox,
                            dev.podlab.cri.v1.NamespaceOption o, String name) {
        var pod = sandbox.sandbox();
        switch (o.getNetwork()) {
            case POD -> b.joinNamespace("network", node(dev.podlab.core.pod.PodSandbox.resolve(pod.netns(), "net")));
            case NODE -> b.joinNamespace("network", node("/proc/1/ns/net"));
            case CONTAINER -> { }
            default -> throw new CriArgumentException("failed to create container " + name
                    + ": network namespace mode " + o.getNetwork() + " is not supported");
        }
        switch (o.getIpc()) {
            case POD -> {
                if (pod.ipcns() != null) {
                    b.joinNamespace("ipc", node(dev.podlab.core.pod.PodSandbox.resolve(pod.ipcns(), "ipc")));
                }
            }
            case NODE -> b.joinNamespace("ipc", node("/proc/1/ns/ipc"));
            case CONTAINER -> { }
            default -> throw new CriArgumentException("failed to create container " + name
                    + ": ipc namespace mode " + o.getIpc() + " is not supported");
        }
        b.joinNamespace("uts", node(dev.podlab.core.pod.PodSandbox.resolve(pod.utsns(), "uts")));
        switch (o.getPid()) {
            case NODE -> b.joinNamespace("pid", node("/proc/1/ns/pid"));
            case CONTAINER -> { }
            // No pause process holds a pod PID namespace: the pod shares the first running container's, as
            // podlab's own pods do for shareProcessNamespace; the first container gets a new one.
            case POD -> firstRunning(sandbox.id()).ifPresent(r -> b.joinNamespace("pid",
                    "/proc/" + r.initPid() + "/ns/pid"));
            case TARGET -> {
                CriContainer target = cx.container(o.getTargetId());
                ContainerRecord r = cx.record(target.id()).filter(x -> x.status()
                        == dev.podlab.core.container.ContainerStatus.RUNNING).orElseThrow(() -> CriContext.wrongState(
                        "failed to create container " + name + ": target container " + target.id()
                                + " is not running"));
                b.joinNamespace("pid", "/proc/" + r.initPid() + "/ns/pid");
            }
            default -> throw new CriArgumentException("failed to create container " + name
                    + ": pid namespace mode " + o.getPid() + " is not supported");
        }
    }

    /**
     * The node's namespace file: {@code /proc/1/ns/<type>} as sandboxes record it, or, where PID 1's namespace
     * links cannot be read (a supervisor in a sandboxed host makes itself non-dumpable), the engine's own, which
     * runs in the node's namespaces. Other paths (a sandbox's pinned files) pass unchanged.
     */
    static String node(String path) {
        if (path == null || !path.startsWith("/proc/1/ns/")) {
            return path;
        }
        try {
            Files.readSymbolicLink(Path.of(path));
            return path;
        } catch (IOException | UnsupportedOperationException e) {
            return "/proc/" + ProcessHandle.current().pid() + "/ns/" + path.substring("/proc/1/ns/".length());
        }
    }

    private Optional<ContainerRecord> firstRunning(String sandboxId) {
        for (CriContainer c : cx.store.containers()) {
            if (c.sandboxId().equals(sandboxId)) {
                var r = cx.record(c.id());
                if (r.isPresent() && r.get().status() == dev.podlab.core.container.ContainerStatus.RUNNING) {
                    return r;
                }
            }
        }
        return Optional.empty();
    }

    // ---- start / stop / remove --------------------------------------------------------------------

    StartContainerResponse start(StartContainerRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        ContainerRecord r = cx.engine.start(c.id());
        cx.store.save(c.started(TraceEvent.Clock.nowNanos()));
        cx.service.track(r);
        cx.publish("cri.container.started", "container", c.id(), c.name(), "StartContainer", c.sandboxId());
        return StartContainerResponse.getDefaultInstance();
    }

    /** SIGTERM, the timeout, SIGKILL; an exited container stops again without error. */
    StopContainerResponse stop(StopContainerRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        if (req.getTimeout() < 0) {
            throw new CriArgumentException("failed to stop container " + c.id() + ": negative timeout");
        }
        stopQuietly(c.id(), Duration.ofSeconds(req.getTimeout()));
        return StopContainerResponse.getDefaultInstance();
    }

    void stopQuietly(String id, Duration grace) {
        Optional<ContainerRecord> r = cx.record(id);
        if (r.isEmpty()) {
            return;
        }
        var st = r.get().status();
        if (st == dev.podlab.core.container.ContainerStatus.RUNNING
                || st == dev.podlab.core.container.ContainerStatus.CREATED) {
            try {
                cx.service.track(cx.engine.stop(id, grace));
            } catch (NotFoundException gone) {
                // Removed meanwhile: stopped enough.
            }
        }
    }

    /** Kills and removes; an unknown container is not an error. */
    RemoveContainerResponse remove(RemoveContainerRequest req) {
        if (req.getContainerId().isEmpty()) {
            throw new CriArgumentException("failed to remove container: container_id is empty");
        }
        if (!CriStore.validId(req.getContainerId())) {
            return RemoveContainerResponse.getDefaultInstance();
        }
        removeById(req.getContainerId());
        return RemoveContainerResponse.getDefaultInstance();
    }

    void removeById(String id) {
        Optional<CriContainer> c = cx.store.container(id);
        try {
            cx.engine.remove(id, true);
        } catch (NotFoundException gone) {
            // Already gone from the engine: only the CRI record is left to drop.
        }
        cx.service.forget(id);
        if (c.isPresent()) {
            cx.store.deleteContainer(id);
            cx.publish("cri.container.removed", "container", id, c.get().name(), "RemoveContainer",
                    c.get().sandboxId());
        }
    }

    // ---- queries ----------------------------------------------------------------------------------

    ListContainersResponse list(ListContainersRequest req) {
        var f = req.getFilter();
        var out = ListContainersResponse.newBuilder();
        for (CriContainer c : cx.store.containers()) {
            if (!f.getId().isEmpty() && !c.id().startsWith(f.getId())) {
                continue;
            }
            if (!f.getPodSandboxId().isEmpty() && !c.sandboxId().startsWith(f.getPodSandboxId())) {
                continue;
            }
            if (!Translate.selects(f.getLabelSelectorMap(), c.labels())) {
                continue;
            }
            ContainerState state = state(cx.record(c.id()).orElse(null));
            if (f.hasState() && f.getState().getState() != state) {
                continue;
            }
            out.addContainers(Container.newBuilder().setId(c.id()).setPodSandboxId(c.sandboxId())
                    .setMetadata(metadata(c)).setImage(ImageSpec.newBuilder().setImage(c.image()))
                    .setImageRef(c.imageRef()).setImageId(c.imageRef()).setState(state)
                    .setCreatedAt(c.createdAt()).putAllLabels(c.labels()).putAllAnnotations(c.annotations()));
        }
        return out.build();
    }

    ContainerStatusResponse status(ContainerStatusRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        Optional<ContainerRecord> r = cx.record(c.id());
        var out = ContainerStatusResponse.newBuilder().setStatus(status(c, r.orElse(null)));
        if (req.getVerbose() && r.isPresent()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("pid", r.get().initPid());
            info.put("shimPid", r.get().shimPid());
            info.put("cgroup", r.get().cgroupPath());
            info.put("runtime", r.get().runtime());
            info.put("warnings", r.get().warnings());
            try {
                out.putInfo("info", JSON.writeValueAsString(info));
            } catch (IOException e) {
                throw new PodlabException(PodlabException.failed("describe container", c.id(), e), e);
            }
        }
        return out.build();
    }

    static ContainerState state(ContainerRecord r) {
        if (r == null) {
            return ContainerState.CONTAINER_UNKNOWN;
        }
        return switch (r.status()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING -> ContainerState.CONTAINER_RUNNING;
            case EXITED -> ContainerState.CONTAINER_EXITED;
            case UNKNOWN -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    static ContainerMetadata metadata(CriContainer c) {
        return ContainerMetadata.newBuilder().setName(c.name()).setAttempt(c.attempt()).build();
    }

    /** The CRI status of a container from its CRI record and the engine's (null when the engine lost it). */
    static ContainerStatus status(CriContainer c, ContainerRecord r) {
        var b = ContainerStatus.newBuilder().setId(c.id()).setMetadata(metadata(c)).setState(state(r))
                .setCreatedAt(c.createdAt()).setImage(ImageSpec.newBuilder().setImage(c.image()))
                .setImageRef(c.imageRef()).setImageId(c.imageRef()).putAllLabels(c.labels())
                .putAllAnnotations(c.annotations()).setLogPath(c.logPath());
        for (CriContainer.MountSpec m : c.mounts()) {
            b.addMounts(Mount.newBuilder().setContainerPath(m.containerPath()).setHostPath(m.hostPath())
                    .setReadonly(m.readonly()));
        }
        if (r == null) {
            return b.setReason("Unknown").setMessage("the engine has no record of this container").build();
        }
        long started = c.startedAt();
        ExitRecord exit = r.exit();
        if (exit != null) {
            if (exit.startedAt() > 0) {
                started = exit.startedAt();
            }
            b.setFinishedAt(exit.finishedAt()).setExitCode(exit.exitCode()).setReason(exit.reason());
            if (exit.message() != null) {
                b.setMessage(exit.message());
            }
        } else if (r.status() == dev.podlab.core.container.ContainerStatus.UNKNOWN && r.reason() != null) {
            b.setReason("Unknown").setMessage(r.reason());
        }
        b.setStartedAt(started);
        var cfg = r.config();
        var res = cfg.resources();
        var lr = LinuxContainerResources.newBuilder();
        if (res.cpuShares() != null) {
            lr.setCpuShares(res.cpuShares());
        }
        if (res.cpuQuotaMicros() != null) {
            lr.setCpuQuota(res.cpuQuotaMicros());
        }
        if (res.cpuPeriodMicros() != null) {
            lr.setCpuPeriod(res.cpuPeriodMicros());
        }
        if (res.memoryLimitBytes() != null) {
            lr.setMemoryLimitInBytes(res.memoryLimitBytes());
        }
        b.setResources(ContainerResources.newBuilder().setLinux(lr));
        b.setUser(ContainerUser.newBuilder().setLinux(LinuxContainerUser.newBuilder().setUid(cfg.uid())
                .setGid(cfg.gid()).addAllSupplementalGroups(cfg.supplementaryGroups().stream()
                        .map(Integer::longValue).toList())));
        return b.build();
    }

    // ---- resources, exec --------------------------------------------------------------------------

    UpdateContainerResourcesResponse update(UpdateContainerResourcesRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        ContainerRecord r = cx.record(c.id()).orElseThrow(() -> new CriNotFoundException(
                "failed to update container " + c.id() + ": the engine has no such container"));
        var st = r.status();
        if (st != dev.podlab.core.container.ContainerStatus.RUNNING
                && st != dev.podlab.core.container.ContainerStatus.CREATED) {
            throw CriContext.wrongState("failed to update container " + c.id() + ": it is " + st.name().toLowerCase());
        }
        var res = Translate.resources(req.getLinux());
        cx.engine.cgroups().update(cx.engine.cgroups().open(r.cgroupPath()), res);
        cx.publish("cri.container.updated", "container", c.id(), c.name(), "UpdateContainerResources", c.sandboxId());
        return UpdateContainerResourcesResponse.getDefaultInstance();
    }

    /** ReopenContainerLog: the shim reopens the log path; the engine refuses when the container is not running. */
    void reopenLog(dev.podlab.cri.v1.ReopenContainerLogRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        if (cx.record(c.id()).isEmpty()) {
            throw CriContext.wrongState("failed to reopen the log of container " + c.id() + ": it is gone");
        }
        cx.engine.reopenLog(c.id());
        cx.publish("cri.container.log-reopened", "container", c.id(), c.name(), c.logPath(), c.sandboxId());
    }

    ExecSyncResponse execSync(ExecSyncRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        if (req.getCmdCount() == 0) {
            throw new CriArgumentException("failed to exec in container " + c.id() + ": cmd is empty");
        }
        if (req.getTimeout() < 0) {
            throw new CriArgumentException("failed to exec in container " + c.id() + ": negative timeout");
        }
        Duration timeout = req.getTimeout() == 0 ? Duration.ofDays(365) : Duration.ofSeconds(req.getTimeout());
        Process p = cx.engine.execProcess(c.id(), ExecRequest.of(req.getCmdList()),
                ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), ProcessBuilder.Redirect.PIPE,
                ProcessBuilder.Redirect.PIPE);
        var out = new CappedSink();
        var err = new CappedSink();
        Thread t1 = Thread.ofVirtual().start(() -> out.drain(p.getInputStream()));
        Thread t2 = Thread.ofVirtual().start(() -> err.drain(p.getErrorStream()));
        try {
            boolean done = p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroy();
                if (!p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                }
                t1.join();
                t2.join();
                throw Status.DEADLINE_EXCEEDED.withDescription("failed to exec in container " + c.id()
                        + ": command timed out after " + req.getTimeout() + " s").asRuntimeException();
            }
            t1.join();
            t2.join();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("failed to exec in container " + c.id() + ": interrupted")
                    .asRuntimeException();
        }
        return ExecSyncResponse.newBuilder()
                .setStdout(com.google.protobuf.ByteString.copyFrom(out.bytes()))
                .setStderr(com.google.protobuf.ByteString.copyFrom(err.bytes()))
                .setExitCode(p.exitValue()).build();
    }

    /** Keeps the first {@link #EXEC_OUTPUT_CAP} bytes of a stream and discards the rest, reading to the end. */
    private static final class CappedSink {
        private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();

        void drain(java.io.InputStream in) {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    int room = EXEC_OUTPUT_CAP - kept.size();
                    if (room > 0) {
                        kept.write(buf, 0, Math.min(room, n));
                    }
                }
            } catch (IOException e) {
                // The process was killed: what was read is the output.
            }
        }

        byte[] bytes() {
            return kept.toByteArray();
        }
    }
}
