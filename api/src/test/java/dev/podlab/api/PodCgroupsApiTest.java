package dev.podlab.api;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.CgroupNode;
import dev.podlab.api.v1.CgroupValue;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodCgroupsResponse;
import dev.podlab.core.cgroup.CgroupVersion;
import dev.podlab.core.testing.TestEngine;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pods.Cgroups against a real pod with a memory, CPU and pids limit on the host's cgroups: the raw values are
 * the limits the engine wrote, read back from the kernel's files, for the pod and its container.
 */
@Tag("root")
class PodCgroupsApiTest {
    private static final String POD = "cgv-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    private static final long LIMIT = 48L << 20;

    private static TestService ts;
    private static TestEngine te;
    private static PodlabClient client;

    @BeforeAll
    static void start() throws Exception {
        ts = TestService.start();
        te = ts.te();
        client = ts.client();
        // The host's network: this test is about cgroups, not CNI.
        client.pods().withDeadlineAfter(120, TimeUnit.SECONDS).play(PlayRequest.newBuilder().setSource("cg.yaml").setWait(true)
                .setManifest("""
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: %s
                        spec:
                          hostNetwork: true
                          containers:
                            - name: app
                              image: localhost/podlab/busybox:latest
                              command: ["sleep", "600"]
                              resources:
                                limits: {memory: 48Mi, cpu: 500m}
                        """.formatted(POD)).build());
    }

    @AfterAll
    static void stop() throws Exception {
        TestService.stop(ts, POD);
    }

    private static Optional<String> value(PodCgroupsResponse r, String container, String controller, String file, String key) {
        return r.getNodesList().stream().filter(n -> n.getContainer().equals(container) && n.getController().equals(controller))
                .flatMap(n -> n.getValuesList().stream())
                .filter(v -> v.getFile().equals(file) && v.getKey().equals(key)).map(CgroupValue::getValue).findFirst();
    }

    @Test
    void thePodAndItsContainerWithTheRawValuesOfTheirLimits() {
        Pod pod = client.pods().get(GetPodRequest.newBuilder().setPod(POD).build()).getPod();
        PodCgroupsResponse r = client.pods().cgroups(GetPodRequest.newBuilder().setPod(POD).build());

        var layout = te.cgroups.layout();
        assertThat(r.getVersion()).isEqualTo(layout.version() == CgroupVersion.V2 ? "v2" : layout.hybrid() ? "v1 hybrid" : "v1");
        // The pod's nodes come first, at the pod's cgroup; the container's below it.
        String podPath = pod.getCgroupParent().replaceAll("^/+", "");
        assertThat(r.getNodes(0).getContainer()).isEmpty();
        assertThat(r.getNodesList()).filteredOn(n -> n.getContainer().isEmpty()).extracting(CgroupNode::getPath)
                .containsOnly(podPath);
        List<CgroupNode> app = r.getNodesList().stream().filter(n -> n.getContainer().equals("app")).toList();
        assertThat(app).isNotEmpty().allSatisfy(n -> {
            assertThat(n.getPath()).startsWith(podPath + "/");
            assertThat(Path.of(n.getDirectory())).isDirectory();
            assertThat(n.getValuesCount()).isPositive();
        });

        if (layout.version() == CgroupVersion.V1) {
            // The raw file, as the kernel shows it: the limit the manifest asked for, in bytes.
            assertThat(value(r, "app", "memory", "memory.limit_in_bytes", "")).hasValue(Long.toString(LIMIT));
            assertThat(value(r, "", "memory", "memory.limit_in_bytes", "")).hasValue(Long.toString(LIMIT));
            assertThat(value(r, "app", "cpu", "cpu.cfs_quota_us", "")).hasValue("50000");
            assertThat(value(r, "app", "cpu", "cpu.stat", "nr_throttled")).isPresent();
            assertThat(Long.parseLong(value(r, "app", "memory", "memory.usage_in_bytes", "").orElseThrow())).isPositive();
            assertThat(value(r, "app", "memory", "memory.stat", "rss")).isPresent();
            assertThat(Long.parseLong(value(r, "app", "pids", "pids.current", "").orElseThrow())).isGreaterThanOrEqualTo(1);
            assertThat(value(r, "app", "cpuacct", "cpuacct.usage", "")).isPresent();
            Path file = Path.of(app.stream().filter(n -> n.getController().equals("memory")).findFirst().orElseThrow()
                    .getDirectory(), "memory.limit_in_bytes");
            assertThat(file).exists();
        } else {
            assertThat(value(r, "app", "unified", "memory.max", "")).hasValue(Long.toString(LIMIT));
            assertThat(value(r, "app", "unified", "cpu.max", "")).hasValue("50000 100000");
            assertThat(value(r, "app", "unified", "memory.events", "oom_kill")).isPresent();
        }
    }

    @Test
    void anUnknownPodIsNotFound() {
        assertThatThrownBy(() -> client.pods().cgroups(GetPodRequest.newBuilder().setPod("no-such-pod-" + POD).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
