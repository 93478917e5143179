package dev.podlab.core.pod;

import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.pod.manifest.ManifestException;
import dev.podlab.core.runtime.AttachSession;
import dev.podlab.core.testing.TestPods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Manifest fields that used to be reported as not honoured: stdin/stdinOnce/tty, Localhost seccomp, privileged devices. */
@Tag("root")
class PodStdinSeccompDevicesTest {
    private static TestPods t;

    @BeforeAll
    static void open() throws IOException {
        t = TestPods.open(PodManager.Listener.NONE, Duration.ofMillis(200));
        Path profiles = t.pods.seccompProfileRoot().resolve("profiles");
        Files.createDirectories(profiles);
        Files.writeString(profiles.resolve("no-mkdir.json"), """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
                """);
        Files.writeString(profiles.resolve("broken.json"), "{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}");
    }

    @AfterAll
    static void close() throws IOException {
        if (t != null) {
            t.close();
        }
    }

    private static PodRecord play(String yaml) {
        return t.pods.play("test.yaml", yaml, new PodManager.PlayOptions(true, false, null)).pods().get(0);
    }

    private static PodStatus await(PodRecord p, Predicate<PodStatus> done) throws InterruptedException {
        return t.await(p, done, Duration.ofSeconds(30));
    }

    private static String awaitLog(String containerId, String text) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String log = "";
        while (System.nanoTime() < end) {
            log = Files.readString(t.engine.engine.logPath(containerId));
            if (log.contains(text)) {
                return log;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no \"" + text + "\" in the log:\n" + log);
    }

    private static String running(PodRecord p, int container) throws InterruptedException {
        return await(p, s -> s.phase().equals("Running")).containerStatuses().get(container).containerId();
    }

    @Test
    void aLocalhostProfileThatDeniesMkdirMakesMkdirFailWhileOtherCallsWork() throws Exception {
        // --strict: nothing about the profile may be reported as not honoured.
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: seccomp-local}
                spec:
                  containers:
                  - name: app
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    securityContext:
                      seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}
                    command: ["sh", "-c", "mkdir /x 2>&1; echo mkdir=$?; touch /y && echo touch-ok; sleep 600"]
                """);
        String log = awaitLog(running(p, 0), "touch-ok");
        assertThat(log).contains("Operation not permitted").contains("mkdir=1");
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void missingEscapingOrBrokenProfilesAreLocatedErrorsBeforeAnythingRuns() {
        for (String profile : new String[] {"profiles/missing.json", "profiles/../../x.json", "profiles/broken.json"}) {
            assertThatThrownBy(() -> play("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: seccomp-bad}
                    spec:
                      securityContext:
                        seccompProfile: {type: Localhost, localhostProfile: %s}
                      containers:
                      - {name: app, image: localhost/podlab/busybox:latest, imagePullPolicy: Never, command: [sleep, "1"]}
                    """.formatted(profile)))
                    .isInstanceOf(ManifestException.class)
                    .hasMessageContaining("test.yaml:6:")
                    .hasMessageContaining("spec.securityContext.seccompProfile.localhostProfile: ");
        }
        assertThat(t.pods.list()).noneMatch(r -> r.name().equals("seccomp-bad"));
    }

    @Test
    void privilegedContainersSeeTheHostsDevicesOthersDoNot() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/loop-control")),
                "needs /dev/loop-control on the host");
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: devices}
                spec:
                  containers:
                  - name: priv
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    securityContext: {privileged: true}
                    command: ["sh", "-c", "test -c /dev/loop-control && echo has-loop || echo no-loop; test -e /dev/console || echo no-console; sleep 600"]
                  - name: plain
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "test -e /dev/loop-control && echo has-loop || echo no-loop; sleep 600"]
                """);
        PodStatus s = await(p, x -> x.phase().equals("Running") && x.containerStatuses().size() == 2
                && x.containerStatuses().stream().allMatch(c -> c.containerId() != null && !c.containerId().isEmpty()));
        assertThat(awaitLog(s.containerStatuses().get(0).containerId(), "no-console")).contains("has-loop");
        assertThat(awaitLog(s.containerStatuses().get(1).containerId(), "-loop")).contains("no-loop");
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void aStdinContainerOfAPodEchoesThroughAttach() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: stdin-pod}
                spec:
                  containers:
                  - {name: cat, image: localhost/podlab/busybox:latest, imagePullPolicy: Never, command: [cat],
                     stdin: true, stdinOnce: true}
                """);
        String id = running(p, 0);
        StringBuffer out = new StringBuffer();
        var closed = new java.util.concurrent.CompletableFuture<Optional<ExitRecord>>();
        try (AttachSession s = t.engine.engine.attach(id, new AttachSession.Listener() {
            @Override
            public void output(boolean stderr, byte[] data) {
                out.append(new String(data, StandardCharsets.UTF_8));
            }

            @Override
            public void closed(Optional<ExitRecord> exit) {
                closed.complete(exit);
            }
        })) {
            byte[] b = "ping\n".getBytes(StandardCharsets.UTF_8);
            s.write(b, 0, b.length);
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!out.toString().contains("ping") && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(out.toString()).isEqualTo("ping\n");
            s.closeStdin();
            // stdinOnce: cat sees end of file and the container completes.
            assertThat(closed.get(20, java.util.concurrent.TimeUnit.SECONDS))
                    .hasValueSatisfying(e -> assertThat(e.exitCode()).isZero());
        }
        t.pods.down(p.id(), Duration.ZERO);
    }
}
