package dev.podlab.cri;

import dev.podlab.cri.v1.ContainerEventResponse;
import dev.podlab.cri.v1.ContainerStatsRequest;
import dev.podlab.cri.v1.ContainerStatsResponse;
import dev.podlab.cri.v1.ContainerStatusRequest;
import dev.podlab.cri.v1.ContainerStatusResponse;
import dev.podlab.cri.v1.CreateContainerRequest;
import dev.podlab.cri.v1.CreateContainerResponse;
import dev.podlab.cri.v1.ExecSyncRequest;
import dev.podlab.cri.v1.ExecSyncResponse;
import dev.podlab.cri.v1.GetEventsRequest;
import dev.podlab.cri.v1.ListContainerStatsRequest;
import dev.podlab.cri.v1.ListContainerStatsResponse;
import dev.podlab.cri.v1.ListContainersRequest;
import dev.podlab.cri.v1.ListContainersResponse;
import dev.podlab.cri.v1.ListPodSandboxRequest;
import dev.podlab.cri.v1.ListPodSandboxResponse;
import dev.podlab.cri.v1.PodSandboxStatusRequest;
import dev.podlab.cri.v1.PodSandboxStatusResponse;
import dev.podlab.cri.v1.RemoveContainerRequest;
import dev.podlab.cri.v1.RemoveContainerResponse;
import dev.podlab.cri.v1.RemovePodSandboxRequest;
import dev.podlab.cri.v1.RemovePodSandboxResponse;
import dev.podlab.cri.v1.ReopenContainerLogRequest;
import dev.podlab.cri.v1.ReopenContainerLogResponse;
import dev.podlab.cri.v1.RunPodSandboxRequest;
import dev.podlab.cri.v1.RunPodSandboxResponse;
import dev.podlab.cri.v1.RuntimeConfigRequest;
import dev.podlab.cri.v1.RuntimeConfigResponse;
import dev.podlab.cri.v1.RuntimeServiceGrpc;
import dev.podlab.cri.v1.StartContainerRequest;
import dev.podlab.cri.v1.StartContainerResponse;
import dev.podlab.cri.v1.StatusRequest;
import dev.podlab.cri.v1.StatusResponse;
import dev.podlab.cri.v1.StopContainerRequest;
import dev.podlab.cri.v1.StopContainerResponse;
import dev.podlab.cri.v1.StopPodSandboxRequest;
import dev.podlab.cri.v1.StopPodSandboxResponse;
import dev.podlab.cri.v1.UpdateContainerResourcesRequest;
import dev.podlab.cri.v1.UpdateContainerResourcesResponse;
import dev.podlab.cri.v1.VersionRequest;
import dev.podlab.cri.v1.VersionResponse;
import dev.podlab.cri.stream.StreamServer;
import dev.podlab.cri.v1.AttachRequest;
import dev.podlab.cri.v1.AttachResponse;
import dev.podlab.cri.v1.ExecRequest;
import dev.podlab.cri.v1.ExecResponse;
import dev.podlab.cri.v1.PortForwardRequest;
import dev.podlab.cri.v1.PortForwardResponse;
import io.grpc.stub.StreamObserver;

/**
 * runtime.v1 RuntimeService: each RPC hands its request to the handler of its group and maps errors. RPCs not
 * overridden here (PodSandboxStats, ListPodSandboxStats, UpdateRuntimeConfig, CheckpointContainer,
 * ListMetricDescriptors, ListPodSandboxMetrics) answer UNIMPLEMENTED from the generated base.
 */
final class CriRuntimeService extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private final RuntimeInfoHandler info;
    private final SandboxHandler sandboxes;
    private final ContainerHandler containers;
    private final StatsHandler stats;
    private final EventsHandler events;
    private final StreamingHandler streaming;

    CriRuntimeService(CriContext cx, StreamServer server) {
        this.streaming = new StreamingHandler(cx, server);
        this.info = new RuntimeInfoHandler(cx);
        this.containers = new ContainerHandler(cx);
        this.sandboxes = new SandboxHandler(cx, containers);
        this.stats = new StatsHandler(cx);
        this.events = new EventsHandler(cx);
    }

    @Override
    public void version(VersionRequest req, StreamObserver<VersionResponse> out) {
        CriErrors.unary(out, () -> info.version(req));
    }

    @Override
    public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
        CriErrors.unary(out, () -> info.status(req));
    }

    @Override
    public void runtimeConfig(RuntimeConfigRequest req, StreamObserver<RuntimeConfigResponse> out) {
        CriErrors.unary(out, info::runtimeConfig);
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest req, StreamObserver<RunPodSandboxResponse> out) {
        CriErrors.unary(out, () -> sandboxes.run(req));
    }

    @Override
    public void stopPodSandbox(StopPodSandboxRequest req, StreamObserver<StopPodSandboxResponse> out) {
        CriErrors.unary(out, () -> sandboxes.stop(req));
    }

    @Override
    public void removePodSandbox(RemovePodSandboxRequest req, StreamObserver<RemovePodSandboxResponse> out) {
        CriErrors.unary(out, () -> sandboxes.remove(req));
    }

    @Override
    public void podSandboxStatus(PodSandboxStatusRequest req, StreamObserver<PodSandboxStatusResponse> out) {
        CriErrors.unary(out, () -> sandboxes.status(req));
    }

    @Override
    public void listPodSandbox(ListPodSandboxRequest req, StreamObserver<ListPodSandboxResponse> out) {
        CriErrors.unary(out, () -> sandboxes.list(req));
    }

    @Override
    public void createContainer(CreateContainerRequest req, StreamObserver<CreateContainerResponse> out) {
        CriErrors.unary(out, () -> containers.create(req));
    }

    @Override
    public void startContainer(StartContainerRequest req, StreamObserver<StartContainerResponse> out) {
        CriErrors.unary(out, () -> containers.start(req));
    }

    @Override
    public void stopContainer(StopContainerRequest req, StreamObserver<StopContainerResponse> out) {
        CriErrors.unary(out, () -> containers.stop(req));
    }

    @Override
    public void removeContainer(RemoveContainerRequest req, StreamObserver<RemoveContainerResponse> out) {
        CriErrors.unary(out, () -> containers.remove(req));
    }

    @Override
    public void listContainers(ListContainersRequest req, StreamObserver<ListContainersResponse> out) {
        CriErrors.unary(out, () -> containers.list(req));
    }

    @Override
    public void containerStatus(ContainerStatusRequest req, StreamObserver<ContainerStatusResponse> out) {
        CriErrors.unary(out, () -> containers.status(req));
    }

    @Override
    public void updateContainerResources(UpdateContainerResourcesRequest req,
                                         StreamObserver<UpdateContainerResourcesResponse> out) {
        CriErrors.unary(out, () -> containers.update(req));
    }

    /**
     * The container's shim opens its log path again (kubelet renamed the file to rotate it); FAILED_PRECONDITION
     * when the container is not running, as kubelet expects.
     */
    @Override
    public void reopenContainerLog(ReopenContainerLogRequest req, StreamObserver<ReopenContainerLogResponse> out) {
        CriErrors.unary(out, () -> {
            containers.reopenLog(req);
            return ReopenContainerLogResponse.getDefaultInstance();
        });
    }

    @Override
    public void execSync(ExecSyncRequest req, StreamObserver<ExecSyncResponse> out) {
        CriErrors.unary(out, () -> containers.execSync(req));
    }

    @Override
    public void exec(ExecRequest req, StreamObserver<ExecResponse> out) {
        CriErrors.unary(out, () -> streaming.exec(req));
    }

    @Override
    public void attach(AttachRequest req, StreamObserver<AttachResponse> out) {
        CriErrors.unary(out, () -> streaming.attach(req));
    }

    @Override
    public void portForward(PortForwardRequest req, StreamObserver<PortForwardResponse> out) {
        CriErrors.unary(out, () -> streaming.portForward(req));
    }

    @Override
    public void containerStats(ContainerStatsRequest req, StreamObserver<ContainerStatsResponse> out) {
        CriErrors.unary(out, () -> stats.stats(req));
    }

    @Override
    public void listContainerStats(ListContainerStatsRequest req, StreamObserver<ListContainerStatsResponse> out) {
        CriErrors.unary(out, () -> stats.list(req));
    }

    @Override
    public void getContainerEvents(GetEventsRequest req, StreamObserver<ContainerEventResponse> out) {
        events.stream(out);
    }
}
