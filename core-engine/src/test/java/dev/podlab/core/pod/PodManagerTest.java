package dev.podlab.core.pod;

import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.events.EventLog;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.net.CniException;
import dev.podlab.core.net.CniNetwork;
import dev.podlab.core.net.CniPlugins;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.core.net.PodNetworkFiles;
import dev.podlab.core.pod.manifest.ManifestException;
import dev.podlab.core.pod.manifest.ManifestParser;
import dev.podlab.core.testing.TestPods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pods from manifests on the real engine, with real CNI networking: the pod controller end to end. */
@Tag("root")
class PodManagerTest {
    private static TestPods t;

    @BeforeAll
    static void open() throws IOException {
        t = TestPods.open(PodManager.Listener.NONE, Duration.ofMillis(200));
    }

    @AfterAll
    static void close() throws IOException {
        if (t != null) {
            t.close();
        }
    }

    private static PodRecord play(String yaml) {
        return t.pods.play("test.yaml", yaml, new PodManager.PlayOptions(false, false, null)).pods().get(0);
    }

    /** Waits (on the status, pushed by the worker) until the predicate holds; fails with the last status. */
    private static PodStatus await(PodRecord p, Predicate<PodStatus> done, Duration timeout) throws InterruptedException {
        return t.await(p, done, timeout);
    }

    private static String logs(String containerId) throws Exception {
        List<CriLogLine> lines = new ArrayList<>();
        LogFollower.read(t.engine.engine.logPath(containerId), false, () -> true, lines::add);
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l.text()).append(l.partial() ? "" : "\n"));
        return sb.toString();
    }

    private static List<String> podNamespaceMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.matches(".*" + t.engine.root + "/run/(net|ipc|uts)ns/.*")).toList();
    }

    @Test
    void aOneShotPodSucceedsAndItsLogIsKept() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: hello}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: hello
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "echo hello from $(POD_NAME) at $POD_IP"]
                    env:
                    - name: POD_NAME
                      valueFrom: {fieldRef: {fieldPath: metadata.name}}
                    - name: POD_IP
                      valueFrom: {fieldRef: {fieldPath: status.podIP}}
                """);
        PodStatus s = await(p, x -> x.phase().equals("Succeeded"), Duration.ofSeconds(30));
        var c = s.containerStatuses().get(0);
        assertThat(c.state().kind()).isEqualTo("terminated");
        assertThat(c.state().reason()).isEqualTo("Completed");
        assertThat(p.sandbox().podIp()).startsWith(t.subnetPrefix);
        assertThat(logs(c.containerId())).isEqualTo("hello from hello at " + p.sandbox().podIp() + "\n");
        t.pods.down(p.id(), Duration.ofSeconds(1));
        assertThat(t.engine.engine.list()).noneMatch(r -> p.id().equals(r.config().labels().get(ContainerSpecs.POD_ID)));
        assertThat(podNamespaceMounts()).isEmpty();
        assertThat(t.engine.cgroups.exists(p.sandbox().cgroupParent())).isFalse();
    }

    @Test
    void initContainersRunInOrderBeforeTheAppAndShareVolumes() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: init-order}
                spec:
                  volumes: [{name: work, emptyDir: {}}]
                  initContainers:
                  - {name: first, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["sh", "-c", "echo first >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
                  - {name: second, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["sh", "-c", "echo second >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
                  containers:
                  - {name: app, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["sh", "-c", "cat /work/order; sleep 600"], volumeMounts: [{name: work, mountPath: /work}]}
                """);
        PodStatus s = await(p, x -> x.phase().equals("Running"), Duration.ofSeconds(30));
        assertThat(s.conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo("Initialized");
            assertThat(c.status()).isEqualTo("True");
        });
        assertThat(s.initContainerStatuses()).allSatisfy(c -> assertThat(c.state().reason()).isEqualTo("Completed"));
        String app = s.containerStatuses().get(0).containerId();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!logs(app).contains("second") && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertThat(logs(app)).isEqualTo("first\nsecond\n");
        assertThat(s.containerStatuses().get(0).ready()).isTrue();
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void aCrashingContainerBacksOffAndKeepsItsLastState() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: crashloop}
                spec:
                  containers:
                  - {name: crash, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["sh", "-c", "echo dying; exit 3"]}
                """);
        PodStatus s = await(p, x -> x.containerStatuses().get(0).restartCount() >= 3, Duration.ofSeconds(30));
        var c = s.containerStatuses().get(0);
        assertThat(c.lastState().kind()).isEqualTo("terminated");
        assertThat(c.lastState().exitCode()).isEqualTo(3);
        assertThat(c.lastState().reason()).isEqualTo("Error");
        assertThat(s.phase()).isEqualTo("Running");
        assertThat(s.events()).anySatisfy(e -> {
            assertThat(e.reason()).isEqualTo("BackOff");
            assertThat(e.message()).contains("restarting failed container=crash");
        });
        // Back-off doubles from the annotation-free base of this manager (200 ms): 200, 400, 800 ms...
        PodStatus later = await(p, x -> x.containerStatuses().get(0).state().reason().equals("CrashLoopBackOff"),
                Duration.ofSeconds(10));
        assertThat(later.containerStatuses().get(0).state().message()).startsWith("back-off ");
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void probesFlipReadinessAndContainersShareLocalhostAndAHostPortIsReachable() throws Exception {
        int hostPort = 20000 + ThreadLocalRandom.current().nextInt(20000);
        PodRecord p = play("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: page}
                data: {index.html: "<h1>hi</h1>"}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  volumes:
                  - {name: page, configMap: {name: page}}
                  - {name: flag, emptyDir: {}}
                  containers:
                  - name: httpd
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
                    ports: [{name: http, containerPort: 8080, hostPort: %d}]
                    volumeMounts:
                    - {name: page, mountPath: /www}
                    - {name: flag, mountPath: /www/flag}
                    readinessProbe:
                      httpGet: {path: /flag/ready, port: http}
                      periodSeconds: 1
                  - name: sidecar
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "sleep 2; wget -q -O - http://127.0.0.1:8080/index.html > /flag/ready; sleep 600"]
                    volumeMounts: [{name: flag, mountPath: /flag}]
                """.formatted(hostPort));
        PodStatus first = await(p, x -> x.phase().equals("Running")
                && x.containerStatuses().stream().allMatch(c -> c.state().kind().equals("running")), Duration.ofSeconds(30));
        assertThat(first.containerStatuses().get(0).ready()).as("not ready before the sidecar wrote the flag").isFalse();
        PodStatus ready = await(p, x -> x.conditions().stream().anyMatch(c -> c.type().equals("Ready")
                && c.status().equals("True")), Duration.ofSeconds(20));
        assertThat(ready.containerStatuses()).allSatisfy(c -> assertThat(c.ready()).isTrue());
        var http = HttpClient.newHttpClient();
        var viaPodIp = http.send(HttpRequest.newBuilder(URI.create("http://" + p.sandbox().podIp() + ":8080/flag/ready"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaPodIp.body()).as("the sidecar fetched the page over the pod's localhost").isEqualTo("<h1>hi</h1>");
        var viaHostPort = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort + "/index.html"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaHostPort.statusCode()).isEqualTo(200);
        assertThat(viaHostPort.body()).isEqualTo("<h1>hi</h1>");
        t.pods.down(p.id(), Duration.ZERO);
        assertThat(podNamespaceMounts()).isEmpty();
    }

    @Test
    void aMemoryHogIsOomKilledAndReportedSo() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: hog}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: hog
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "head -c 200m /dev/zero | tail"]
                    resources: {limits: {memory: 24Mi}}
                """);
        PodStatus s = await(p, x -> x.phase().equals("Failed"), Duration.ofSeconds(30));
        assertThat(s.containerStatuses().get(0).state().reason()).isEqualTo("OOMKilled");
        assertThat(s.qosClass()).isEqualTo("Burstable");
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void deletionRunsPreStopAndHonoursTheGracePeriod() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: graceful}
                spec:
                  terminationGracePeriodSeconds: 2
                  volumes: [{name: out, hostPath: {path: %s, type: DirectoryOrCreate}}]
                  containers:
                  - name: stubborn
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "trap 'echo ignoring TERM' TERM; while true; do sleep 0.1; done"]
                    volumeMounts: [{name: out, mountPath: /out}]
                    lifecycle:
                      preStop: {exec: {command: ["sh", "-c", "echo bye > /out/prestop"]}}
                """.formatted(t.engine.root.resolve("hostpath")));
        await(p, x -> x.phase().equals("Running"), Duration.ofSeconds(30));
        long t0 = System.nanoTime();
        t.pods.down(p.id(), null);
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertThat(took).as("SIGTERM was ignored, so the 2 s grace period ran out before SIGKILL")
                .isBetween(1900L, 15000L);
        assertThat(Files.readString(t.engine.root.resolve("hostpath/prestop"))).isEqualTo("bye\n");
        assertThatThrownBy(() -> t.pods.get(p.id())).isInstanceOf(PodException.NotFound.class);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "on {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"builtin", "runc"})
    void everySamplePodPlaysAndReachesItsExpectedState(String runtime) throws Exception {
        if (runtime.equals("runc")) {
            dev.podlab.core.testing.HostRequirements.requireCommand("runc");
        }
        Path dir = TestPods.samplePods();
        var http = HttpClient.newHttpClient();
        // runc.yaml asks for runc; the runtime given here overrides it, as --runtime does.
        for (String file : List.of("hello.yaml", "init.yaml", "limits.yaml", "crashloop.yaml", "web.yaml", "runc.yaml")) {
            var played = t.pods.play(file, Files.readString(dir.resolve(file)),
                    new PodManager.PlayOptions(true, false, runtime)).pods();
            for (PodRecord p : played) {
                assertThat(p.runtime()).isEqualTo(runtime);
                switch (p.name()) {
                    case "hello" -> await(p, x -> x.phase().equals("Succeeded"), Duration.ofSeconds(30));
                    case "init-demo" -> {
                        PodStatus s = await(p, x -> x.phase().equals("Running"), Duration.ofSeconds(30));
                        String app = s.containerStatuses().get(0).containerId();
                        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                        while (!logs(app).contains("step 3") && System.nanoTime() < end) {
                            Thread.sleep(50);
                        }
                        assertThat(logs(app)).contains("step 1: fetched", "step 2: prepared", "step 3: app running");
                    }
                    case "mem-hog" -> assertThat(await(p, x -> x.phase().equals("Failed"), Duration.ofSeconds(30))
                            .containerStatuses().get(0).state().reason()).isEqualTo("OOMKilled");
                    case "cpu-spinner" -> {
                        await(p, x -> x.phase().equals("Running"), Duration.ofSeconds(30));
                        var cg = t.engine.cgroups.open(p.sandbox().cgroupParent());
                        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                        while (t.engine.cgroups.stats(cg).cpuThrottledPeriods() == 0 && System.nanoTime() < end) {
                            Thread.sleep(100);
                        }
                        assertThat(t.engine.cgroups.stats(cg).cpuThrottledPeriods()).as("held by its quota").isPositive();
                    }
                    case "crashloop" -> await(p, x -> x.containerStatuses().get(0).restartCount() >= 1,
                            Duration.ofSeconds(30));
                    case "web" -> {
                        await(p, x -> x.conditions().stream().anyMatch(c -> c.type().equals("Ready")
                                && c.status().equals("True")), Duration.ofSeconds(40));
                        var page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18080/")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertThat(page.body()).contains("Served by busybox httpd in a podlab pod");
                    }
                    case "on-runc" -> {
                        PodStatus s = await(p, x -> x.phase().equals("Running"), Duration.ofSeconds(30));
                        String id = s.containerStatuses().get(0).containerId();
                        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                        while (!logs(id).contains("pid 1 is") && System.nanoTime() < end) {
                            Thread.sleep(50);
                        }
                        assertThat(logs(id)).startsWith("pid 1 is sh in ").contains(":"); // a /proc/self/cgroup line
                    }
                    default -> throw new AssertionError("unexpected sample pod " + p.name());
                }
                t.pods.down(p.id(), Duration.ZERO);
            }
        }
        assertThat(t.pods.list()).isEmpty();
        assertThat(podNamespaceMounts()).isEmpty();
    }

    @Test
    void podsReachEachOtherByPodIp() throws Exception {
        PodRecord server = play("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: greeting}
                data: {index.html: "hello from the server pod"}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: server}
                spec:
                  volumes: [{name: www, configMap: {name: greeting}}]
                  containers:
                  - {name: httpd, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["httpd", "-f", "-p", "8080", "-h", "/www"], volumeMounts: [{name: www, mountPath: /www}],
                     readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}}
                """);
        await(server, x -> x.containerStatuses().get(0).ready(), Duration.ofSeconds(30));
        String ip = server.sandbox().podIp();
        PodRecord client = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: client}
                spec:
                  restartPolicy: Never
                  containers:
                  - {name: fetch, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["wget", "-q", "-O", "-", "http://%s:8080/index.html"]}
                """.formatted(ip));
        PodStatus done = await(client, x -> x.phase().equals("Succeeded") || x.phase().equals("Failed"),
                Duration.ofSeconds(30));
        assertThat(client.sandbox().podIp()).isNotEqualTo(ip).startsWith(t.subnetPrefix);
        assertThat(logs(done.containerStatuses().get(0).containerId())).isEqualTo("hello from the server pod\n");
        assertThat(done.phase()).isEqualTo("Succeeded");
        t.pods.down(client.id(), Duration.ZERO);
        t.pods.down(server.id(), Duration.ZERO);
    }

    @Test
    void aHostNetworkPodSharesTheHostsNetworkAndName() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: hostnet}
                spec:
                  hostNetwork: true
                  restartPolicy: Never
                  containers:
                  - {name: c, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["sh", "-c", "readlink /proc/self/ns/net; hostname"]}
                """);
        PodStatus s = await(p, x -> x.phase().equals("Succeeded"), Duration.ofSeconds(30));
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        assertThat(logs(s.containerStatuses().get(0).containerId()))
                .isEqualTo(host + "\n" + Files.readString(Path.of("/proc/sys/kernel/hostname")));
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void aBadManifestStartsNothing() {
        int before = t.engine.engine.list().size();
        assertThatThrownBy(() -> play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: bad}
                spec:
                  containers:
                  - {name: a}
                """)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("test.yaml:6:5: spec.containers[0].image: required value");
        assertThat(t.engine.engine.list()).hasSize(before);
        assertThatThrownBy(() -> t.pods.get("bad")).isInstanceOf(PodException.NotFound.class);
    }

    @Test
    void stdinTtyAndPrivilegedAreHonouredSoStrictAcceptsThem() throws Exception {
        String yaml = """
                apiVersion: v1
                kind: Pod
                metadata: {name: stdin}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: c
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "test -t 0 && echo tty"]
                    stdin: true
                    stdinOnce: true
                    tty: true
                    securityContext: {privileged: true}
                """;
        PodRecord p = t.pods.play("stdin.yaml", yaml, new PodManager.PlayOptions(true, false, null)).pods().get(0);
        assertThat(p.warnings()).noneMatch(w -> w.contains("stdin") || w.contains("tty") || w.contains("privileged"));
        PodStatus s = await(p, x -> x.phase().equals("Succeeded"), Duration.ofSeconds(30));
        assertThat(logs(s.containerStatuses().get(0).containerId()).strip()).isEqualTo("tty"); // stdin was the pty
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void terminationMessagesComeFromTheFileOrTheLog() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: last-words}
                spec:
                  restartPolicy: Never
                  containers:
                  - {name: file, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     command: ["sh", "-c", "echo 'disk full' > /dev/termination-log; exit 2"]}
                  - {name: logs, image: localhost/podlab/busybox:latest, imagePullPolicy: Never,
                     terminationMessagePolicy: FallbackToLogsOnError,
                     command: ["sh", "-c", "echo starting; echo 'cannot bind :80'; exit 1"]}
                """);
        PodStatus s = await(p, x -> x.phase().equals("Failed"), Duration.ofSeconds(30));
        assertThat(s.containerStatuses().get(0).state().message()).isEqualTo("disk full\n");
        assertThat(s.containerStatuses().get(1).state().message()).isEqualTo("starting\ncannot bind :80");
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void securityContextCapabilitiesSeccompAndSysctlsAreApplied() throws Exception {
        PodRecord p = t.pods.play("sec.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: sec}
                spec:
                  restartPolicy: Never
                  securityContext:
                    sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "0"}]
                  containers:
                  - name: c
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; cat /proc/sys/net/ipv4/ip_unprivileged_port_start"]
                    securityContext:
                      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
                      seccompProfile: {type: Unconfined}
                """, new PodManager.PlayOptions(true, false, null)).pods().get(0);
        PodStatus s = await(p, x -> x.phase().equals("Succeeded"), Duration.ofSeconds(30));
        String out = logs(s.containerStatuses().get(0).containerId());
        assertThat(out).contains("CapEff:\t0000000000000400") // bit 10: CAP_NET_BIND_SERVICE only
                .contains("NoNewPrivs:\t1")
                .contains("Seccomp:\t0")
                .endsWith("0\n");
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void theSamePodRunsOnBuiltinAndRuncSideBySideAndSwapsBetweenThem() throws Exception {
        dev.podlab.core.testing.HostRequirements.requireCommand("runc");
        String yaml = """
                apiVersion: v1
                kind: Pod
                metadata: {name: twin}
                spec:
                  containers:
                  - {name: s, image: localhost/podlab/busybox:latest, imagePullPolicy: Never, command: ["sleep", "600"]}
                """;
        var columns = RuntimeComparison.run(t.pods, "twin.yaml", yaml, List.of("builtin", "runc"), 1);
        assertThat(columns).extracting(RuntimeComparison.Column::runtime).containsExactly("builtin", "runc");
        for (var c : columns) {
            assertThat(c.error()).as(c.runtime()).isEmpty();
            assertThat(c.startMillisMedian()).isPositive();
            assertThat(c.kernel()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
            assertThat(c.pid1()).isEqualTo("sleep 600");
            assertThat(c.namespaces()).containsKeys("net", "pid", "mnt");
            assertThat(c.podMemoryBytes()).isPositive();
            assertThat(c.shimRssBytes()).isPositive();
        }
        assertThat(columns.get(0).configDiff()).isEmpty();
        assertThat(columns.get(1).configJson()).contains("<container-id>").doesNotContain("twin-runc");
        assertThat(t.pods.list()).isEmpty();

        PodRecord p = play(yaml);
        await(p, x -> x.phase().equals("Running"), Duration.ofSeconds(30));
        var swap = t.pods.swap("twin", "runc", Duration.ofSeconds(60));
        assertThat(swap.before().runtime()).isEqualTo("builtin");
        assertThat(swap.after().runtime()).isEqualTo("runc");
        assertThat(swap.after().status().phase()).isEqualTo("Running");
        String id = swap.after().status().containerStatuses().get(0).containerId();
        assertThat(t.engine.engine.inspect(id).runtime()).isEqualTo("runc");
        t.pods.down(swap.after().id(), Duration.ZERO);
    }

    @Test
    void aNewManagerResumesARunningPod() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: survivor}
                spec:
                  containers:
                  - {name: s, image: localhost/podlab/busybox:latest, imagePullPolicy: Never, command: ["sleep", "600"]}
                """);
        PodStatus s = await(p, x -> x.phase().equals("Running"), Duration.ofSeconds(30));
        String id = s.containerStatuses().get(0).containerId();
        // As after an engine restart: the worker goes away, the container stays; a new manager adopts it.
        var sandbox = new PodSandbox(t.namespaces, t.network, t.engine.cgroups, t.engine.cgroupParent,
                dev.podlab.core.net.PodNetworkFiles.open(dev.podlab.core.net.PodNetworkFiles.HostFiles.system()));
        t.pods.close();
        try (var second = new PodManager(t.engine.engine, t.images, t.engine.root, sandbox, "builtin",
                Duration.ofMillis(200), PodManager.Listener.NONE)) {
            assertThat(second.resume()).contains("pod default/survivor");
            PodRecord again = second.get("survivor");
            assertThat(again.status().containerStatuses().get(0).containerId()).isEqualTo(id);
            ContainerRecord c = t.engine.engine.inspect(id);
            assertThat(c.status().name()).isEqualTo("RUNNING");
            second.down(again.id(), Duration.ZERO);
        }
        t.pods.resume(); // the fixture's manager takes the remaining pods back
    }

    // ---- pod start: containers created while CNI ADD runs, started in spec order afterwards ----------------

    private static final String BUSYBOX = "image: localhost/podlab/busybox:latest, imagePullPolicy: Never";

    private static List<TraceEvent> podTrace(PodRecord p) {
        return new EventLog(t.pods.store().podDir(p.id()).resolve("events.jsonl")).read();
    }

    private static TraceEvent step(List<TraceEvent> trace, String name) {
        return trace.stream().filter(e -> e.step().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no step " + name + " in " + trace));
    }

    private static long end(TraceEvent e) {
        return e.startNanos() + e.durationNanos();
    }

    @Test
    void containersAreCreatedDuringCniAddAndStartInSpecOrderWithThePodIpInEtcHosts() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: overlap}
                spec:
                  containers:
                  - {name: a, %1$s, command: ["sleep", "600"]}
                  - {name: b, %1$s, command: ["sleep", "600"]}
                  - {name: c, %1$s, command: ["sleep", "600"]}
                """.formatted(BUSYBOX));
        PodStatus s = await(p, x -> x.containerStatuses().stream().allMatch(c -> c.state().kind().equals("running")),
                Duration.ofSeconds(30));
        List<TraceEvent> pod = podTrace(p);
        TraceEvent add = step(pod, "CNI ADD");
        TraceEvent hosts = step(pod, "update /etc/hosts");
        assertThat(hosts.startNanos()).isGreaterThanOrEqualTo(end(add));
        long previousStart = 0;
        for (PodStatus.ContainerState c : s.containerStatuses()) {
            List<TraceEvent> trace = t.engine.engine.trace(c.containerId());
            TraceEvent start = step(trace, "start");
            assertThat(start.startNanos()).as("%s starts after /etc/hosts got the pod IP", c.name())
                    .isGreaterThanOrEqualTo(end(hosts));
            assertThat(start.startNanos()).as("%s starts after the one before it", c.name()).isGreaterThan(previousStart);
            previousStart = start.startNanos();
        }
        // The worker begins creating as ADD begins; ADD runs Go plugins (well over 50 ms), so the first container's
        // create has begun before ADD ends even on a loaded machine.
        TraceEvent firstCreate = t.engine.engine.trace(s.containerStatuses().get(0).containerId()).get(0);
        assertThat(firstCreate.startNanos()).isLessThan(end(add));

        // The file bind-mounted at create is the one rewritten after ADD: containers see the pod's address.
        String ip = t.pods.get(p.id()).sandbox().podIp();
        assertThat(ip).startsWith(t.subnetPrefix);
        for (PodStatus.ContainerState c : s.containerStatuses()) {
            int pid = t.engine.engine.inspect(c.containerId()).initPid();
            assertThat(Files.readString(Path.of("/proc/" + pid + "/root/etc/hosts"))).contains(ip + "\toverlap\n");
        }
        assertThat(t.pods.get(p.id()).warnings()).noneMatch(w -> w.contains("no IP address"));
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void aPostStartHookFinishesBeforeTheNextContainerStarts() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: hooked}
                spec:
                  restartPolicy: Never
                  volumes: [{name: shared, emptyDir: {}}]
                  containers:
                  - name: first
                    %1$s
                    command: ["sleep", "600"]
                    volumeMounts: [{name: shared, mountPath: /shared}]
                    lifecycle:
                      postStart:
                        exec: {command: ["sh", "-c", "sleep 1; touch /shared/hooked"]}
                  - name: second
                    %1$s
                    command: ["sh", "-c", "test -f /shared/hooked || exit 3; exec sleep 600"]
                    volumeMounts: [{name: shared, mountPath: /shared}]
                """.formatted(BUSYBOX.replace(", ", "\n    ")));
        assertAllStayRunning(p); // the second exits 3 when it starts before the hook finished
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void laterContainersJoinTheFirstOnesPidNamespace() throws Exception {
        PodRecord p = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: shared-pid}
                spec:
                  restartPolicy: Never
                  shareProcessNamespace: true
                  containers:
                  - {name: first, %1$s, command: ["sleep", "601"]}
                  - {name: second, %1$s, command: ["sh", "-c", "ps | grep -q '[s]leep 601' || exit 4; exec sleep 600"]}
                """.formatted(BUSYBOX));
        assertAllStayRunning(p); // the second exits 4 when it does not see the first one's process
        t.pods.down(p.id(), Duration.ZERO);
    }

    @Test
    void theNetworkComesFirstWhereAContainerNeedsItOrThereIsNone() {
        var set = ManifestParser.parse("test.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: plain}
                spec:
                  containers: [{name: a, %1$s}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: wants-ip}
                spec:
                  containers:
                  - {name: a, %1$s, env: [{name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: host}
                spec:
                  hostNetwork: true
                  containers: [{name: a, %1$s}]
                """.formatted(BUSYBOX), false);
        assertThat(t.pods.overlapsNetwork(set.pod("plain").orElseThrow(), "builtin")).isTrue();
        assertThat(t.pods.overlapsNetwork(set.pod("wants-ip").orElseThrow(), "builtin")).isFalse();
        assertThat(t.pods.overlapsNetwork(set.pod("host").orElseThrow(), "builtin")).isFalse();
        // The VM attaches its tap to the pod's eth0 at create; a runtime podlab does not know fails at create.
        assertThat(t.pods.overlapsNetwork(set.pod("plain").orElseThrow(), "kvm")).isFalse();
        assertThat(t.pods.overlapsNetwork(set.pod("plain").orElseThrow(), "no-such-runtime")).isFalse();
    }

    @Test
    void aFailedCniAddRemovesTheContainersCreatedMeanwhileAndTheSandbox() throws Exception {
        // bridge succeeds, then tuning fails on a sysctl that does not exist: the runner rolls the chain back.
        String hex = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        String bridge = "plf" + hex;
        Path confDir = Files.createDirectories(t.engine.root.resolve("net.d-failing"));
        String name = "plf-" + hex;
        Files.writeString(confDir.resolve("10-failing.conflist"), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.214.%d.0/24"}]], "dataDir": "%s"}},
                  {"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.podlab_no_such_sysctl": "1"}}]}
                """.formatted(name, bridge, ThreadLocalRandom.current().nextInt(256),
                t.engine.root.resolve("ipam-failing")));
        CniNetwork failing = CniNetwork.open(new CniNetwork.Settings(confDir, CniPlugins.DEFAULT_BIN_DIRS, t.engine.root,
                new DefaultNetwork(name, bridge, "10.214.0.0/24", null), Duration.ofSeconds(60)));
        PodManager pods = new PodManager(t.engine.engine, t.images, t.engine.root,
                new PodSandbox(t.namespaces, failing, t.engine.cgroups, t.engine.cgroupParent,
                        PodNetworkFiles.open(PodNetworkFiles.HostFiles.system())), "builtin", Duration.ofMillis(200),
                PodManager.Listener.NONE);
        List<String> mountsBefore = podNamespaceMounts();
        List<Path> podDirsBefore = podDirs();
        try {
            assertThatThrownBy(() -> pods.play("test.yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: no-net}
                    spec:
                      containers:
                      - {name: a, %1$s, command: ["sleep", "600"]}
                      - {name: b, %1$s, command: ["sleep", "600"]}
                    """.formatted(BUSYBOX), new PodManager.PlayOptions(false, false, null)))
                    .isInstanceOf(CniException.class).hasMessageContaining("tuning");
            assertThat(pods.list()).isEmpty();
            assertThat(t.engine.engine.list())
                    .noneMatch(r -> "no-net".equals(r.config().labels().get(ContainerSpecs.POD_NAME)));
            assertThat(podNamespaceMounts()).isEqualTo(mountsBefore);
            assertThat(podDirs()).isEqualTo(podDirsBefore);
        } finally {
            pods.close();
            if (Files.exists(Path.of("/sys/class/net", bridge))) {
                new ProcessBuilder("ip", "link", "del", bridge).inheritIO().start().waitFor();
            }
        }
    }

    /** Once every container left "waiting", each is running and still is a moment later (not exited at once). */
    private static void assertAllStayRunning(PodRecord p) throws InterruptedException {
        await(p, x -> x.containerStatuses().stream().noneMatch(c -> c.state().kind().equals("waiting")),
                Duration.ofSeconds(30));
        Thread.sleep(300);
        assertThat(t.pods.get(p.id()).status().containerStatuses())
                .allSatisfy(c -> assertThat(c.state().kind()).as(c.name()).isEqualTo("running"));
    }

    private static List<Path> podDirs() throws IOException {
        Path root = t.pods.store().podDir("x").getParent();
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (var dirs = Files.list(root)) {
            return dirs.sorted().toList();
        }
    }
}
