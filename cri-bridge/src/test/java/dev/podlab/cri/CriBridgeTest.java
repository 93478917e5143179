package dev.podlab.cri;

import dev.podlab.api.server.EngineService;
import dev.podlab.core.testing.TestEngine;
import dev.podlab.cri.v1.ContainerConfig;
import dev.podlab.cri.v1.ContainerEventResponse;
import dev.podlab.cri.v1.ContainerEventType;
import dev.podlab.cri.v1.ContainerFilter;
import dev.podlab.cri.v1.ContainerMetadata;
import dev.podlab.cri.v1.ContainerState;
import dev.podlab.cri.v1.ContainerStateValue;
import dev.podlab.cri.v1.ContainerStatsRequest;
import dev.podlab.cri.v1.ContainerStatus;
import dev.podlab.cri.v1.ContainerStatusRequest;
import dev.podlab.cri.v1.CreateContainerRequest;
import dev.podlab.cri.v1.ExecRequest;
import dev.podlab.cri.v1.ExecSyncRequest;
import dev.podlab.cri.v1.ExecSyncResponse;
import dev.podlab.cri.v1.GetEventsRequest;
import dev.podlab.cri.v1.ImageFsInfoRequest;
import dev.podlab.cri.v1.ImageServiceGrpc;
import dev.podlab.cri.v1.ImageSpec;
import dev.podlab.cri.v1.ImageStatusRequest;
import dev.podlab.cri.v1.KeyValue;
import dev.podlab.cri.v1.LinuxPodSandboxConfig;
import dev.podlab.cri.v1.ListContainersRequest;
import dev.podlab.cri.v1.ListImagesRequest;
import dev.podlab.cri.v1.ListPodSandboxRequest;
import dev.podlab.cri.v1.PodSandboxConfig;
import dev.podlab.cri.v1.PodSandboxFilter;
import dev.podlab.cri.v1.PodSandboxMetadata;
import dev.podlab.cri.v1.PodSandboxState;
import dev.podlab.cri.v1.PodSandboxStateValue;
import dev.podlab.cri.v1.PodSandboxStatusRequest;
import dev.podlab.cri.v1.RemoveContainerRequest;
import dev.podlab.cri.v1.RemoveImageRequest;
import dev.podlab.cri.v1.RemovePodSandboxRequest;
import dev.podlab.cri.v1.RunPodSandboxRequest;
import dev.podlab.cri.v1.RuntimeConfigRequest;
import dev.podlab.cri.v1.RuntimeServiceGrpc;
import dev.podlab.cri.v1.StartContainerRequest;
import dev.podlab.cri.v1.StatusRequest;
import dev.podlab.cri.v1.StopContainerRequest;
import dev.podlab.cri.v1.StopPodSandboxRequest;
import dev.podlab.cri.v1.VersionRequest;
import dev.podlab.cri.v1.CgroupDriver;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CRI bridge served by a real in-process engine service on its own socket, driven by a grpc-java client as
 * kubelet would: sandbox with a CNI address, a container from the sample image writing its CRI log where the
 * client asked, exec, stop, remove, and the error codes.
 */
@Tag("root")
class CriBridgeTest {
    private static final String UNKNOWN = "0".repeat(64);

    private static CriFixture fx;
    private static TestEngine te;
    private static EngineService service;
    private static ManagedChannel channel;
    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;
    private static ImageServiceGrpc.ImageServiceBlockingStub img;
    private static String image;

    @BeforeAll
    static void start() throws Exception {
        fx = CriFixture.open();
        te = fx.te;
        service = fx.service;
        channel = fx.channel;
        rt = fx.rt;
        img = fx.img;
        image = fx.image;
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private static PodSandboxConfig sandboxConfig(String name, Path logDir) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default")
                        .setUid("uid-" + name).setAttempt(0))
                .setHostname(name)
                .setLogDirectory(logDir.toString())
                .putLabels("app", name)
                .putAnnotations("note", "kept verbatim")
                .build();
    }

    private static String runSandbox(String name, Path logDir) {
        return rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig(name, logDir)).build())
                .getPodSandboxId();
    }

    private static ContainerStatus status(String id) {
        return rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        return Status.Code.OK;
    }

    @Test
    void versionStatusAndRuntimeConfig() {
        var v = rt.version(VersionRequest.newBuilder().setVersion("v1").build());
        assertThat(v.getRuntimeName()).isEqualTo("podlab");
        assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(v.getRuntimeVersion()).isNotEmpty();

        var st = rt.status(StatusRequest.getDefaultInstance()).getStatus();
        assertThat(st.getConditionsList()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("RuntimeReady");
            assertThat(c.getStatus()).isTrue();
        });
        assertThat(st.getConditionsList()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("NetworkReady");
            assertThat(c.getStatus()).as(c.getMessage()).isTrue();
        });
        assertThat(rt.runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver())
                .isEqualTo(CgroupDriver.CGROUPFS);
    }

    @Test
    void socketIsOwnerOnly() throws IOException {
        Path sock = service.settings().cri().socket();
        assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void sandboxAndContainerLifecycle() throws Exception {
        BlockingQueue<ContainerEventResponse> events = new LinkedBlockingQueue<>();
        var async = RuntimeServiceGrpc.newStub(channel);
        var ctx = io.grpc.Context.current().withCancellation();
        ctx.run(() -> async.getContainerEvents(GetEventsRequest.getDefaultInstance(),
                new StreamObserver<>() {
                    public void onNext(ContainerEventResponse e) { events.add(e); }
                    public void onError(Throwable t) { }
                    public void onCompleted() { }
                }));
        try {
            Path logDir = te.root.resolve("logs/default_web_uid-web");
            String sb = runSandbox("web", logDir);
            var sbs = rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sb).setVerbose(true)
                    .build());
            assertThat(sbs.getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
            assertThat(sbs.getStatus().getNetwork().getIp()).matches("10\\.215\\.\\d+\\.\\d+");
            assertThat(sbs.getStatus().getAnnotationsMap()).containsEntry("note", "kept verbatim");
            assertThat(sbs.getStatus().getMetadata().getUid()).isEqualTo("uid-web");
            assertThat(sbs.getInfoMap()).containsKey("info");
            assertThat(CriStore.open(te.root).sandbox(sb)).isPresent();

            assertThat(rt.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                    .putLabelSelector("app", "web")).build()).getItemsList()).extracting(i -> i.getId())
                    .containsExactly(sb);
            assertThat(rt.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                    .putLabelSelector("app", "other")).build()).getItemsList()).isEmpty();
            assertThat(rt.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                    .setId(sb.substring(0, 12))).build()).getItemsList()).hasSize(1);

            var create = CreateContainerRequest.newBuilder().setPodSandboxId(sb)
                    .setSandboxConfig(sandboxConfig("web", logDir))
                    .setConfig(ContainerConfig.newBuilder()
                            .setMetadata(ContainerMetadata.newBuilder().setName("main").setAttempt(0))
                            .setImage(ImageSpec.newBuilder().setImage(image))
                            .addCommand("sh").addArgs("-c").addArgs("echo hi; echo $GREETING; sleep 30")
                            .addEnvs(KeyValue.newBuilder().setKey("GREETING").setValue("hello-env"))
                            .setLogPath("main/0.log")
                            .putLabels("io.kubernetes.container.name", "main")
                            .putAnnotations("a", "b"))
                    .build();
            String id = rt.createContainer(create).getContainerId();
            assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
            assertThat(code(() -> rt.createContainer(create))).isEqualTo(Status.Code.ALREADY_EXISTS);

            rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            ContainerStatus running = status(id);
            assertThat(running.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
            assertThat(running.getStartedAt()).isGreaterThan(0);
            assertThat(running.getLogPath()).isEqualTo(logDir.resolve("main/0.log").toString());
            assertThat(running.getLabelsMap()).containsEntry("io.kubernetes.container.name", "main");
            assertThat(running.getAnnotationsMap()).containsEntry("a", "b");
            assertThat(running.getImage().getImage()).isEqualTo(image);
            assertThat(running.getImageRef()).startsWith("sha256:");

            Path log = logDir.resolve("main/0.log");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<String> lines = List.of();
            while (System.nanoTime() < deadline) {
                lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
                if (lines.size() >= 2) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\S+ stdout F hi"));
            assertThat(lines).anySatisfy(l -> assertThat(l).endsWith(" stdout F hello-env"));

            ExecSyncResponse exec = rt.execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                    .addCmd("sh").addCmd("-c").addCmd("cat /etc/hostname; echo oops >&2; exit 3").setTimeout(20).build());
            assertThat(exec.getExitCode()).isEqualTo(3);
            assertThat(exec.getStdout().toStringUtf8().strip()).isEqualTo("web");
            assertThat(exec.getStderr().toStringUtf8().strip()).isEqualTo("oops");
            assertThat(code(() -> rt.execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("sleep")
                    .addCmd("10").setTimeout(1).build()))).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

            var stats = rt.containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build()).getStats();
            assertThat(stats.getCpu().getUsageCoreNanoSeconds().getValue()).isGreaterThan(0);
            assertThat(stats.getMemory().getWorkingSetBytes().getValue()).isGreaterThan(0);
            assertThat(rt.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                    .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))
                    .setPodSandboxId(sb)).build()).getContainersList()).extracting(c -> c.getId()).containsExactly(id);

            rt.updateContainerResources(dev.podlab.cri.v1.UpdateContainerResourcesRequest.newBuilder()
                    .setContainerId(id).setLinux(dev.podlab.cri.v1.LinuxContainerResources.newBuilder()
                            .setMemoryLimitInBytes(64L << 20)).build());
            var cg = service.engine().cgroups().open(service.engine().inspect(id).cgroupPath());
            assertThat(service.engine().cgroups().stats(cg).memoryLimitBytes()).isEqualTo(64L << 20);

            // sh as PID 1 ignores SIGTERM: the 1 s grace ends in SIGKILL.
            rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
            rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
            ContainerStatus exited = status(id);
            assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(exited.getExitCode()).isEqualTo(137);
            assertThat(exited.getReason()).isEqualTo("Error");
            assertThat(exited.getFinishedAt()).isGreaterThanOrEqualTo(exited.getStartedAt());
            assertThat(rt.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                    .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))).build())
                    .getContainersList()).isEmpty();

            // A container that ends by itself: Completed.
            String done = rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sb)
                    .setConfig(ContainerConfig.newBuilder()
                            .setMetadata(ContainerMetadata.newBuilder().setName("once"))
                            .setImage(ImageSpec.newBuilder().setImage(image))
                            .addCommand("true").setLogPath("once/0.log")).build()).getContainerId();
            rt.startContainer(StartContainerRequest.newBuilder().setContainerId(done).build());
            ContainerStatus once = status(done);
            for (int i = 0; i < 200 && once.getState() != ContainerState.CONTAINER_EXITED; i++) {
                Thread.sleep(50);
                once = status(done);
            }
            assertThat(once.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(once.getExitCode()).isZero();
            assertThat(once.getReason()).isEqualTo("Completed");

            rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            assertThat(code(() -> status(id))).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(service.engine().list()).noneMatch(r -> r.id().equals(id));

            rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            assertThat(rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sb).build())
                    .getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
            assertThat(rt.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                    .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY))).build())
                    .getItemsList()).noneMatch(i -> i.getId().equals(sb));
            assertThat(Path.of(te.root.resolve("run/netns").toString(), sb)).doesNotExist();
            assertThat(code(() -> rt.createContainer(create))).isEqualTo(Status.Code.FAILED_PRECONDITION);

            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            assertThat(code(() -> rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sb)
                    .build()))).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(service.engine().list()).noneMatch(r -> r.id().equals(done));
            assertThat(CriStore.open(te.root).containers()).isEmpty();
            assertThat(Files.readString(log)).contains("hi");

            // The event stream saw the lifecycle in order for the first container.
            List<ContainerEventType> seen = new java.util.ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < until && !seen.contains(ContainerEventType.CONTAINER_DELETED_EVENT)) {
                ContainerEventResponse e = events.poll(100, TimeUnit.MILLISECONDS);
                if (e != null && e.getContainerId().equals(id)) {
                    seen.add(e.getContainerEventType());
                }
            }
            assertThat(seen).containsSubsequence(ContainerEventType.CONTAINER_CREATED_EVENT,
                    ContainerEventType.CONTAINER_STARTED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT,
                    ContainerEventType.CONTAINER_DELETED_EVENT);
        } finally {
            ctx.cancel(null);
        }
    }

    @Test
    void hostNetworkSandboxUsesTheHostsNamespaces() throws Exception {
        var cfg = sandboxConfig("hostnet", te.root.resolve("logs/hostnet")).toBuilder().setHostname("")
                .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                        dev.podlab.cri.v1.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                dev.podlab.cri.v1.NamespaceOption.newBuilder()
                                        .setNetwork(dev.podlab.cri.v1.NamespaceMode.NODE)))).build();
        String sb = rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(cfg).build()).getPodSandboxId();
        try {
            var st = rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sb).build()).getStatus();
            assertThat(st.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
            assertThat(st.getLinux().getNamespaces().getOptions().getNetwork())
                    .isEqualTo(dev.podlab.cri.v1.NamespaceMode.NODE);
            String id = rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sb)
                    .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"))
                            .setImage(ImageSpec.newBuilder().setImage(image)).addCommand("sleep").addArgs("30")
                            .setLinux(dev.podlab.cri.v1.LinuxContainerConfig.newBuilder().setSecurityContext(
                                    dev.podlab.cri.v1.LinuxContainerSecurityContext.newBuilder()
                                            .setNamespaceOptions(dev.podlab.cri.v1.NamespaceOption.newBuilder()
                                                    .setNetwork(dev.podlab.cri.v1.NamespaceMode.NODE))
                                            .setRunAsUser(dev.podlab.cri.v1.Int64Value.newBuilder().setValue(1234))
                                            .setRunAsGroup(dev.podlab.cri.v1.Int64Value.newBuilder().setValue(4321))
                                            .setReadonlyRootfs(true))))
                    .build()).getContainerId();
            rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            ExecSyncResponse ns = rt.execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                    .addCmd("readlink").addCmd("/proc/self/ns/net").setTimeout(10).build());
            assertThat(ns.getStdout().toStringUtf8().strip())
                    .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
            ExecSyncResponse who = rt.execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                    .addCmd("sh").addCmd("-c").addCmd("id -u; id -g; touch /x 2>/dev/null && echo writable || echo ro")
                    .setTimeout(10).build());
            assertThat(who.getStdout().toStringUtf8().split("\n")).containsExactly("1234", "4321", "ro");
            assertThat(status(id).getUser().getLinux().getUid()).isEqualTo(1234);
        } finally {
            rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
        }
        assertThat(CriStore.open(te.root).sandbox(sb)).isEmpty();
    }

    @Test
    void unknownIdsAreNotFound() {
        assertThat(code(() -> status(UNKNOWN))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(UNKNOWN)
                .build()))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> rt.startContainer(StartContainerRequest.newBuilder().setContainerId("nope").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(UNKNOWN).build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(UNKNOWN)
                .build()))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(UNKNOWN)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("x"))
                        .setImage(ImageSpec.newBuilder().setImage(image))).build()))).isEqualTo(Status.Code.NOT_FOUND);
        // Removing what is not there is not an error.
        assertThat(code(() -> rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(UNKNOWN).build())))
                .isEqualTo(Status.Code.OK);
        assertThat(code(() -> rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(UNKNOWN)
                .build()))).isEqualTo(Status.Code.OK);
        assertThat(code(() -> rt.exec(ExecRequest.newBuilder().setContainerId(UNKNOWN).addCmd("sh").setStdout(true)
                .build()))).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void malformedRequestsAreInvalidArguments() {
        assertThat(code(() -> rt.runPodSandbox(RunPodSandboxRequest.getDefaultInstance())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        for (String value : List.of("1\nkernel.panic=1", " 1", "1\t2", "a=b", "")) {
            var cfg = sandboxConfig("bad", te.root.resolve("logs/bad")).toBuilder()
                    .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("net.ipv4.ip_unprivileged_port_start",
                            value)).build();
            assertThat(code(() -> rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(cfg).build())))
                    .as("sysctl value %s", value).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        var badName = sandboxConfig("bad", te.root.resolve("logs/bad")).toBuilder()
                .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("net.ipv4.x\nkernel.panic", "1")).build();
        assertThat(code(() -> rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(badName).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        var relativeLogs = sandboxConfig("bad", te.root.resolve("x")).toBuilder().setLogDirectory("relative/dir")
                .build();
        assertThat(code(() -> rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(relativeLogs).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        // Nothing was made by the refused requests.
        assertThat(CriStore.open(te.root).sandboxes()).noneMatch(s -> s.spec().name().equals("bad"));

        String sb = runSandbox("escape", te.root.resolve("logs/escape"));
        try {
            var escape = CreateContainerRequest.newBuilder().setPodSandboxId(sb).setConfig(ContainerConfig.newBuilder()
                    .setMetadata(ContainerMetadata.newBuilder().setName("c"))
                    .setImage(ImageSpec.newBuilder().setImage(image)).addCommand("true")
                    .setLogPath("../../outside.log")).build();
            assertThat(code(() -> rt.createContainer(escape))).isEqualTo(Status.Code.INVALID_ARGUMENT);
            var noImage = CreateContainerRequest.newBuilder().setPodSandboxId(sb).setConfig(ContainerConfig.newBuilder()
                    .setMetadata(ContainerMetadata.newBuilder().setName("c"))
                    .setImage(ImageSpec.newBuilder().setImage("localhost/podlab/absent:1")).addCommand("true")).build();
            assertThat(code(() -> rt.createContainer(noImage))).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(CriStore.open(te.root).containers()).noneMatch(c -> c.sandboxId().equals(sb));
        } finally {
            rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
        }
    }

    @Test
    void imageService() {
        var listed = img.listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        assertThat(listed).anySatisfy(i -> assertThat(i.getRepoTagsList()).contains(image));
        var st = img.imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image))
                .build());
        assertThat(st.hasImage()).isTrue();
        assertThat(st.getImage().getId()).startsWith("sha256:");
        assertThat(st.getImage().getSize()).isGreaterThan(0);
        var absent = img.imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage("localhost/podlab/absent:1")).build());
        assertThat(absent.hasImage()).isFalse();
        assertThat(code(() -> img.removeImage(RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage("localhost/podlab/absent:1")).build())))
                .isEqualTo(Status.Code.OK);
        var fs = img.imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystemsList();
        assertThat(fs).hasSize(1);
        assertThat(fs.get(0).getUsedBytes().getValue()).isGreaterThan(0);
        assertThat(fs.get(0).getInodesUsed().getValue()).isGreaterThan(0);
    }
}
