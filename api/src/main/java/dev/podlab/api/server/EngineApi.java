package dev.podlab.api.server;

import dev.podlab.api.v1.EngineGrpc;
import dev.podlab.api.v1.InfoRequest;
import dev.podlab.api.v1.InfoResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.RuntimesRequest;
import dev.podlab.api.v1.RuntimesResponse;
import dev.podlab.api.v1.VersionRequest;
import dev.podlab.api.v1.VersionResponse;
import dev.podlab.core.cgroup.CgroupLayout;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.HostInfo;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.core.runtime.RuntimeCatalog;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

/** Version and host facts. */
final class EngineApi extends EngineGrpc.EngineImplBase {
    private final EngineService service;

    EngineApi(EngineService service) {
        this.service = service;
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
        Errors.unary(out, () -> VersionResponse.newBuilder()
                .setVersion(Versions.podlab())
                .setApiVersion("v1")
                .setPid(ProcessHandle.current().pid())
                .setStartedAt(service.startedAt().getEpochSecond() * 1_000_000_000L + service.startedAt().getNano())
                .setStateRoot(service.settings().stateRoot().toString())
                .setSocket(service.socket().toString())
                .build());
    }

    @Override
    public void info(InfoRequest request, StreamObserver<InfoResponse> out) {
        Errors.unary(out, () -> {
            CgroupLayout layout = service.engine().cgroups().layout();
            List<ContainerRecord> containers = service.engine().list();
            var s = service.settings();
            var b = InfoResponse.newBuilder()
                    .setVersion(Versions.podlab())
                    .setKernel(System.getProperty("os.version"))
                    .setCgroupVersion(layout.hybrid() ? "hybrid" : layout.version().name().toLowerCase())
                    .setCgroupParent(s.engineConfig(service.engine().cgroups()).cgroupParent())
                    .addAllCgroupControllers(new TreeSet<>(layout.controllerMounts().keySet()))
                    .setDefaultRuntime(s.defaultRuntime())
                    .setContainers(containers.size())
                    .setContainersRunning((int) containers.stream()
                            .filter(r -> r.status() == ContainerStatus.RUNNING).count())
                    .setImages(service.images().store().list().size())
                    .setHostMemoryBytes(HostInfo.memTotalBytes())
                    .setHostCpus(java.lang.Runtime.getRuntime().availableProcessors())
                    .setStateRoot(s.stateRoot().toString())
                    .setMetricsInterval(text(s.metrics().interval()))
                    .setMetricsHistory(text(s.metrics().history()))
                    .setEngineRssBytes(HostInfo.rssBytes(ProcessHandle.current().pid()))
                    .addAllRepaired(service.repaired());
            runtimes(b::addRuntimes);
            return b.build();
        });
    }

    @Override
    public void runtimes(RuntimesRequest request, StreamObserver<RuntimesResponse> out) {
        Errors.unary(out, () -> {
            var b = RuntimesResponse.newBuilder().setDefaultRuntime(service.settings().defaultRuntime());
            runtimes(b::addRuntimes);
            return b.build();
        });
    }

    /** Every runtime class with its verdict; the first call probes each OCI runtime once (cached on disk). */
    private void runtimes(java.util.function.Consumer<Runtime> sink) {
        for (RuntimeCatalog.Entry e : service.engine().runtimes().entries()) {
            sink.accept(Runtime.newBuilder().setName(e.name()).setHandler(e.handler())
                    .setPath(e.binary() == null ? "" : e.binary().toString()).setVersion(Wire.nz(e.version()))
                    .setWorks(e.works()).setReason(Wire.nz(e.reason())).setAccelerator(e.accelerator()).build());
        }
    }

    static String text(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
