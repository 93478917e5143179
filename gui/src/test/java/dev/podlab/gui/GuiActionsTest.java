package dev.podlab.gui;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.SaveImagesRequest;
import dev.podlab.api.view.ConfigDiffModel;
import dev.podlab.api.view.ExecConsoleModel;
import dev.podlab.api.view.LogsModel;
import dev.podlab.api.view.PodDiagram;
import dev.podlab.api.v1.DownRequest;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.Pod;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.core.net.PodNamespaces;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import dev.podlab.core.testing.TestPods;
import javafx.scene.control.Button;
import javafx.scene.input.KeyCode;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What issue 10's second slice added, driven as a person would (TestFX, headless Monocle) against a real engine
 * service in-process with real containers: the stop action with its confirmation, the logs pane, the exec
 * console, the config.json diff, the pod diagram, the manifest editor's validation as you type, the window
 * state and screenshots of the new views.
 */
@Tag("root")
class GuiActionsTest {
    private static TestEngine te;
    private static String bridge;
    private static String ipForwardBefore;
    private static int hostPort;
    private static Pod pod;
    private static EngineService service;
    private static PodlabClient client;
    private static Container talker;
    private static Container victim;

    private final FxRobot robot = new FxRobot();
    private Workbench wb;
    private Stage stage;

    private static Container run(String name, String script) throws Exception {
        Container c = client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName(name).addAllCommand(List.of("sh", "-c", script))
                .build()).getContainer();
        return client.containers().start(ContainerRef.newBuilder().setId(c.getId()).build()).getContainer();
    }

    @BeforeAll
    static void startEngine() throws Exception {
        HostRequirements.requireCommand("ip");
        HostRequirements.require(Files.isExecutable(Path.of("/usr/lib/cni/bridge")),
                "needs the CNI plugins in /usr/lib/cni (Debian package containernetworking-plugins)");
        te = TestEngine.open();
        ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        // No CNI configuration: the built-in network, on a bridge and subnet of this test's own.
        EngineSettings s = te.serviceSettings();
        EngineSettings settings = new EngineSettings(s.stateRoot(), s.runRoot(), s.socket(), s.cri(), s.defaultRuntime(),
                s.runtimeClasses(), s.registries(), new EngineSettings.Cni(te.root.resolve("net.d"), s.cni().binDirs()),
                s.metrics(), s.cgroupParent());
        String hex = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        bridge = "plgui" + hex;
        service = EngineService.start(settings, te.cgroups, new DefaultNetwork("plgui-" + hex, bridge,
                "10.217." + ThreadLocalRandom.current().nextInt(256) + ".0/24", te.root.resolve("ipam")));
        client = PodlabClient.connect(service.socket());
        SampleImages.ensure(service.images().store(), TestPods.samples());
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            hostPort = free.getLocalPort();
        }
        // A pod of two containers: they share net, ipc and uts; each has its own mount and pid namespace.
        String busybox = SampleImages.reference("busybox").toString();
        pod = client.pods().play(PlayRequest.newBuilder().setSource("gui-pod.yaml").setWait(true).setManifest("""
                apiVersion: v1
                kind: Pod
                metadata: {name: gui-pod}
                spec:
                  containers:
                  - name: app
                    image: %s
                    imagePullPolicy: Never
                    command: ["sleep", "600"]
                    ports: [{containerPort: 80, hostPort: %d, hostIP: 127.0.0.1}]
                  - name: side
                    image: %s
                    imagePullPolicy: Never
                    command: ["sleep", "600"]
                """.formatted(busybox, hostPort, busybox)).build()).getPods(0);
        talker = run("gui-talker", "echo hello-from-talker; echo second line; echo oops >&2; exec sleep 600");
        victim = run("gui-victim", "exec sleep 600");
        FxToolkit.registerPrimaryStage();
    }

    @AfterAll
    static void stopEngine() throws Exception {
        if (client != null && pod != null) {
            client.pods().down(DownRequest.newBuilder().addPods("default/gui-pod").setHasGrace(true).build());
        }
        if (client != null) {
            for (Container c : new Container[] {talker, victim}) {
                if (c != null) {
                    try {
                        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).setForce(true).build());
                    } catch (RuntimeException gone) {
                        // Removed by a test already.
                    }
                }
            }
            client.close();
        }
        if (service != null) {
            service.close();
        }
        if (te != null) {
            PodNamespaces.open(te.root.resolve("run")).releaseDirectories();
            if (Files.exists(Path.of("/sys/class/net", bridge))) {
                new ProcessBuilder("ip", "link", "del", bridge).inheritIO().start().waitFor();
            }
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
            te.close();
        }
    }

    @BeforeEach
    void open() throws Exception {
        stage = FxToolkit.registerPrimaryStage();
        FxToolkit.setupSceneRoot(() -> {
            wb = new Workbench(client);
            return wb.root();
        });
        FxToolkit.setupStage(s -> {
            s.setWidth(PodlabGui.WIDTH);
            s.setHeight(PodlabGui.HEIGHT);
        });
        FxToolkit.showStage();
    }

    @AfterEach
    void close() throws Exception {
        fx(() -> {
            wb.close();
            return null;
        });
    }

    private void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!fx(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; status line: " + fx(() -> wb.status.getText()));
            }
            Thread.sleep(50);
        }
    }

    private static <T> T fx(Callable<T> c) {
        return PodlabGui.onFx(c);
    }

    private void select(Container c) throws Exception {
        await("the row of " + c.getName(), () -> wb.table.rows().stream().anyMatch(r -> r.id().equals(c.getId())));
        fx(() -> {
            wb.show(Workbench.View.CONTAINERS);
            return wb.table.selectId(c.getId());
        });
        await("the selection of " + c.getName(), () -> wb.table.selected().map(r -> r.id().equals(c.getId())).orElse(false));
    }

    private String state(Container c) {
        return fx(() -> wb.containers.table.getItems().stream().filter(r -> r.id().equals(c.getId())).findFirst()
                .map(r -> r.state()).orElse("gone"));
    }

    @Test
    void podsViewListsThePodAndItsPageOpensAContainer() throws Exception {
        robot.press(KeyCode.CONTROL).press(KeyCode.DIGIT1).release(KeyCode.DIGIT1).release(KeyCode.CONTROL);
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.PODS);
        await("the pod row", () -> wb.podsView.table.getItems().stream().anyMatch(r -> r.name().equals("gui-pod")));
        var row = fx(() -> wb.podsView.table.getItems().stream().filter(r -> r.name().equals("gui-pod")).findFirst()
                .orElseThrow());
        assertThat(row.ready()).isEqualTo("2/2");
        assertThat(row.ip()).startsWith("10.217.");
        robot.clickOn(wb.podsView.filter).write("gui-p");
        await("filtered to the pod", () -> wb.podsView.table.getItems().size() == 1);
        fx(() -> wb.pods.selectId("default/gui-pod"));
        await("the pod's page", () -> wb.podsView.header.getText().startsWith("default/gui-pod")
                && wb.podsView.containers.getItems().size() == 2);
        assertThat(fx(() -> List.copyOf(wb.podsView.containers.getItems()))).anySatisfy(l -> assertThat(l)
                .startsWith("app  running").contains("80/TCP"));
        await("its conditions", () -> wb.podsView.conditions.getItems().stream().anyMatch(c -> c.startsWith("Ready  True")));
        await("its events", () -> wb.podsView.events.getItems().stream().anyMatch(e -> e.contains("Started")));
        // The cgroup pane reads the raw values only once opened: the pod's cgroup, then each container's.
        assertThat(fx(() -> wb.podsView.cgroupValues.getItems().isEmpty())).isTrue();
        fx(() -> {
            wb.podsView.cgroupPane.setExpanded(true);
            return null;
        });
        await("the raw cgroup values", () -> wb.podsView.cgroupValues.getItems().stream().anyMatch(r -> r.label()
                .equals("container app")) && wb.podsView.cgroupValues.getItems().stream().anyMatch(r -> r.label()
                .startsWith("memory.limit_in_bytes") || r.label().startsWith("memory.max")));
        assertThat(fx(() -> wb.podsView.cgroupValues.getItems().get(0).label())).isEqualTo("pod cgroup");
        fx(() -> {
            wb.podsView.cgroupPane.setExpanded(false);
            return null;
        });
        assertThat(fx(() -> wb.podsView.cgroupValues.getItems().isEmpty())).isTrue();
        // Opening a container goes to the containers view with it selected.
        fx(() -> {
            wb.podsView.containers.getSelectionModel().select(0);
            wb.podsView.openSelectedContainer();
            return null;
        });
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.CONTAINERS);
        await("the pod's container selected", () -> wb.table.selected().map(r -> r.name().startsWith("gui-pod/"))
                .orElse(false));
    }

    @Test
    void stopAsksFirstThenTheRowLeavesRunning() throws Exception {
        select(victim);
        await("victim running", () -> state(victim).equals("running"));
        // Cancel first: nothing happens.
        robot.clickOn(wb.actions.stop);
        robot.clickOn(lookupButton("Cancel"));
        Thread.sleep(500);
        assertThat(state(victim)).isEqualTo("running");
        robot.clickOn(wb.actions.stop);
        robot.clickOn(lookupButton("Stop container"));
        await("victim no longer running", () -> !state(victim).equals("running") && !state(victim).equals("gone"));
        assertThat(fx(() -> wb.actions.stop.isDisabled())).as("stop is off for a stopped container").isTrue();
        assertThat(fx(() -> wb.status.getText())).startsWith("stopped gui-victim");
    }

    private Button lookupButton(String text) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            var found = fx(() -> robot.lookup(".dialog-pane .button").queryAllAs(Button.class).stream()
                    .filter(b -> text.equals(b.getText()) && b.getScene() != null).findFirst());
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no dialog button " + text);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void logsShowWhatTheContainerPrintedAndSearchHighlightsIt() throws Exception {
        select(talker);
        robot.press(KeyCode.CONTROL).press(KeyCode.L).release(KeyCode.L).release(KeyCode.CONTROL);
        await("the logs tab", () -> wb.containers.tabs.getSelectionModel().getSelectedItem() == wb.containers.logsTab);
        await("the printed line", () -> wb.containers.logs.list.getItems().stream()
                .anyMatch(l -> l.text().equals("hello-from-talker")));
        assertThat(fx(() -> wb.containers.logs.list.getItems().stream().map(LogsModel.Line::stream).toList()))
                .contains("stdout", "stderr");
        robot.clickOn(wb.containers.logs.search).write("from-talk");
        await("one match", () -> wb.containers.logs.model().matches().size() == 1);
        // The matching cell draws the match as its own highlighted Text.
        await("the highlight", () -> robot.from(wb.containers.logs.list).lookup(".log-match").queryAll().stream()
                .anyMatch(n -> n instanceof Text t && t.getText().equals("from-talk")));
        assertThat(fx(() -> wb.containers.logs.info.getText())).contains("1 matches");
        // Pause keeps what arrives aside; resume shows it.
        robot.clickOn(wb.containers.logs.pause);
        assertThat(fx(() -> wb.containers.logs.model().paused())).isTrue();
        robot.clickOn(wb.containers.logs.pause);
        assertThat(fx(() -> wb.containers.logs.model().paused())).isFalse();
    }

    @Test
    void execConsoleRunsEchoAndShowsItsOutputAndStatus() throws Exception {
        select(talker);
        fx(() -> {
            wb.showTab(Workbench.Tab.EXEC);
            return null;
        });
        await("the exec target", () -> wb.containers.exec.model.container().equals(talker.getId()));
        robot.clickOn(wb.containers.exec.input).write("echo gui-exec-$((40+2)); echo to-err >&2").type(KeyCode.ENTER);
        await("the command's end", () -> wb.containers.exec.model.lines().stream()
                .anyMatch(l -> l.kind() == ExecConsoleModel.Kind.STATUS));
        // stdout and stderr are two pipes: which line the console receives first is up to the scheduler.
        var lines = fx(() -> List.copyOf(wb.containers.exec.model.lines()));
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo(
                new ExecConsoleModel.Line(ExecConsoleModel.Kind.COMMAND, "echo gui-exec-$((40+2)); echo to-err >&2"));
        assertThat(lines.subList(1, 3)).containsExactlyInAnyOrder(
                new ExecConsoleModel.Line(ExecConsoleModel.Kind.STDOUT, "gui-exec-42"),
                new ExecConsoleModel.Line(ExecConsoleModel.Kind.STDERR, "to-err"));
        assertThat(lines.get(3)).isEqualTo(new ExecConsoleModel.Line(ExecConsoleModel.Kind.STATUS, "exit status 0"));
        robot.clickOn(wb.containers.exec.input).write("exit 3").type(KeyCode.ENTER);
        await("exit 3", () -> wb.containers.exec.model.lines().getLast().text().equals("exit status 3"));
        robot.type(KeyCode.UP);
        assertThat(fx(() -> wb.containers.exec.input.getText())).isEqualTo("exit 3");
    }

    @Test
    void diffShowsTwoColumnsAndDiagramShowsTheRealNamespaceInodes() throws Exception {
        select(talker);
        fx(() -> {
            wb.showTab(Workbench.Tab.DIFF);
            return null;
        });
        await("the other container to compare with", () -> wb.containers.diff.other.getItems().stream()
                .anyMatch(r -> r.id().equals(victim.getId())));
        fx(() -> {
            wb.containers.diff.compareWith(wb.containers.diff.other.getItems().stream()
                    .filter(r -> r.id().equals(victim.getId())).findFirst().orElseThrow());
            return null;
        });
        await("the diff rows", () -> !wb.containers.diff.model.rows().isEmpty());
        List<ConfigDiffModel.Row> rows = fx(() -> wb.containers.diff.model.rows());
        // The two commands differ; the OCI version does not.
        assertThat(rows).anyMatch(r -> r.kind() != ConfigDiffModel.Kind.SAME && r.left().contains("hello-from-talker"));
        assertThat(rows).anyMatch(r -> r.kind() == ConfigDiffModel.Kind.SAME && r.left().contains("ociVersion"));
        assertThat(fx(() -> wb.containers.diff.leftTitle.getText())).startsWith("gui-talker");
        assertThat(fx(() -> wb.containers.diff.rightTitle.getText())).startsWith("gui-victim");

        fx(() -> {
            wb.showTab(Workbench.Tab.DIAGRAM);
            return null;
        });
        await("the diagram", () -> wb.containers.diagram.diagram() != null);
        PodDiagram d = fx(() -> wb.containers.diagram.diagram());
        assertThat(d.title()).isEqualTo("container gui-talker");
        int pid = client.containers().inspect(InspectContainerRequest.newBuilder().setId(talker.getId())
                .build()).getContainer().getInitPid();
        String net = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString(); // net:[inode]
        PodDiagram.NamespaceRow netRow = d.namespaces().stream().filter(r -> r.type().equals("net")).findFirst().orElseThrow();
        assertThat("net:[" + netRow.groups().get(0).inode() + "]").isEqualTo(net);
        assertThat(d.cgroups()).anyMatch(n -> n.containers().contains("gui-talker") && n.path().contains(te.cgroupParent));
        assertThat(fx(() -> wb.containers.diagram.canvas.getHeight())).isGreaterThan(200);
    }

    @Test
    void podDiagramShowsSharedNamespacesTheCgroupTreeAndTheNetwork() throws Exception {
        String app = pod.getContainersList().stream().filter(c -> c.getName().equals("app")).findFirst().orElseThrow()
                .getContainerId();
        await("the pod's rows", () -> wb.table.rows().stream().filter(r -> r.group().equals("gui-pod")).count() == 2);
        fx(() -> wb.table.selectId(app));
        fx(() -> {
            wb.showTab(Workbench.Tab.DIAGRAM);
            return null;
        });
        await("the pod diagram", () -> wb.containers.diagram.diagram() != null
                && wb.containers.diagram.diagram().title().startsWith("pod default/gui-pod"));
        PodDiagram d = fx(() -> wb.containers.diagram.diagram());
        assertThat(d.containers()).containsExactly("app", "side");
        Map<String, PodDiagram.NamespaceRow> byType = new HashMap<>();
        d.namespaces().forEach(r -> byType.put(r.type(), r));
        assertThat(byType.get("net").shared()).isTrue();
        assertThat(byType.get("uts").shared()).isTrue();
        assertThat(byType.get("mnt").shared()).isFalse();
        int pid = client.containers().inspect(InspectContainerRequest.newBuilder().setId(app).build())
                .getContainer().getInitPid();
        assertThat("net:[" + byType.get("net").groups().get(0).inode() + "]")
                .isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString());
        // The pod's cgroup holds both containers' cgroups.
        Pod got = client.pods().get(GetPodRequest.newBuilder().setPod("gui-pod").build()).getPod();
        String podCgroup = got.getCgroupParent().startsWith("/") ? got.getCgroupParent() : "/" + got.getCgroupParent();
        assertThat(d.cgroups()).anyMatch(n -> n.path().equals(podCgroup) && n.containers().isEmpty());
        assertThat(d.cgroups()).filteredOn(n -> !n.containers().isEmpty())
                .allMatch(n -> n.path().startsWith(podCgroup + "/")).hasSize(2);
        // The network as Pods.Get now tells it.
        assertThat(got.getBridge()).isEqualTo(bridge);
        assertThat(got.getInterface()).isEqualTo("eth0");
        assertThat(got.getPodIp()).startsWith("10.217.");
        assertThat(got.getPortsList()).containsExactly("127.0.0.1:" + hostPort + "->80/tcp (app)");
        assertThat(d.network()).contains(new PodDiagram.Fact("interface", "eth0 " + got.getPodIp()),
                new PodDiagram.Fact("host side", "veth pair -> bridge " + bridge),
                new PodDiagram.Fact("port", "127.0.0.1:" + hostPort + "->80/tcp (app)"));
    }

    @Test
    void importTakesAnArchiveAndAFailedPullEndsTheBarWithItsReason(@TempDir Path dir) throws Exception {
        String ref = SampleImages.reference("busybox").toString();
        Path tar = dir.resolve("busybox.tar");
        client.images().save(SaveImagesRequest.newBuilder().addReferences(ref).setOutput(tar.toString()).build());
        fx(() -> {
            wb.actions.importArchive(tar.toString());
            return null;
        });
        await("the import", () -> wb.status.getText().startsWith("imported 1 image(s) from " + tar));
        assertThat(fx(() -> wb.status.getText())).contains("busybox");

        int closed;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = free.getLocalPort();
        }
        String nowhere = "127.0.0.1:" + closed + "/nope:1";
        fx(() -> {
            wb.actions.pull(nowhere);
            return null;
        });
        assertThat(fx(() -> wb.actions.pullBar.isVisible())).isTrue();
        await("the pull's end", () -> !wb.actions.pulls.active());
        assertThat(fx(() -> wb.actions.pulls.error())).contains("nope");
        assertThat(fx(() -> wb.actions.pullLine.getText())).isEqualTo(fx(() -> wb.actions.pulls.error()));
        assertThat(fx(() -> wb.status.getStyleClass())).contains("error");
    }

    @Test
    void editorMarksTheBrokenLineAsYouTypeAndClearsItWhenFixed() throws Exception {
        robot.press(KeyCode.CONTROL).press(KeyCode.DIGIT7).release(KeyCode.DIGIT7).release(KeyCode.CONTROL);
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.EDITOR);
        await("the sample is valid", () -> wb.editor.model.upToDate() && wb.editor.model.valid());
        String good = EditorView.SAMPLE;
        int badLine = (int) good.lines().count() + 1;
        fx(() -> {
            wb.editor.text.setText(good);
            wb.editor.text.end();
            return null;
        });
        robot.clickOn(wb.editor.text);
        fx(() -> {
            wb.editor.text.end();
            return null;
        });
        robot.write("  restartPolicy: Sometimes");
        await("an error on line " + badLine, () -> wb.editor.model.upToDate() && wb.editor.errorLines().contains(badLine));
        assertThat(fx(() -> wb.editor.problems.getItems())).anyMatch(p -> p.line() == badLine && p.error()
                && p.message().contains("Sometimes"));
        assertThat(fx(() -> wb.editor.summary.getText())).contains("error");
        // The highlighted rendering marks the same line.
        assertThat(fx(() -> wb.editor.highlighted.getChildren().stream()
                .filter(n -> n.getStyleClass().contains("yaml-error-line")).map(n -> ((Text) n).getText())
                .reduce("", String::concat))).contains("Sometimes");
        // Fix it: the mark goes away after the debounce.
        for (int i = 0; i < "Sometimes".length(); i++) {
            robot.type(KeyCode.BACK_SPACE);
        }
        robot.write("Never");
        await("no errors", () -> wb.editor.model.upToDate() && wb.editor.errorLines().isEmpty() && wb.editor.model.valid());
    }

    @Test
    void windowStateRoundTripsThroughTheFileAndShortcutsSwitchViews(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config/podlab/gui.json");
        robot.press(KeyCode.CONTROL).press(KeyCode.DIGIT4).release(KeyCode.DIGIT4).release(KeyCode.CONTROL);
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.RUNTIMES);
        fx(() -> {
            wb.setDark(true);
            stage.setX(40);
            stage.setY(30);
            stage.setWidth(1100);
            stage.setHeight(700);
            PodlabGui.capture(stage, wb).save(file);
            return null;
        });
        WindowState saved = WindowState.load(file);
        assertThat(saved).isEqualTo(new WindowState(40, 30, 1100, 700, false, "runtimes", true));
        // A fresh workbench takes it back.
        fx(() -> {
            wb.setDark(false);
            wb.show(Workbench.View.CONTAINERS);
            stage.setWidth(900);
            PodlabGui.apply(stage, wb, WindowState.load(file));
            return null;
        });
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.RUNTIMES);
        assertThat(fx(() -> wb.dark.isSelected())).isTrue();
        assertThat(fx(() -> stage.getWidth())).isEqualTo(1100);
        robot.press(KeyCode.CONTROL).press(KeyCode.F).release(KeyCode.F).release(KeyCode.CONTROL);
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.CONTAINERS);
        await("the filter's focus", () -> wb.containers.filter.isFocused());
    }

    @Test
    void screenshotsOfTheNewViewsArePngsWithContent(@TempDir Path dir) throws Exception {
        Path keep = Path.of(System.getProperty("podlab.screenshots", dir.toString()));
        record Shot(String name, Workbench.View view, Workbench.Tab tab, boolean dark) {}
        for (Shot s : List.of(new Shot("pods", Workbench.View.PODS, Workbench.Tab.OVERVIEW, false),
                new Shot("containers", Workbench.View.CONTAINERS, Workbench.Tab.OVERVIEW, false),
                new Shot("images", Workbench.View.IMAGES, Workbench.Tab.OVERVIEW, false),
                new Shot("events", Workbench.View.EVENTS, Workbench.Tab.OVERVIEW, false),
                new Shot("host", Workbench.View.HOST, Workbench.Tab.OVERVIEW, false),
                new Shot("logs", Workbench.View.CONTAINERS, Workbench.Tab.LOGS, false),
                new Shot("exec", Workbench.View.CONTAINERS, Workbench.Tab.EXEC, true),
                new Shot("diff", Workbench.View.CONTAINERS, Workbench.Tab.DIFF, false),
                new Shot("diagram", Workbench.View.CONTAINERS, Workbench.Tab.DIAGRAM, true),
                new Shot("editor", Workbench.View.EDITOR, Workbench.Tab.OVERVIEW, false))) {
            Path png = keep.resolve("gui-" + s.name() + ".png");
            PodlabGui.screenshot(client, s.view(), s.tab(), s.dark(), png, 15_000);
            BufferedImage img = ImageIO.read(png.toFile());
            assertThat(img).as(s.name()).isNotNull();
            assertThat(img.getWidth()).isEqualTo(PodlabGui.WIDTH);
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < img.getHeight(); y += 7) {
                for (int x = 0; x < img.getWidth(); x += 7) {
                    colours.add(img.getRGB(x, y));
                }
            }
            assertThat(colours.size()).as("distinct colours in " + s.name()).isGreaterThan(20);
        }
    }

    /** Writes {@code img} as docs/screenshots/gui-NAME.png when the screenshots are being refreshed. */
    private static void keepScreenshot(String name, javafx.scene.image.WritableImage img) {
        String dir = System.getProperty("podlab.screenshots");
        if (dir != null) {
            PodlabGui.writePng(img, Path.of(dir, "gui-" + name + ".png"));
        }
    }

    /** Clicks the header of {@code table}'s column titled {@code title} (the sorted one carries an arrow). */
    private void clickHeader(javafx.scene.control.TableView<?> table, String title) {
        javafx.scene.Node header = fx(() -> table.lookupAll(".column-header").stream()
                .filter(n -> n instanceof javafx.scene.control.skin.TableColumnHeader h && h.getTableColumn() != null
                        && (h.getTableColumn().getText().equals(title) || h.getTableColumn().getText().startsWith(title + " ")))
                .findFirst().orElseThrow(() -> new AssertionError("no header " + title)));
        robot.clickOn(header);
    }

    @Test
    void startsOnPodsAndHeaderClicksSortByValueAcrossLiveUpdates() throws Exception {
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.PODS);
        await("the pod row", () -> wb.podsView.table.getItems().stream().anyMatch(r -> r.name().equals("gui-pod")));
        clickHeader(wb.podsView.table, "RESTARTS");
        assertThat(fx(() -> wb.pods.sortKey())).isEqualTo(dev.podlab.api.view.PodsTableModel.SortKey.RESTARTS);
        assertThat(fx(() -> wb.pods.descending())).isTrue();
        assertThat(fx(() -> wb.podsView.table.getColumns().get(5).getText())).isEqualTo("RESTARTS ▼");
        clickHeader(wb.podsView.table, "RESTARTS");
        assertThat(fx(() -> wb.pods.descending())).isFalse();
        assertThat(fx(() -> wb.podsView.table.getColumns().get(5).getText())).isEqualTo("RESTARTS ▲");

        robot.clickOn("Containers");
        await("every container with usage", () -> wb.containers.table.getItems().size() >= 3
                && wb.containers.table.getItems().stream().filter(r -> r.state().equals("running")).allMatch(r -> r.memoryBytes() > 0));
        clickHeader(wb.containers.table, "MEMORY");
        assertThat(fx(() -> wb.table.sortKey())).isEqualTo(dev.podlab.api.view.ContainersTableModel.SortKey.MEMORY);
        assertThat(fx(() -> wb.table.descending())).isTrue();
        // Metrics arrive every 200 ms: after several rounds the table is still in memory order, biggest first.
        Thread.sleep(1500);
        List<Long> memory = fx(() -> wb.containers.table.getItems().stream().map(dev.podlab.api.view.WorkloadRow::memoryBytes).toList());
        assertThat(memory).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(fx(() -> wb.table.sortKey())).isEqualTo(dev.podlab.api.view.ContainersTableModel.SortKey.MEMORY);
        // The host page has the engine's facts.
        robot.clickOn("Host");
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        await("the host facts", () -> wb.host.facts.getChildren().stream()
                .anyMatch(n -> n instanceof javafx.scene.control.Label l && l.getText().equals(kernel)));
        // A remembered view still wins over Pods.
        fx(() -> {
            wb.apply(new WindowState(0, 0, 900, 700, false, "images", false));
            return null;
        });
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.IMAGES);
    }

    @Test
    void runtimesPlayAManifestOnRuncThenCompareThatPodOnBuiltinAndRunc(@TempDir Path dir) throws Exception {
        HostRequirements.requireCommand("runc");
        Path manifest = dir.resolve("twin.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata: {name: gui-twin}
                spec:
                  containers:
                  - {name: s, image: %s, imagePullPolicy: Never, command: ["sleep", "600"]}
                """.formatted(SampleImages.reference("busybox")));
        robot.clickOn("Runtimes");
        await("working runtimes to choose", () -> wb.runtimes.runtime.getItems().containsAll(List.of("builtin", "runc")));
        try {
            fx(() -> {
                wb.runtimes.addManifest(manifest);
                wb.runtimes.runtime.setValue("runc");
                return null;
            });
            robot.clickOn(wb.runtimes.play);
            await("the played pod on runc", () -> wb.pods.rows().stream().anyMatch(r -> r.name().equals("gui-twin")
                    && r.runtime().equals("runc") && r.phase().equals("Running")));
            await("Play's answer", () -> wb.status.getText().startsWith("played twin.yaml on runc: default/gui-twin Running"));

            // Compare that pod (its stored manifest) on builtin and runc, one start each.
            fx(() -> {
                wb.runtimes.source.setValue(wb.runtimes.source.getItems().stream()
                        .filter(x -> "default/gui-twin".equals(x.podRef())).findFirst().orElseThrow());
                wb.runtimes.runtime.setValue("builtin");
                wb.runtimes.versus.setValue("runc");
                wb.runtimes.rounds.getValueFactory().setValue(1);
                return null;
            });
            robot.clickOn(wb.runtimes.compare);
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (fx(() -> wb.runtimes.model.state()) == dev.podlab.api.view.CompareModel.State.RUNNING
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(fx(() -> wb.runtimes.model.summary())).isEqualTo("pod default/gui-twin (runc) on builtin and runc");
            // Two value columns (after the labels) headed by the runtimes, filled from the real engine.
            assertThat(fx(() -> wb.runtimes.columns.getColumns().stream().map(c -> c.getText()).toList()))
                    .containsExactly("", "builtin", "runc");
            String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
            var rows = fx(() -> List.copyOf(wb.runtimes.columns.getItems()));
            assertThat(rows).anySatisfy(r -> {
                assertThat(r.label()).isEqualTo("kernel inside (uname -r)");
                assertThat(r.cells()).containsExactly(kernel, kernel);
            });
            assertThat(rows).anySatisfy(r -> {
                assertThat(r.label()).isEqualTo("start to running (median of 1)");
                assertThat(r.cells()).allSatisfy(c -> assertThat(c).matches("[1-9][0-9]* ms"));
            });
            assertThat(rows).anySatisfy(r -> {
                assertThat(r.label()).isEqualTo("ns net");
                // The copies run one after the other, so the kernel may hand the second the first one's inode.
                assertThat(r.cells()).allSatisfy(c -> assertThat(c).matches("net:\\[[0-9]+]"));
            });
            assertThat(rows).noneSatisfy(r -> assertThat(r.label()).isEqualTo("error"));
            if (System.getProperty("podlab.screenshots") != null) {
                fx(() -> {
                    stage.setWidth(PodlabGui.WIDTH);
                    stage.setHeight(PodlabGui.HEIGHT);
                    return null;
                });
                Thread.sleep(500);
                keepScreenshot("runtimes", fx(() -> wb.root().getScene().snapshot(null)));
            }
            // The visible cells show the values, and the config.json diff has both runtimes' documents.
            Set<String> texts = new HashSet<>();
            fx(() -> {
                robot.from(wb.runtimes.columns).lookup(".table-cell").queryAll()
                        .forEach(n -> texts.add(((javafx.scene.control.TableCell<?, ?>) n).getText()));
                return null;
            });
            assertThat(texts).contains(kernel, "sleep 600");
            assertThat(fx(() -> wb.runtimes.diff.leftTitle())).isEqualTo("config.json on builtin");
            assertThat(fx(() -> wb.runtimes.diff.rightTitle())).isEqualTo("config.json on runc");
            assertThat(fx(() -> wb.runtimes.diff.rows().size())).isGreaterThan(20);
            // The copies are gone; the played pod still runs.
            assertThat(client.pods().list(dev.podlab.api.v1.ListPodsRequest.getDefaultInstance()).getPodsList())
                    .extracting(Pod::getName).contains("gui-twin").doesNotContain("gui-twin-builtin", "gui-twin-runc");
        } finally {
            try {
                client.pods().down(DownRequest.newBuilder().addPods("default/gui-twin").setHasGrace(true).build());
            } catch (RuntimeException notPlayed) {
                // The play failed: nothing to delete.
            }
        }
    }

    @Test
    void kvmPodDiagramDrawsTheHostAndGuestSides() throws Exception {
        // A diagram built from a fixture (no VM boot): QEMU on the host, the guest kernel and agent inside, the
        // guest restored from a template (the default since session 7).
        var vm = dev.podlab.api.v1.VirtualMachine.newBuilder().setKey("pod-7").setQemuPid(4242).setAccelerator("tcg")
                .setQemuCgroup("podlab/pod-7/kvm-pod-7").setQemuRssBytes(86L << 20).setGuestKernel("6.1.0-56-amd64")
                .setAgent("podlab-shim (/init) protocol 1 on virtio-serial").setBootMillis(2679)
                .setTemplate("c970513177fd6dfe").build();
        Map<String, dev.podlab.api.v1.InspectContainerResponse> in = new java.util.LinkedHashMap<>();
        in.put("app", dev.podlab.api.v1.InspectContainerResponse.newBuilder().setContainer(Container.newBuilder()
                .setCgroupPath("/podlab/pod-7/c1")).setVm(vm).build());
        PodDiagram withVm = PodDiagram.of(Pod.newBuilder().setName("vm").setNamespace("default").setRuntime("kvm").build(), in);
        PodDiagram noVm = new PodDiagram(withVm.title(), withVm.containers(), withVm.namespaces(), withVm.cgroups(),
                withVm.cgroupController(), withVm.network());
        // Drawn off the visible tab: no selection feeds the pane a real pod meanwhile.
        fx(() -> {
            wb.containers.diagram.show(noVm);
            return null;
        });
        double without = fx(() -> wb.containers.diagram.canvas.getHeight());
        fx(() -> {
            wb.containers.diagram.show(withVm);
            return null;
        });
        assertThat(fx(() -> wb.containers.diagram.canvas.getHeight())).isGreaterThan(without + 80);
        assertThat(fx(() -> wb.containers.diagram.diagram().vm())).isNotNull();
        assertThat(fx(() -> wb.containers.diagram.diagram().vm().guest())).extracting(PodDiagram.Fact::label)
                .contains("restored from");
        // The guest box is drawn in its own colour beside the grey host box.
        javafx.scene.image.WritableImage img = fx(() -> wb.containers.diagram.canvas.snapshot(null, null));
        double w = img.getWidth();
        int guestish = 0;
        for (int x = (int) (w / 2); x < w - 20; x += 5) {
            javafx.scene.paint.Color c = img.getPixelReader().getColor(x, 14 + 26 + 20 + 30);
            if (c.getRed() > c.getBlue() + 0.03) {
                guestish++;
            }
        }
        assertThat(guestish).as("orange-tinted pixels in the guest box").isGreaterThan(5);
        keepScreenshot("kvm-diagram", img);
    }
}
