package dev.podlab.api;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.LogEntry;
import dev.podlab.api.v1.LogsRequest;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.PodContainer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Logs of a pod container's previous instance ({@code podlab logs --previous}, as kubectl's): a container that
 * fails once and then runs; its current log and its previous one are each instance's own.
 */
@Tag("root")
class PodLogsPreviousApiTest {
    private static final String POD = "prev-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());

    private static TestService ts;
    private static PodlabClient client;

    @BeforeAll
    static void start() throws Exception {
        ts = TestService.start();
        client = ts.client();
        // The first instance leaves a mark in the emptyDir and fails; the second finds it and stays.
        client.pods().withDeadlineAfter(120, TimeUnit.SECONDS).play(PlayRequest.newBuilder().setSource("prev.yaml")
                .setManifest("""
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: %s
                          annotations: {podlab.dev/restart-backoff: 100ms}
                        spec:
                          hostNetwork: true
                          volumes: [{name: data, emptyDir: {}}]
                          containers:
                            - name: app
                              image: localhost/podlab/busybox:latest
                              volumeMounts: [{name: data, mountPath: /data}]
                              command: ["sh", "-c", "if [ -e /data/ran ]; then echo second run; exec sleep 600; fi; touch /data/ran; echo first run; exit 1"]
                            - name: steady
                              image: localhost/podlab/busybox:latest
                              command: ["sleep", "600"]
                        """.formatted(POD)).build());
    }

    @AfterAll
    static void stop() throws Exception {
        TestService.stop(ts, POD);
    }

    @Test
    void theCurrentAndThePreviousInstanceEachHaveTheirOwnLog() throws Exception {
        PodContainer app = await("app restarted once and running");
        assertThat(text(LogsRequest.newBuilder().setId(app.getContainerId()).build())).isEqualTo("second run\n");
        assertThat(text(LogsRequest.newBuilder().setId(app.getContainerId()).setPrevious(true).build()))
                .isEqualTo("first run\n");

        PodContainer steady = client.pods().get(GetPodRequest.newBuilder().setPod(POD).build()).getPod()
                .getContainersList().stream().filter(c -> c.getName().equals("steady")).findFirst().orElseThrow();
        assertThatThrownBy(() -> text(LogsRequest.newBuilder().setId(steady.getContainerId()).setPrevious(true).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("previous instance", "none is kept");
                });
    }

    private static PodContainer await(String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        PodContainer app = null;
        while (System.nanoTime() < deadline) {
            app = client.pods().get(GetPodRequest.newBuilder().setPod(POD).build()).getPod().getContainersList().stream()
                    .filter(c -> c.getName().equals("app")).findFirst().orElseThrow();
            if (app.getRestartCount() == 1 && app.getState().equals("running")) {
                return app;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; last status: " + app);
    }

    private static String text(LogsRequest request) {
        StringBuilder out = new StringBuilder();
        client.containers().logs(request).forEachRemaining((LogEntry e) -> out.append(e.getData().toStringUtf8()));
        return out.toString();
    }
}
