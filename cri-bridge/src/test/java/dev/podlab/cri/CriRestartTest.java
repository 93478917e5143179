package dev.podlab.cri;

import dev.podlab.cri.v1.ContainerConfig;
import dev.podlab.cri.v1.ContainerMetadata;
import dev.podlab.cri.v1.ContainerState;
import dev.podlab.cri.v1.ContainerStatusRequest;
import dev.podlab.cri.v1.CreateContainerRequest;
import dev.podlab.cri.v1.ExecSyncRequest;
import dev.podlab.cri.v1.ImageSpec;
import dev.podlab.cri.v1.PodSandboxConfig;
import dev.podlab.cri.v1.PodSandboxMetadata;
import dev.podlab.cri.v1.PodSandboxState;
import dev.podlab.cri.v1.PodSandboxStatusRequest;
import dev.podlab.cri.v1.RemovePodSandboxRequest;
import dev.podlab.cri.v1.RunPodSandboxRequest;
import dev.podlab.cri.v1.StartContainerRequest;
import dev.podlab.cri.v1.StopContainerRequest;
import dev.podlab.cri.v1.StopPodSandboxRequest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** CRI sandboxes and containers survive an engine restart: the records are on disk, the shims keep running. */
@Tag("root")
class CriRestartTest {
    @Test
    void sandboxAndRunningContainerSurviveARestart() throws Exception {
        try (CriFixture fx = CriFixture.open()) {
            String sb = fx.rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName("keep").setNamespace("default").setUid("u"))
                    .setHostname("keep").setLogDirectory(fx.te.root.resolve("logs/keep").toString())).build())
                    .getPodSandboxId();
            String ip = fx.rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sb).build())
                    .getStatus().getNetwork().getIp();
            String id = fx.rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sb)
                    .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"))
                            .setImage(ImageSpec.newBuilder().setImage(fx.image)).addCommand("sleep").addArgs("60")
                            .setLogPath("c/0.log")).build()).getContainerId();
            fx.rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            assertThat(Files.readString(fx.te.root.resolve("cri/sandboxes/" + sb + "/sandbox.json"))).contains(ip);

            fx.restart();

            var st = fx.rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sb).build()).getStatus();
            assertThat(st.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
            assertThat(st.getNetwork().getIp()).isEqualTo(ip);
            var cs = fx.rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
            assertThat(cs.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
            assertThat(fx.rt.execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("hostname")
                    .setTimeout(10).build()).getStdout().toStringUtf8().strip()).isEqualTo("keep");

            // The new service watches the adopted container: its exit is seen and recorded.
            fx.rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
            cs = fx.rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
            assertThat(cs.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(cs.getExitCode()).isEqualTo(137);

            fx.rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            fx.rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            assertThat(fx.te.root.resolve("cri/sandboxes/" + sb)).doesNotExist();
            assertThat(fx.service.engine().list()).isEmpty();
        }
    }
}
