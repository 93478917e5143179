package dev.podlab.cri;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.PodlabException;
import dev.podlab.core.events.EventLog;
import dev.podlab.core.events.StepTimer;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.pod.SandboxSpec;
import dev.podlab.cri.v1.LinuxPodSandboxStatus;
import dev.podlab.cri.v1.ListPodSandboxRequest;
import dev.podlab.cri.v1.ListPodSandboxResponse;
import dev.podlab.cri.v1.Namespace;
import dev.podlab.cri.v1.NamespaceMode;
import dev.podlab.cri.v1.NamespaceOption;
import dev.podlab.cri.v1.PodSandbox;
import dev.podlab.cri.v1.PodSandboxMetadata;
import dev.podlab.cri.v1.PodSandboxNetworkStatus;
import dev.podlab.cri.v1.PodSandboxState;
import dev.podlab.cri.v1.PodSandboxStatus;
import dev.podlab.cri.v1.PodSandboxStatusRequest;
import dev.podlab.cri.v1.PodSandboxStatusResponse;
import dev.podlab.cri.v1.RemovePodSandboxRequest;
import dev.podlab.cri.v1.RemovePodSandboxResponse;
import dev.podlab.cri.v1.RunPodSandboxRequest;
import dev.podlab.cri.v1.RunPodSandboxResponse;
import dev.podlab.cri.v1.StopPodSandboxRequest;
import dev.podlab.cri.v1.StopPodSandboxResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus, ListPodSandbox. */
final class SandboxHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CriContext cx;
    private final ContainerHandler containers;

    SandboxHandler(CriContext cx, ContainerHandler containers) {
        this.cx = cx;
        this.containers = containers;
    }

    RunPodSandboxResponse run(RunPodSandboxRequest req) {
        List<String> warnings = new ArrayList<>();
        SandboxSpec spec = SandboxConfigs.toSpec(req.getConfig(), req.getRuntimeHandler(), warnings);
        if (!spec.runtimeHandler().isEmpty()) {
            // An unknown or broken handler is refused before anything is made.
            cx.engine.runtimes().require(spec.runtimeHandler());
        }
        String id = CriContext.newId();
        Path dir = cx.store.sandboxDir(id);
        synchronized (cx.lifecycle) {
            dev.podlab.core.pod.PodSandbox.Made made;
            try {
                Files.createDirectories(dir);
                try (EventLog trace = new EventLog(dir.resolve("events.jsonl"), step -> onStep(id, spec, step))) {
                    made = cx.sandboxes.create(id, spec, dir, new StepTimer(trace));
                }
            } catch (IOException | RuntimeException e) {
                cx.store.deleteSandbox(id);
                if (e instanceof RuntimeException re) {
                    throw re;
                }
                throw new PodlabException(PodlabException.failed("run pod sandbox", spec.name(), e), e);
            }
            warnings.addAll(made.warnings());
            try {
                if (spec.logDirectory() != null) {
                    Files.createDirectories(Path.of(spec.logDirectory()));
                }
                cx.store.save(new CriSandbox(id, spec, made.sandbox(), true, made.sandbox().podIp(),
                        TraceEvent.Clock.nowNanos(), warnings));
            } catch (IOException | RuntimeException e) {
                try {
                    cx.sandboxes.remove(id, spec, made.sandbox());
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
                cx.store.deleteSandbox(id);
                throw new PodlabException(PodlabException.failed("run pod sandbox", spec.name(), e), e);
            }
            cx.publish("cri.sandbox.ready", "pod", id, spec.namespace() + "/" + spec.name(),
                    "RunPodSandbox: ip " + (made.sandbox().podIp().isEmpty() ? "none" : made.sandbox().podIp())
                            + (warnings.isEmpty() ? "" : "; " + String.join("; ", warnings)), id);
        }
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(id).build();
    }

    private void onStep(String id, SandboxSpec spec, TraceEvent step) {
        cx.service.events().publish(dev.podlab.api.v1.Event.newBuilder().setTime(step.startNanos())
                .setDurationNanos(step.durationNanos()).setType("step").setObjectKind("pod").setObjectId(id)
                .setObjectName(spec.namespace() + "/" + spec.name()).setStep(nz(step.step()))
                .setDetail(nz(step.detail())).putAttributes("source", "cri"));
    }

    /** Kills the sandbox's containers and releases its network, namespaces and cgroup; again is a no-op. */
    StopPodSandboxResponse stop(StopPodSandboxRequest req) {
        synchronized (cx.lifecycle) {
            CriSandbox s = cx.sandbox(req.getPodSandboxId());
            for (CriContainer c : cx.store.containers()) {
                if (c.sandboxId().equals(s.id())) {
                    containers.stopQuietly(c.id(), Duration.ZERO);
                }
            }
            if (s.sandbox() != null) {
                cx.sandboxes.remove(s.id(), s.spec(), s.sandbox());
                cx.store.save(s.stopped());
                cx.publish("cri.sandbox.stopped", "pod", s.id(), s.spec().namespace() + "/" + s.spec().name(),
                        "StopPodSandbox", s.id());
            }
        }
        return StopPodSandboxResponse.getDefaultInstance();
    }

    /** Removes the sandbox, its containers and its files; an unknown sandbox is not an error. */
    RemovePodSandboxResponse remove(RemovePodSandboxRequest req) {
        String id = req.getPodSandboxId();
        if (id.isEmpty()) {
            throw new CriArgumentException("failed to remove pod sandbox: pod_sandbox_id is empty");
        }
        synchronized (cx.lifecycle) {
            var found = cx.store.sandbox(id);
            if (found.isEmpty()) {
                return RemovePodSandboxResponse.getDefaultInstance();
            }
            CriSandbox s = found.get();
            for (CriContainer c : cx.store.containers()) {
                if (c.sandboxId().equals(id)) {
                    containers.removeById(c.id());
                }
            }
            if (s.sandbox() != null) {
                cx.sandboxes.remove(s.id(), s.spec(), s.sandbox());
            }
            cx.store.deleteSandbox(id);
            cx.publish("cri.sandbox.removed", "pod", id, s.spec().namespace() + "/" + s.spec().name(),
                    "RemovePodSandbox", id);
        }
        return RemovePodSandboxResponse.getDefaultInstance();
    }

    PodSandboxStatusResponse status(PodSandboxStatusRequest req) {
        CriSandbox s = cx.sandbox(req.getPodSandboxId());
        var out = PodSandboxStatusResponse.newBuilder().setStatus(status(s))
                .setTimestamp(TraceEvent.Clock.nowNanos());
        if (req.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("sandbox", s.sandbox());
            info.put("cgroup", cx.sandboxes.cgroupOf(s.id(), s.spec()));
            info.put("warnings", s.warnings());
            info.put("runtime", s.spec().runtimeHandler().isEmpty() ? cx.service.settings().defaultRuntime()
                    : s.spec().runtimeHandler());
            try {
                out.putInfo("info", JSON.writeValueAsString(info));
            } catch (IOException e) {
                throw new PodlabException(PodlabException.failed("describe pod sandbox", s.id(), e), e);
            }
        }
        return out.build();
    }

    static PodSandboxStatus status(CriSandbox s) {
        SandboxSpec spec = s.spec();
        return PodSandboxStatus.newBuilder()
                .setId(s.id())
                .setMetadata(metadata(spec))
                .setState(s.ready() ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY)
                .setCreatedAt(s.createdAt())
                .setNetwork(PodSandboxNetworkStatus.newBuilder().setIp(spec.hostNetwork() ? "" : s.ip()))
                .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder()
                        .setOptions(NamespaceOption.newBuilder()
                                .setNetwork(spec.hostNetwork() ? NamespaceMode.NODE : NamespaceMode.POD)
                                .setPid(spec.hostPID() ? NamespaceMode.NODE : NamespaceMode.CONTAINER)
                                .setIpc(spec.hostIPC() ? NamespaceMode.NODE : NamespaceMode.POD))))
                .putAllLabels(spec.labels())
                .putAllAnnotations(spec.annotations())
                .setRuntimeHandler(spec.runtimeHandler())
                .build();
    }

    static PodSandboxMetadata metadata(SandboxSpec spec) {
        return PodSandboxMetadata.newBuilder().setName(spec.name()).setUid(spec.uid())
                .setNamespace(spec.namespace()).setAttempt(spec.attempt()).build();
    }

    ListPodSandboxResponse list(ListPodSandboxRequest req) {
        var f = req.getFilter();
        var out = ListPodSandboxResponse.newBuilder();
        for (CriSandbox s : cx.store.sandboxes()) {
            if (!f.getId().isEmpty() && !s.id().startsWith(f.getId())) {
                continue;
            }
            PodSandboxState state = s.ready() ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
            if (f.hasState() && f.getState().getState() != state) {
                continue;
            }
            if (!Translate.selects(f.getLabelSelectorMap(), s.spec().labels())) {
                continue;
            }
            out.addItems(PodSandbox.newBuilder().setId(s.id()).setMetadata(metadata(s.spec())).setState(state)
                    .setCreatedAt(s.createdAt()).putAllLabels(s.spec().labels())
                    .putAllAnnotations(s.spec().annotations()).setRuntimeHandler(s.spec().runtimeHandler()));
        }
        return out.build();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
