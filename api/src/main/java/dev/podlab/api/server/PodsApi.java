package dev.podlab.api.server;

import dev.podlab.api.v1.CgroupNode;
import dev.podlab.api.v1.CgroupValue;
import dev.podlab.api.v1.CompareRequest;
import dev.podlab.api.v1.PodCgroupsResponse;
import dev.podlab.core.cgroup.CgroupVersion;
import dev.podlab.api.v1.CompareResponse;
import dev.podlab.api.v1.DownRequest;
import dev.podlab.api.v1.RuntimeColumn;
import dev.podlab.api.v1.SwapPodRequest;
import dev.podlab.api.v1.SwapPodResponse;
import dev.podlab.api.v1.DownResponse;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.GetPodResponse;
import dev.podlab.api.v1.ListPodsRequest;
import dev.podlab.api.v1.ListPodsResponse;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.PlayResponse;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.api.v1.PodEventEntry;
import dev.podlab.api.v1.PodsGrpc;
import dev.podlab.api.v1.ReportEntry;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.pod.PodException;
import dev.podlab.core.pod.PodManager;
import dev.podlab.core.pod.PodRecord;
import dev.podlab.core.pod.PodStatus;
import dev.podlab.core.pod.RuntimeComparison;
import dev.podlab.api.v1.ValidateRequest;
import dev.podlab.api.v1.ValidateResponse;
import dev.podlab.core.net.PodNetworkRequest;
import dev.podlab.core.pod.manifest.ManifestException;
import dev.podlab.core.pod.manifest.ManifestParser;
import dev.podlab.core.pod.manifest.ManifestSet;
import dev.podlab.core.pod.manifest.PodManifest;
import dev.podlab.core.pod.manifest.Report;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** podlab.v1.Pods: play, down, list and get over the engine's pod manager. */
final class PodsApi extends PodsGrpc.PodsImplBase {
    private final PodManager pods;
    private final EngineService service;

    PodsApi(EngineService service) {
        this.pods = service.pods();
        this.service = service;
    }

    @Override
    public void validate(ValidateRequest req, StreamObserver<ValidateResponse> out) {
        Errors.unary(out, () -> {
            String source = req.getSource().isEmpty() ? "<request>" : req.getSource();
            var b = ValidateResponse.newBuilder();
            Report report;
            try {
                ManifestSet set = ManifestParser.parse(source, req.getManifest(), req.getStrict());
                report = set.report();
                set.pods().forEach(p -> b.addPods(p.metadata().namespace() + "/" + p.name()));
                if (set.pods().isEmpty()) {
                    // What Play would refuse: say it where an editor can show it, at the top.
                    b.addReport(ReportEntry.newBuilder().setSeverity("ERROR").setLocation(source + ":1:1").setLine(1)
                            .setColumn(1).setPath("").setMessage("no Pod (nor a workload with a pod template) in the manifest"));
                }
            } catch (ManifestException e) {
                report = e.report();
            }
            report.effectiveEntries().forEach(e -> b.addReport(entry(e)));
            b.setValid(b.getReportList().stream().noneMatch(e -> e.getSeverity().equals("ERROR")));
            return b.build();
        });
    }

    static ReportEntry entry(Report.Entry e) {
        return ReportEntry.newBuilder().setSeverity(e.severity().name()).setLocation(e.location().toString())
                .setPath(e.path()).setMessage(e.message()).setLine(Math.max(0, e.location().line()))
                .setColumn(Math.max(0, e.location().column())).build();
    }

    @Override
    public void play(PlayRequest req, StreamObserver<PlayResponse> out) {
        Errors.unary(out, () -> {
            if (req.getManifest().isBlank()) {
                throw new InvalidConfigException("failed to play " + req.getSource() + ": the manifest is empty");
            }
            String source = req.getSource().isEmpty() ? "<request>" : req.getSource();
            var result = pods.play(source, req.getManifest(), new PodManager.PlayOptions(req.getStrict(),
                    req.getReplace(), req.getRuntime().isEmpty() ? null : req.getRuntime()));
            var b = PlayResponse.newBuilder();
            Duration timeout = req.getWaitTimeoutMillis() > 0 ? Duration.ofMillis(req.getWaitTimeoutMillis())
                    : Duration.ofSeconds(120);
            for (PodRecord r : result.pods()) {
                if (req.getWait()) {
                    pods.awaitStarted(r.id(), timeout);
                }
                b.addPods(pod(pods.get(r.id())));
            }
            for (Report.Entry e : result.report().effectiveEntries()) {
                b.addReport(entry(e));
            }
            return b.build();
        });
    }

    @Override
    public void down(DownRequest req, StreamObserver<DownResponse> out) {
        Errors.unary(out, () -> {
            List<String> refs = new ArrayList<>(req.getPodsList());
            if (!req.getManifest().isBlank()) {
                for (PodManifest p : ManifestParser.parse("<manifest>", req.getManifest(), false).pods()) {
                    refs.add(p.metadata().namespace() + "/" + p.name());
                }
            }
            if (refs.isEmpty()) {
                throw new InvalidConfigException("failed to delete pods: none named (give names or a manifest)");
            }
            if (req.getGraceSeconds() < 0) {
                throw new InvalidConfigException("failed to delete pods: grace period " + req.getGraceSeconds()
                        + " s is negative");
            }
            var b = DownResponse.newBuilder();
            for (String ref : refs) {
                PodRecord r = pods.get(ref);
                pods.down(r.id(), req.getHasGrace() ? Duration.ofSeconds(req.getGraceSeconds()) : null);
                b.addRemoved(r.namespace() + "/" + r.name());
            }
            return b.build();
        });
    }

    @Override
    public void list(ListPodsRequest req, StreamObserver<ListPodsResponse> out) {
        Errors.unary(out, () -> {
            var b = ListPodsResponse.newBuilder();
            for (PodRecord r : pods.list()) {
                if (req.getNamespace().isEmpty() || req.getNamespace().equals(r.namespace())) {
                    b.addPods(summary(r));
                }
            }
            for (PodSource source : service.podSources()) {
                for (Pod p : source.pods()) {
                    if (req.getNamespace().isEmpty() || req.getNamespace().equals(p.getNamespace())) {
                        b.addPods(p);
                    }
                }
            }
            return b.build();
        });
    }

    /** A manifest pod, else one of another {@link PodSource} (a CRI sandbox), matched by the same references. */
    @Override
    public void get(GetPodRequest req, StreamObserver<GetPodResponse> out) {
        Errors.unary(out, () -> {
            PodRecord r;
            try {
                r = pods.get(req.getPod());
            } catch (PodException.NotFound e) {
                return GetPodResponse.newBuilder().setPod(fromSources(req.getPod()).orElseThrow(() -> e)).build();
            }
            Pod p = network(pod(r).toBuilder(), r);
            if (req.getManifest()) {
                p = p.toBuilder().setManifest(Wire.nz(r.manifest())).build();
            }
            return GetPodResponse.newBuilder().setPod(p).build();
        });
    }

    /** By id, name, namespace/name or an id prefix of at least 6 characters, as {@code PodManager.get}. */
    private Optional<Pod> fromSources(String ref) {
        List<Map.Entry<PodSource, Pod>> matches = new ArrayList<>();
        for (PodSource source : service.podSources()) {
            for (Pod p : source.pods()) {
                if (p.getId().equals(ref) || p.getName().equals(ref)
                        || (p.getNamespace() + "/" + p.getName()).equals(ref)
                        || (ref.length() >= 6 && p.getId().startsWith(ref))) {
                    matches.add(Map.entry(source, p));
                }
            }
        }
        if (matches.size() > 1) {
            throw new PodException("failed to find pod " + ref + ": it is ambiguous (" + matches.size()
                    + " pods match; use namespace/name or the id)");
        }
        return matches.stream().findFirst().map(m -> m.getKey().detail(m.getValue()));
    }

    @Override
    public void cgroups(GetPodRequest req, StreamObserver<PodCgroupsResponse> out) {
        Errors.unary(out, () -> {
            var layout = service.engine().cgroups().layout();
            var b = PodCgroupsResponse.newBuilder().setVersion(layout.version() == CgroupVersion.V2 ? "v2"
                    : layout.hybrid() ? "v1 hybrid" : "v1");
            for (PodManager.CgroupNode n : pods.cgroups(req.getPod())) {
                // One node per hierarchy that has values, in the reader's order.
                n.cgroup().directories().forEach((controller, dir) -> {
                    var node = CgroupNode.newBuilder().setPath(n.cgroup().relativePath()).setContainer(n.container())
                            .setController(controller).setDirectory(dir.toString());
                    n.values().stream().filter(v -> v.controller().equals(controller)).forEach(v -> node.addValues(
                            CgroupValue.newBuilder().setFile(v.file()).setKey(v.key()).setValue(v.value())));
                    if (node.getValuesCount() > 0) {
                        b.addNodes(node); // devices: nothing read there
                    }
                });
            }
            return b.build();
        });
    }

    @Override
    public void swap(SwapPodRequest req, StreamObserver<SwapPodResponse> out) {
        Errors.unary(out, () -> {
            if (req.getRuntime().isEmpty()) {
                throw new InvalidConfigException("failed to swap pod " + req.getPod() + ": no runtime given");
            }
            var s = pods.swap(req.getPod(), req.getRuntime(), Duration.ofSeconds(120));
            return SwapPodResponse.newBuilder().setBefore(summary(s.before())).setAfter(summary(s.after()))
                    .setTookMillis(s.took().toMillis()).build();
        });
    }

    @Override
    public void compare(CompareRequest req, StreamObserver<CompareResponse> out) {
        Errors.unary(out, () -> {
            var b = CompareResponse.newBuilder();
            for (RuntimeComparison.Column c : RuntimeComparison.run(pods, req.getSource().isEmpty() ? "<request>"
                    : req.getSource(), req.getManifest(), req.getPod(), req.getRuntimesList(), req.getRounds() == 0 ? 3 : req.getRounds())) {
                b.addColumns(RuntimeColumn.newBuilder().setRuntime(c.runtime())
                        .setStartMillisMedian(Double.isNaN(c.startMillisMedian()) ? 0 : c.startMillisMedian())
                        .addAllStartMillis(c.startMillis()).setPodMemoryBytes(c.podMemoryBytes())
                        .setShimRssBytes(c.shimRssBytes()).setKernel(c.kernel()).setPid1(c.pid1())
                        .putAllNamespaces(c.namespaces()).setCgroupPath(Wire.nz(c.cgroupPath()))
                        .setConfigJson(c.configJson()).addAllConfigDiff(c.configDiff()).setError(c.error()));
            }
            return b.build();
        });
    }

    /**
     * The pod network facts a diagram needs: CNI network, its bridge, the pod's interface and published ports.
     * The bridge comes from the network's current configuration (the one the engine set the pod up with).
     */
    private Pod network(Pod.Builder b, PodRecord r) {
        if (r.sandbox() == null || r.sandbox().network().isEmpty()) {
            return b.build();
        }
        b.setNetwork(r.sandbox().network()).setInterface(PodNetworkRequest.DEFAULT_IFNAME);
        var config = service.network().config();
        if (config.name().equals(r.sandbox().network())) {
            config.plugins().stream().filter(p -> p.type().equals("bridge")).findFirst()
                    .map(p -> p.fields().path("bridge").asText(""))
                    .ifPresent(b::setBridge);
        }
        try {
            for (PodManifest p : ManifestParser.parse(Wire.nz(r.source()).isEmpty() ? "<pod>" : r.source(), r.manifest(), false).pods()) {
                if (!p.name().equals(r.name()) || !p.metadata().namespace().equals(r.namespace())) {
                    continue;
                }
                for (var c : p.spec().containers()) {
                    for (var port : c.ports()) {
                        if (port.hostPort() > 0) {
                            b.addPorts((port.hostIP() == null || port.hostIP().isEmpty() ? "0.0.0.0" : port.hostIP()) + ":"
                                    + port.hostPort() + "->" + port.containerPort() + "/"
                                    + String.valueOf(port.protocol()).toLowerCase(java.util.Locale.ROOT) + " (" + c.name() + ")");
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            // A pod made by the CRI bridge has no manifest: it simply shows no ports here.
        }
        return b.build();
    }

    /** Everything but the Kubernetes-shaped document (lists stay small). */
    static Pod.Builder summaryBuilder(PodRecord r) {
        PodStatus s = r.status();
        var b = Pod.newBuilder().setId(r.id()).setName(r.name()).setNamespace(r.namespace()).setUid(r.uid())
                .setRuntime(r.runtime()).setCreatedAt(r.createdAt()).setSource(Wire.nz(r.source()))
                .addAllWarnings(r.warnings());
        if (r.sandbox() != null) {
            b.setPodIp(Wire.nz(r.sandbox().podIp())).setCgroupParent(Wire.nz(r.sandbox().cgroupParent()))
                    .setNetns(Wire.nz(r.sandbox().netns()));
        }
        if (s != null) {
            b.setPhase(s.phase()).setReason(Wire.nz(s.reason())).setMessage(Wire.nz(s.message()))
                    .setQosClass(s.qosClass()).setReady(s.readyColumn()).setRestarts(s.restarts());
            s.initContainerStatuses().forEach(c -> b.addContainers(container(c, true)));
            s.containerStatuses().forEach(c -> b.addContainers(container(c, false)));
            s.events().forEach(e -> b.addEvents(PodEventEntry.newBuilder().setType(e.type()).setReason(e.reason())
                    .setMessage(e.message()).setCount(e.count()).setFirstTime(e.firstTime()).setLastTime(e.lastTime())));
        }
        return b;
    }

    static Pod summary(PodRecord r) {
        return summaryBuilder(r).build();
    }

    static Pod pod(PodRecord r) {
        return summaryBuilder(r).setKubeJson(KubeView.json(r)).build();
    }

    private static PodContainer container(PodStatus.ContainerState c, boolean init) {
        var b = PodContainer.newBuilder().setName(c.name()).setContainerId(c.containerId()).setImage(c.image())
                .setReady(c.ready()).setStarted(c.started()).setRestartCount(c.restartCount()).setInit(init)
                .setState(c.state().kind()).setReason(Wire.nz(c.state().reason()))
                .setMessage(Wire.nz(c.state().message())).setExitCode(c.state().exitCode());
        if (c.lastState() != null) {
            b.setLastReason(Wire.nz(c.lastState().reason())).setLastExitCode(c.lastState().exitCode());
        }
        return b.build();
    }
}
