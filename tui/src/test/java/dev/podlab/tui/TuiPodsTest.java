package dev.podlab.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.DownRequest;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.ListPodsRequest;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.core.net.PodNamespaces;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import dev.podlab.core.testing.TestPods;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pods side of the workbench on a Lanterna virtual terminal against an in-process engine service with real
 * pods (their own bridge and subnet): the pod row, the pod page, play from the file picker, delete with
 * confirmation, restart of a container, a failed pull on the status line, and the feeds coming back after the
 * engine is stopped and a new one serves the same socket.
 */
@Tag("root")
class TuiPodsTest {
    private static final String SUFFIX = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    private static final String POD = "tuipod-" + SUFFIX;

    private static TestEngine te;
    private static EngineSettings settings;
    private static DefaultNetwork network;
    private static String bridge;
    private static String ipForwardBefore;
    private static EngineService service;
    private static PodlabClient client;

    private DefaultVirtualTerminal terminal;
    private PodlabTui tui;

    static String manifest(String name) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  annotations:
                    podlab.dev/restart-backoff: 1s
                spec:
                  nodeSelector:
                    disk: ssd
                  containers:
                    - name: app
                      image: localhost/podlab/busybox:latest
                      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
                      ports:
                        - containerPort: 8080
                """.formatted(name);
    }

    @BeforeAll
    static void startEngine() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("ip");
        HostRequirements.require(Files.isExecutable(Path.of("/usr/lib/cni/bridge")),
                "needs the CNI plugins in /usr/lib/cni (Debian package containernetworking-plugins)");
        te = TestEngine.open();
        EngineSettings s = te.serviceSettings();
        // Pods get a network of their own: no CNI configuration, a test-unique bridge and subnet.
        settings = new EngineSettings(s.stateRoot(), s.runRoot(), s.socket(), s.cri(), s.defaultRuntime(), s.runtimeClasses(),
                s.registries(), new EngineSettings.Cni(te.root.resolve("net.d"), s.cni().binDirs()), s.metrics(), s.cgroupParent());
        bridge = "plt" + SUFFIX;
        ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        network = new DefaultNetwork("plt-" + SUFFIX, bridge, "10.215." + ThreadLocalRandom.current().nextInt(256) + ".0/24",
                te.root.resolve("ipam"));
        service = EngineService.start(settings, te.cgroups, network);
        SampleImages.ensure(service.images().store(), TestPods.samples());
        client = PodlabClient.connect(service.socket());
        play(PlayRequest.newBuilder().setSource("tui.yaml").setManifest(manifest(POD)).setWait(true).build());
    }

    @AfterAll
    static void stopEngine() throws Exception {
        try {
            if (client != null) {
                client.channel().resetConnectBackoff();
                for (Pod p : client.pods().list(ListPodsRequest.getDefaultInstance()).getPodsList()) {
                    try {
                        client.pods().down(DownRequest.newBuilder().addPods(p.getId()).setGraceSeconds(0).setHasGrace(true).build());
                    } catch (RuntimeException e) {
                        System.err.println("cleanup: failed to delete pod " + p.getName() + ": " + e.getMessage());
                    }
                }
                client.close();
            }
        } finally {
            if (service != null) {
                service.close();
            }
            if (te != null) {
                // The private directory mounts the pod namespaces live under go with the root.
                PodNamespaces.open(te.root.resolve("run")).releaseDirectories();
            }
            if (bridge != null && Files.exists(Path.of("/sys/class/net", bridge))) {
                new ProcessBuilder("ip", "link", "del", bridge).inheritIO().start().waitFor();
            }
            if (ipForwardBefore != null) {
                Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
            }
            if (te != null) {
                te.close();
            }
        }
    }

    @BeforeEach
    void open() throws Exception {
        terminal = new DefaultVirtualTerminal(new TerminalSize(200, 90));
        tui = PodlabTui.start(new TerminalScreen(terminal), client, false);
    }

    @AfterEach
    void close() throws Exception {
        tui.close();
    }

    private String screen() throws Exception {
        return String.join("\n", tui.snapshot());
    }

    private String await(String what, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String s = screen();
        while (!condition.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; the screen shows:\n" + s);
            }
            Thread.sleep(50);
            s = screen();
        }
        return s;
    }

    private void type(String text) {
        for (char ch : text.toCharArray()) {
            terminal.addInput(new KeyStroke(ch, false, false));
        }
    }

    private void key(KeyType type) {
        terminal.addInput(new KeyStroke(type));
    }

    private void ctrl(char c) {
        terminal.addInput(new KeyStroke(c, true, false));
    }

    private static List<String> body(String screen) {
        List<String> lines = List.of(screen.split("\n"));
        return lines.subList(4, lines.size() - 2);
    }

    private static boolean rowShows(String screen, String name, String... cells) {
        return body(screen).stream().anyMatch(l -> l.contains(name) && !l.contains("nothing matches")
                && List.of(cells).stream().allMatch(l::contains));
    }

    /** Plays and waits for its containers, within a deadline (a loaded machine is slow, never stuck). */
    private static void play(PlayRequest req) {
        client.channel().resetConnectBackoff();
        client.pods().withDeadlineAfter(120, java.util.concurrent.TimeUnit.SECONDS).play(req);
    }

    private static Pod pod(String ref) {
        return client.pods().get(GetPodRequest.newBuilder().setPod(ref).build()).getPod();
    }

    private static boolean exists(String name) {
        return client.pods().list(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
                .anyMatch(p -> p.getName().equals(name));
    }

    @Test
    void thePodRowThenThePodPageThenItsContainer() throws Exception {
        Pod p = pod(POD);
        String s = await("the pod row", t -> rowShows(t, POD, "default", "builtin", "Running", "1/1", p.getPodIp()));
        assertThat(s.split("\n")[0]).contains("pods ").contains("engine: connected");
        assertThat(s).contains(" pods ");
        // Pod cgroup metrics reach the row: a memory figure rather than "-".
        await("the pod's memory", t -> body(t).stream().anyMatch(l -> l.contains(POD) && l.matches(".*\\d+(\\.\\d)? (B|KiB|MiB).*")));

        type("/" + POD);
        key(KeyType.Enter);
        key(KeyType.Enter);
        s = await("the pod page", t -> t.contains("pod default/" + POD) && t.contains("Containers")
                && t.contains("Manifest report (") && t.contains("Trace (") && !t.contains("Trace (0 steps"));
        assertThat(s).contains("8080/TCP").contains("Conditions").contains("ContainersReady").contains("Events (")
                .contains("Started").contains("nodeSelector").contains("Pod cgroup usage").contains("restartPolicy Always")
                .contains("IO read").contains("IO write");
        assertThat(s).contains(p.getCgroupParent());

        key(KeyType.Enter);
        s = await("the container's details", t -> t.contains("details " + POD + "/app") && t.contains("Trace (")
                && t.contains("state running"));
        assertThat(s).contains("pod default/" + POD + " ›");
        key(KeyType.Escape);
        await("back on the pod page", t -> t.contains("Manifest report (") && !t.contains("details " + POD));
    }

    /** The first line showing {@code what}, or "" (a value line of the cgroups pane). */
    private static String lineWith(String screen, String what) {
        return body(screen).stream().filter(l -> l.contains(what)).findFirst().orElse("");
    }

    @Test
    void theCgroupsPaneShowsRawValuesLiveAndTheConfigPaneOneJsonPerContainer() throws Exception {
        String name = "tuicg-" + SUFFIX;
        play(PlayRequest.newBuilder().setSource("cg.yaml").setWait(true).setManifest("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  containers:
                    - name: app
                      image: localhost/podlab/busybox:latest
                      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
                      resources:
                        limits: {memory: 48Mi, cpu: 500m}
                    - name: side
                      image: localhost/podlab/busybox:latest
                      command: ["sleep", "600"]
                """.formatted(name)).build());
        await("the new pod", t -> rowShows(t, name, "Running", "2/2"));
        type("/" + name);
        key(KeyType.Enter);
        key(KeyType.Enter);
        await("the pod page", t -> t.contains("pod default/" + name) && t.contains("Manifest report ("));

        type("2");
        boolean v2 = te.cgroups.layout().version() == dev.podlab.core.cgroup.CgroupVersion.V2;
        String limitFile = v2 ? "memory.max" : "memory.limit_in_bytes";
        String s = await("the cgroups pane", t -> t.contains("container app")
                && t.contains("pod cgroup " + pod(name).getCgroupParent().replaceAll("^/+", "")));
        assertThat(s).contains(v2 ? "cpu.max" : "cpu.cfs_quota_us").contains("pids.current").contains("memory.stat")
                .contains(v2 ? "memory.events" : "memory.failcnt").contains("cgroup v").contains(" 2 cgroups ");
        // Refreshed on the metrics rounds: the pod's CPU usage counter moves while its loop runs.
        String usage = v2 ? "cpu.stat usage_usec" : "cpuacct.usage";
        String before = lineWith(s, usage);
        assertThat(before).isNotEmpty();
        await("the usage to move", t -> !lineWith(t, usage).isEmpty() && !lineWith(t, usage).equals(before));

        // One controller at a time: the memory hierarchy (v2: the unified one) of the pod and both containers.
        String controller = v2 ? "unified" : "memory";
        for (int i = 0; i < 12 && !screen().contains("showing " + controller + " only"); i++) {
            String shown = lineWith(screen(), "showing ");
            type("f");
            await("the next controller", t -> !lineWith(t, "showing ").equals(shown));
        }
        s = await("memory alone", t -> t.contains("showing " + controller + " only") && t.contains("container side"));
        if (!v2) {
            assertThat(s).doesNotContain("cpu.cfs_quota_us").doesNotContain("pids.current");
        }
        // The container's memory limit as the kernel's file holds it: 48 MiB in bytes ("side" has none, so the
        // pod is Burstable and its own cgroup is not limited to that).
        List<String> lines = body(s);
        int app = lines.indexOf(lines.stream().filter(l -> l.contains("container app")).findFirst().orElseThrow());
        int side = lines.indexOf(lines.stream().filter(l -> l.contains("container side")).findFirst().orElseThrow());
        assertThat(app).isLessThan(side);
        assertThat(lines.subList(app, side)).anyMatch(l -> l.contains(limitFile) && l.contains(" " + (48L << 20)));
        assertThat(lines.subList(side, lines.size())).anyMatch(l -> l.contains(limitFile))
                .noneMatch(l -> l.contains(limitFile) && l.contains(" " + (48L << 20)));

        type("3");
        s = await("app's config.json", t -> t.contains("config.json of app") && t.contains("\"ociVersion\""));
        assertThat(s).contains("while true");
        key(KeyType.ArrowRight);
        await("side's config.json", t -> t.contains("config.json of side") && t.contains("\"ociVersion\"")
                && t.contains("\"sleep\""));
        key(KeyType.PageDown);
        await("side's scrolled", t -> !t.contains("config.json of side") && !t.contains("\"ociVersion\""));
        key(KeyType.ArrowLeft);
        await("app's from its top", t -> t.contains("config.json of app") && t.contains("\"ociVersion\""));
        key(KeyType.ArrowRight);
        await("side's where it was left", t -> !t.contains("config.json of") && t.contains(" 3 config.json "));
        type("1");
        await("the overview again", t -> t.contains("Manifest report (") && t.contains("Pod cgroup usage"));

        // Logs: c switches to the pod's next container; P asks for the previous instance, which a container
        // that never restarted does not have (the engine says so on the status row).
        type("l");
        s = await("a container's log", t -> t.contains("logs " + name + "/"));
        String first = s.contains("logs " + name + "/app") ? "app" : "side";
        String other = first.equals("app") ? "side" : "app";
        type("c");
        await("the other container's log", t -> t.contains("logs " + name + "/" + other)
                && !t.contains("logs " + name + "/" + first));
        type("P");
        await("no previous instance", t -> t.contains("logs " + name + "/" + other + " (previous instance)")
                && t.contains("none is kept"));
        type("P");
        await("back to the log", t -> t.contains("logs " + name + "/" + other) && !t.contains("(previous instance)"));
    }

    @Test
    void restartAsksThenThePodStartsTheContainerAgain() throws Exception {
        String name = "tuirst-" + SUFFIX;
        play(PlayRequest.newBuilder().setSource("r.yaml").setManifest(manifest(name)).setWait(true).build());
        await("the new pod", t -> rowShows(t, name, "Running"));
        type("/" + name);
        key(KeyType.Enter);
        key(KeyType.Enter);
        await("the pod page", t -> t.contains("pod default/" + name) && t.contains("› app") && t.contains("Manifest report ("));
        type("r");
        await("the question", t -> t.contains("restart " + name + "/app") && t.contains("(y/N)"));
        type("n");
        await("cancelled", t -> t.contains("cancelled"));
        assertThat(pod(name).getRestarts()).isZero();
        type("r");
        await("the question again", t -> t.contains("(y/N)"));
        type("y");
        await("one restart on the page", t -> t.contains("restarts 1") && t.contains("phase Running"));
        assertThat(pod(name).getContainers(0).getRestartCount()).isEqualTo(1);
    }

    @Test
    void deleteAsksFirstThenThePodGoes() throws Exception {
        String name = "tuidel-" + SUFFIX;
        play(PlayRequest.newBuilder().setSource("d.yaml").setManifest(manifest(name)).setWait(true).build());
        await("the new pod", t -> rowShows(t, name, "Running"));
        type("/" + name);
        key(KeyType.Enter);
        await("only that pod", t -> !String.join("\n", body(t)).contains(POD));
        ctrl('d');
        await("the question", t -> t.contains("delete pod default/" + name) && t.contains("(y/N)"));
        type("n");
        await("cancelled", t -> t.contains("cancelled") && !t.contains("(y/N)"));
        assertThat(exists(name)).isTrue();
        ctrl('d');
        await("the question again", t -> t.contains("(y/N)"));
        type("y");
        String s = await("the row to go", t -> t.contains("deleted pod default/" + name) && !rowShows(t, name));
        assertThat(exists(name)).isFalse();
        assertThat(s).contains("nothing matches /" + name);
    }

    @Test
    void playFromTheFilePickerRunsASamplePod() throws Exception {
        await("the pods view", t -> t.contains(" pods "));
        type("p");
        // Tests run in the tui module: the sample pods are at ../sample-pods/pods.
        await("the picker", t -> t.contains("play: choose a manifest in " + Path.of("").toAbsolutePath()));
        key(KeyType.Backspace);
        await("the parent", t -> t.contains("sample-pods/"));
        type("s");
        key(KeyType.Enter);
        await("sample-pods", t -> t.contains("pods/") && t.contains("images/"));
        type("p");
        key(KeyType.Enter);
        await("the sample manifests", t -> t.contains("hello.yaml") && t.contains("web.yaml"));
        type("h");
        key(KeyType.Enter);
        String s = await("hello played", t -> t.contains("played pod/hello") && rowShows(t, "hello"));
        assertThat(s).contains(" pods ");
        await("hello to complete", t -> rowShows(t, "hello", "Completed", "0/1"));
        assertThat(pod("hello").getPhase()).isEqualTo("Succeeded");
    }

    @Test
    void helpCompletionAndAFailedPullOnTheStatusLine() throws Exception {
        await("the pods view", t -> t.contains(" pods "));
        type(":po");
        key(KeyType.Tab);
        await("completion", t -> t.contains(":pods"));
        key(KeyType.Escape);
        type(":co");
        String s = await("two candidates", t -> t.contains("containers  compare"));
        assertThat(s).contains(":co");
        key(KeyType.Escape);
        type("?");
        s = await("help", t -> t.contains("play a manifest") && t.contains("compare runtimes"));
        assertThat(s).contains("swap the pod").contains("restart the chosen container").contains("pull an image")
                .contains("delete the pod");
        key(KeyType.Escape);
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String ref = "127.0.0.1:" + port + "/nothing/here:1";
        type("i");
        await("the pull prompt", t -> t.contains("pull image:"));
        type(ref);
        key(KeyType.Enter);
        s = await("the pull's failure", t -> t.split("\n")[t.split("\n").length - 1].contains(ref)
                && !t.contains("pulling " + ref));
        assertThat(s.split("\n")[s.split("\n").length - 1]).doesNotContain("pulled");
    }

    @Test
    void theFeedsReconnectWhenANewEngineServesTheSocket() throws Exception {
        await("the pod row", t -> rowShows(t, POD, "Running"));
        service.close();
        await("the header to say so", t -> t.split("\n")[0].contains("engine: reconnecting"));
        service = EngineService.start(settings, te.cgroups, network);
        String s = await("connected again", t -> t.split("\n")[0].contains("engine: connected"));
        assertThat(s).contains(POD);
        // Only reopened streams bring a pod played after the restart.
        String name = "tuiafter-" + SUFFIX;
        client.channel().resetConnectBackoff();
        play(PlayRequest.newBuilder().setSource("a.yaml").setManifest(manifest(name)).setWait(true).build());
        await("the pod played after the restart", t -> rowShows(t, name, "Running", "1/1"));
        await("the resumed pod", t -> rowShows(t, POD, "Running"));
    }
}
