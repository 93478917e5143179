package dev.podlab.core.runtime.kvm;

import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.container.ExecResult;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.metrics.MetricsSample;
import dev.podlab.core.metrics.MetricsSampler;
import dev.podlab.core.pod.PodManager;
import dev.podlab.core.pod.PodRecord;
import dev.podlab.core.pod.PodStatus;
import dev.podlab.core.runtime.AttachSession;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestPods;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A pod with {@code runtimeClassName: kvm}: its containers share one micro-VM (one TCG boot). */
@Tag("root")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KvmPodTest {
    private TestPods t;

    @AfterEach
    void close() throws Exception {
        if (t != null) {
            t.close();
        }
    }

    private List<String> log(String containerId) throws Exception {
        List<CriLogLine> lines = new ArrayList<>();
        LogFollower.read(t.engine.engine.logPath(containerId), false, () -> true, lines::add);
        return lines.stream().map(CriLogLine::text).toList();
    }

    /** An attach to a container of the test's engine: its output so far (stderr marked {@code E:}) and its end. */
    private record Attached(AttachSession session, StringBuffer out,
                            java.util.concurrent.CompletableFuture<java.util.Optional<ExitRecord>> closed) {
        String text() {
            return out.toString().replace("\r", "");
        }
    }

    private Attached attach(String containerId) {
        var out = new StringBuffer();
        var closed = new java.util.concurrent.CompletableFuture<java.util.Optional<ExitRecord>>();
        AttachSession session = t.engine.engine.attach(containerId, new AttachSession.Listener() {
            @Override
            public void output(boolean stderr, byte[] data) {
                out.append(stderr ? "E:" : "").append(new String(data, java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public void closed(java.util.Optional<ExitRecord> exit) {
                closed.complete(exit);
            }
        });
        return new Attached(session, out, closed);
    }

    @Test
    void twoContainersOfAKvmPodShareOneVmAndDownStopsIt() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("qemu-system-x86_64");
        t = TestPods.open(PodManager.Listener.NONE, Duration.ofMillis(200));
        String guestRelease = GuestKernel.discover(Path.of("/boot"), Path.of("/lib/modules")).orElseThrow().release();
        int hostPort;
        try (var probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            hostPort = probe.getLocalPort();
        }
        PodRecord p = t.pods.play("vm.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: vm}
                spec:
                  runtimeClassName: kvm
                  containers:
                  - name: kernel
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "uname -r; cat /etc/hostname; sleep 600"]
                  - name: web
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
                    ports: [{containerPort: 8080, hostPort: %d}]
                    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
                  - name: talk
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "while read l; do echo got $l; done; echo bye >&2; exit 3"]
                    stdin: true
                    stdinOnce: true
                  - name: term
                    image: localhost/podlab/busybox:latest
                    imagePullPolicy: Never
                    command: ["sh", "-c", "read x; stty size; exit 4"]
                    stdin: true
                    stdinOnce: true
                    tty: true
                  restartPolicy: Never
                  shareProcessNamespace: true
                """.formatted(hostPort), new PodManager.PlayOptions(false, false, null)).pods().get(0);
        // Ready, not only running: httpd listens a while after its process starts in a TCG guest.
        PodStatus s = t.await(p, st -> st.phase().equals("Running") && st.containerStatuses().stream()
                .allMatch(c -> c.state().kind().equals("running") && c.ready()), Duration.ofMinutes(4));
        KvmRuntime kvm = (KvmRuntime) t.engine.engine.runtimes().handler("kvm");
        Map<String, Long> vms = kvm.runningVms();
        assertThat(vms).hasSize(1);
        assertThat(vms.keySet().iterator().next()).startsWith("pod-");
        long qemuPid = vms.values().iterator().next();
        // QEMU is charged to the pod's host cgroup.
        assertThat(Files.readString(Path.of("/proc/" + qemuPid + "/cgroup"))).contains(p.sandbox().cgroupParent()
                + "/kvm-pod-");

        String kernelId = s.containerStatuses().stream().filter(c -> c.name().equals("kernel")).findFirst()
                .orElseThrow().containerId();
        long logEnd = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (log(kernelId).size() < 2 && System.nanoTime() < logEnd) {
            Thread.sleep(200);
        }
        // The guest kernel, and the pod's hostname file bound in through the share.
        assertThat(log(kernelId)).containsExactly(guestRelease, "vm");
        String webId = s.containerStatuses().stream().filter(c -> c.name().equals("web")).findFirst()
                .orElseThrow().containerId();
        ExecResult ps = t.engine.engine.exec(webId, ExecRequest.of(List.of("uname", "-r")), Duration.ofSeconds(60));
        assertThat(ps.stdoutText()).isEqualTo(guestRelease + "\n");
        // shareProcessNamespace: the pod's containers see each other's processes in the guest.
        ExecResult shared = t.engine.engine.exec(webId, ExecRequest.of(List.of("ps", "-o", "pid,args")),
                Duration.ofSeconds(60));
        assertThat(shared.stdoutText()).contains("sleep 600", "httpd -f -p 8080", "while read l");
        assertThat(shared.stdoutText().lines().filter(l -> l.strip().startsWith("1 ")).toList())
                .as("the first container's init is pid 1 of the shared namespace").singleElement().asString()
                .containsAnyOf("uname -r", "sleep 600");
        // The pod IP reaches the guest: tap0 in the pod's namespace, mirrored to its CNI eth0.
        ExecResult addr = t.engine.engine.exec(webId, ExecRequest.of(List.of("ip", "-4", "addr", "show", "eth0")),
                Duration.ofSeconds(60));
        assertThat(addr.stdoutText()).contains(p.sandbox().podIp() + "/");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> hostname = http.send(HttpRequest.newBuilder(URI.create("http://"
                + p.sandbox().podIp() + ":8080/hostname")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(hostname.statusCode()).isEqualTo(200);
        assertThat(hostname.body()).isEqualTo("vm\n");
        // hostPort: the portmap plugin's DNAT on the host leads to the pod IP, and so into the VM.
        HttpResponse<String> viaHostPort = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort
                + "/hostname")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaHostPort.body()).isEqualTo("vm\n");

        // Attach to a container in the guest: its stdin, both output streams, and its exit record at the end.
        String talkId = s.containerStatuses().stream().filter(c -> c.name().equals("talk")).findFirst()
                .orElseThrow().containerId();
        Attached attach = attach(talkId);
        attach.session().write("hi\n".getBytes(), 0, 3);
        long echoEnd = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!attach.text().contains("got hi\n") && System.nanoTime() < echoEnd) {
            Thread.sleep(50);
        }
        assertThat(attach.text()).isEqualTo("got hi\n");
        attach.session().resize(30, 90); // no terminal: ignored by the guest shim, and harmless
        attach.session().closeStdin(); // stdinOnce: the container's stdin closes, its loop ends
        ExitRecord talkExit = attach.closed().get(60, TimeUnit.SECONDS).orElseThrow();
        assertThat(talkExit.exitCode()).isEqualTo(3);
        assertThat(attach.text()).isEqualTo("got hi\nE:bye\n");
        attach.session().close();
        assertThat(log(talkId)).containsExactly("got hi", "bye");
        // With a terminal: a resize before the input reaches the guest pty first; one output stream.
        String termId = s.containerStatuses().stream().filter(c -> c.name().equals("term")).findFirst()
                .orElseThrow().containerId();
        Attached term = attach(termId);
        term.session().resize(30, 90);
        term.session().write("go\n".getBytes(), 0, 3);
        assertThat(term.closed().get(60, TimeUnit.SECONDS).orElseThrow().exitCode()).isEqualTo(4);
        assertThat(term.text()).isEqualTo("go\n30 90\n");
        term.session().close();

        t.pods.down(p.id(), Duration.ofSeconds(1));
        assertThat(kvm.runningVms()).isEmpty();
        assertThat(Files.exists(Path.of("/proc/" + qemuPid))).as("QEMU reaped").isFalse();
        assertThat(KvmVm.mountsUnder(t.engine.root.resolve("kvm"))).isEmpty();
        assertThat(t.engine.cgroups.exists(p.sandbox().cgroupParent())).isFalse();
    }

    @Test
    void aGuestKernelPanicFailsThePodWithEveryContainerSandboxCrashed() throws Exception {
        PodRecord p = playRunning("crash", sleeper("bystander") + sleeper("crasher")
                + "  securityContext: {privileged: true}\n");
        PodStatus s = t.pods.get(p.id()).status();
        KvmRuntime kvm = (KvmRuntime) t.engine.engine.runtimes().handler("kvm");
        long qemuPid = kvm.runningVms().values().iterator().next();

        // The metrics sampler reads a kvm container's counters from its guest cgroup.
        String bystander = s.containerStatuses().stream().filter(c -> c.name().equals("bystander")).findFirst()
                .orElseThrow().containerId();
        ContainerRecord rec = t.engine.engine.inspect(bystander);
        var target = new MetricsSampler.Target(bystander, t.engine.cgroups.open(rec.cgroupPath()),
                t.engine.engine.statsSource(rec).orElseThrow());
        try (MetricsSampler sampler = new MetricsSampler(() -> List.of(target), cg -> {
            throw new AssertionError("the host cgroup of a kvm container is not read");
        }, Duration.ofSeconds(1), Duration.ofMinutes(1), java.time.Clock.systemUTC())) {
            MetricsSample sample = sampler.sampleOnce(java.time.Instant.now()).get(bystander);
            assertThat(sample).as("a sample of the guest cgroup").isNotNull();
            assertThat(sample.memoryUsageBytes()).isPositive();
            assertThat(sample.pidsCurrent()).isPositive();
            assertThat(sample.cpuUsageNanos()).isPositive();
        }

        // A privileged container crashes the guest kernel: QEMU exits (panic=-1, -no-reboot).
        String crasher = s.containerStatuses().stream().filter(c -> c.name().equals("crasher")).findFirst()
                .orElseThrow().containerId();
        t.engine.engine.exec(crasher, ExecRequest.of(List.of("sh", "-c", "echo c > /proc/sysrq-trigger")),
                Duration.ofSeconds(120));
        PodStatus failed = t.await(p, st -> st.phase().equals("Failed"), Duration.ofMinutes(4));
        assertThat(failed.containerStatuses()).hasSize(2).allSatisfy(c -> {
            assertThat(c.state().kind()).isEqualTo("terminated");
            assertThat(c.state().reason()).isEqualTo(ExitRecord.SANDBOX_CRASHED);
            assertThat(c.state().exitCode()).isEqualTo(255);
            assertThat(c.state().message()).contains("sysrq triggered crash");
        });
        assertThat(failed.events()).anySatisfy(e -> assertThat(e.reason()).isEqualTo(ExitRecord.SANDBOX_CRASHED));
        assertThat(Files.exists(Path.of("/proc/" + qemuPid))).as("QEMU exited").isFalse();

        t.pods.down(p.id(), Duration.ofSeconds(1));
        assertThat(kvm.runningVms()).isEmpty();
        assertThat(KvmVm.mountsUnder(t.engine.root.resolve("kvm"))).isEmpty();
        try (var vms = Files.list(t.engine.root.resolve("kvm/vms"))) {
            assertThat(vms.toList()).isEmpty();
        }
    }

    /**
     * A guest that hangs without panicking (QEMU stopped with SIGSTOP: alive, its socket open, no
     * console line) is found by the watchdog's pings and reported like a crash, within its
     * deadline (a ping every 5 s, 4 missed).
     */
    @Test
    void aHungGuestFailsThePodWithinThePingDeadline() throws Exception {
        PodRecord p = playRunning("hang", sleeper("sleeper"));
        KvmRuntime kvm = (KvmRuntime) t.engine.engine.runtimes().handler("kvm");
        long qemuPid = kvm.runningVms().values().iterator().next();
        ProcessHandle qemu = ProcessHandle.of(qemuPid).orElseThrow();
        try {
            // A running guest answers its pings: the watchdog leaves it alone.
            Thread.sleep(12_000);
            assertThat(t.pods.get(p.id()).status().phase()).isEqualTo("Running");

            signal(qemuPid, "STOP");
            long stopped = System.nanoTime();
            PodStatus failed = t.await(p, st -> st.phase().equals("Failed"), Duration.ofMinutes(3));
            long tookSeconds = Duration.ofNanos(System.nanoTime() - stopped).toSeconds();
            // 4 missed pings 5 s apart (20-25 s), then QEMU is killed; slack for a loaded host.
            assertThat(tookSeconds).as("seconds from SIGSTOP to Failed").isBetween(15L, 120L);
            assertThat(failed.containerStatuses()).singleElement().satisfies(c -> {
                assertThat(c.state().reason()).isEqualTo(ExitRecord.SANDBOX_CRASHED);
                assertThat(c.state().exitCode()).isEqualTo(255);
                assertThat(c.state().message()).contains("unresponsive").contains("did not answer 4 pings");
            });
            assertThat(qemu.isAlive()).as("hung QEMU killed").isFalse();
        } finally {
            if (qemu.isAlive()) {
                signal(qemuPid, "CONT");
                qemu.destroyForcibly(); // by its pid: the VM this test started
            }
        }
        t.pods.down(p.id(), Duration.ofSeconds(1));
        assertThat(kvm.runningVms()).isEmpty();
        assertThat(KvmVm.mountsUnder(t.engine.root.resolve("kvm"))).isEmpty();
    }

    /** Plays a {@code restartPolicy: Never} kvm pod with these containers and waits until all run. */
    private PodRecord playRunning(String name, String containers) throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("qemu-system-x86_64");
        t = TestPods.open(PodManager.Listener.NONE, Duration.ofMillis(200));
        PodRecord p = t.pods.play(name + ".yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  runtimeClassName: kvm
                  restartPolicy: Never
                  containers:
                """.formatted(name) + containers.indent(2), new PodManager.PlayOptions(false, false, null))
                .pods().get(0);
        t.await(p, st -> st.phase().equals("Running") && st.containerStatuses().stream()
                .allMatch(c -> c.state().kind().equals("running")), Duration.ofMinutes(4));
        return p;
    }

    /** A busybox container that sleeps, as an entry of the pod's {@code containers} list. */
    private static String sleeper(String name) {
        return """
                - name: %s
                  image: localhost/podlab/busybox:latest
                  imagePullPolicy: Never
                  command: ["sleep", "600"]
                """.formatted(name);
    }

    @Test
    void theKvmSamplePodRunsBothContainersInOneGuestKernel() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("qemu-system-x86_64");
        t = TestPods.open(PodManager.Listener.NONE, Duration.ofMillis(200));
        String guestRelease = GuestKernel.discover(Path.of("/boot"), Path.of("/lib/modules")).orElseThrow().release();
        Path sample = TestPods.samplePods().resolve("kvm.yaml");
        PodRecord p = t.pods.play("kvm.yaml", Files.readString(sample), new PodManager.PlayOptions(true, false, null))
                .pods().get(0);
        assertThat(p.runtime()).isEqualTo("kvm");
        // Ready, not just running: httpd in a TCG guest binds its port a while after its process starts.
        PodStatus s = t.await(p, st -> st.phase().equals("Running") && st.containerStatuses().stream()
                .allMatch(c -> c.state().kind().equals("running") && c.ready()), Duration.ofMinutes(4));
        String kernelId = s.containerStatuses().stream().filter(c -> c.name().equals("kernel")).findFirst()
                .orElseThrow().containerId();
        long logEnd = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (log(kernelId).isEmpty() && System.nanoTime() < logEnd) {
            Thread.sleep(200);
        }
        assertThat(log(kernelId)).containsExactly("guest kernel " + guestRelease + ", hostname micro-vm");
        KvmRuntime kvm = (KvmRuntime) t.engine.engine.runtimes().handler("kvm");
        assertThat(kvm.runningVms()).hasSize(1);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> hostname = http.send(HttpRequest.newBuilder(URI.create("http://"
                + p.sandbox().podIp() + ":8080/hostname")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(hostname.body()).isEqualTo("micro-vm\n");
        t.pods.down(p.id(), Duration.ZERO);
        assertThat(kvm.runningVms()).isEmpty();
    }

    private static void signal(long pid, String sig) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }
}
