package dev.podlab.cli;

import dev.podlab.core.testing.TestPods;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** play, pods, get -o yaml, describe, trace and down through the CLI and the engine service. */
@Tag("root")
class PodCliTest {
    private CliRunner cli;

    @BeforeEach
    void setUp() throws IOException {
        cli = new CliRunner("plpod");
        dev.podlab.core.image.build.SampleImages.ensure(service().images().store(), TestPods.samples());
    }

    private dev.podlab.api.server.EngineService service() {
        return cli.service;
    }

    @AfterEach
    void tearDown() throws IOException {
        if (cli != null) {
            cli.close();
        }
    }

    @Test
    void aSamplePodPlaysIsShownLikeKubectlAndGoesDown() throws IOException {
        String hello = TestPods.samplePods().resolve("hello.yaml").toString();
        String played = cli.run("play", hello);
        assertThat(cli.stderr()).doesNotContain("error");
        assertThat(played).startsWith("pod/hello ").contains("IP " + cli.subnetPrefix);
        String yaml = "";
        for (int i = 0; i < 100 && !yaml.contains("phase: Succeeded"); i++) {
            yaml = cli.run("get", "pod", "hello", "-o", "yaml");
        }
        assertThat(yaml).contains("kind: Pod", "name: hello", "phase: Succeeded", "reason: Completed",
                "containerID: podlab://", "qosClass: BestEffort");
        assertThat(cli.run("pods")).contains("hello", "0/1", "Completed");
        // The pod's own cgroup is sampled too; stats names its row as the pod.
        String stats = "";
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (!stats.contains("pod/default/hello") && System.nanoTime() < deadline) {
            stats = cli.run("stats", "--no-stream"); // rows appear with the sampler's rounds
        }
        assertThat(stats).contains("pod/default/hello");
        assertThat(cli.run("pods", "-o", "wide")).contains("SOURCE", "hello.yaml");
        assertThat(cli.run("describe", "hello")).contains("Events:", "Started container hello", "Manifest report");
        assertThat(cli.run("trace", "hello")).contains("CNI ADD", "create namespaces", "pivot_root");
        assertThat(cli.run("down", hello)).isEqualTo("pod/default/hello deleted\n");
        assertThat(cli.run("pods")).doesNotContain("hello");
    }

    @Test
    void aBrokenManifestGivesLocatedErrorsOnePerLineAndRunsNothing() throws IOException {
        Path bad = cli.root.resolve("bad.yaml");
        Files.writeString(bad, """
                apiVersion: v1
                kind: Pod
                metadata: {name: Bad_Name}
                spec:
                  containers:
                  - name: a
                    resources: {limits: {memory: 12XB}}
                """);
        cli.err.reset();
        assertThat(cli.status("play", bad.toString())).isEqualTo(125);
        String err = cli.err.toString(StandardCharsets.UTF_8);
        assertThat(err).startsWith("podlab: failed to load pod manifest " + bad + ": 3 errors\n")
                .contains(bad + ":3:18: metadata.name: invalid value \"Bad_Name\"")
                .contains(bad + ":6:5: spec.containers[0].image: required value")
                .contains("spec.containers[0].resources.limits.memory: invalid quantity \"12XB\"");
        assertThat(cli.run("pods")).doesNotContain("Bad_Name");
        assertThat(cli.run("ps", "-a", "-q")).isBlank();

        cli.err.reset();
        Path missing = cli.root.resolve("nosuch.yaml");
        assertThat(cli.status("play", missing.toString())).isEqualTo(125);
        assertThat(cli.err.toString(StandardCharsets.UTF_8))
                .isEqualTo("podlab: failed to read manifest " + missing + ": no such file\n");
    }
}
