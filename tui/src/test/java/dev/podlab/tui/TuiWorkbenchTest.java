package dev.podlab.tui;

import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.MouseAction;
import com.googlecode.lanterna.input.MouseActionType;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.ImageLayersRequest;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.ListImagesRequest;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The workbench on a Lanterna virtual terminal against a real engine service (in-process, temp root) with
 * real containers: what a person at the keyboard would see and do.
 */
@Tag("root")
class TuiWorkbenchTest {
    private static TestEngine te;
    private static EngineService service;
    private static PodlabClient client;
    private static Container web;
    private static Container db;

    private DefaultVirtualTerminal terminal;
    private PodlabTui tui;

    @BeforeAll
    static void startEngine() throws Exception {
        te = TestEngine.open();
        service = EngineService.start(te.serviceSettings(), te.cgroups);
        client = PodlabClient.connect(service.socket());
        web = run("tui-web", "sh", "-c", "echo hello-from-web; exec sleep 600");
        db = run("tui-db", "sleep", "600");
    }

    @AfterAll
    static void stopEngine() throws Exception {
        if (client != null) {
            client.close();
        }
        if (service != null) {
            service.close();
        }
        if (te != null) {
            te.close();
        }
    }

    private static Container run(String name, String... command) throws Exception {
        Container c = client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName(name).addAllCommand(List.of(command)).build())
                .getContainer();
        return client.containers().start(ContainerRef.newBuilder().setId(c.getId()).build()).getContainer();
    }

    @BeforeEach
    void open() throws Exception {
        terminal = new DefaultVirtualTerminal(new TerminalSize(180, 50));
        tui = PodlabTui.start(new TerminalScreen(terminal), client, false);
        // The first view is the pods table; these tests are about the containers view.
        await("the pods view", t -> t.contains(" pods "));
        type(":containers");
        key(KeyType.Enter);
        await("the containers view", t -> t.contains(" containers "));
    }

    @AfterEach
    void close() throws Exception {
        tui.close();
    }

    private String screen() throws Exception {
        return String.join("\n", tui.snapshot());
    }

    /** The screen once {@code condition} holds, or a failure showing the last screen after 15 s. */
    private String await(String what, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
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

    /** The table's body: the lines under the title bar and column heads, above the hint and status lines. */
    private static List<String> body(String screen) {
        List<String> lines = List.of(screen.split("\n"));
        return lines.subList(4, lines.size() - 2);
    }

    @Test
    void tableShowsTheContainersAndTheFilterNarrowsIt() throws Exception {
        String kernel = "kernel " + System.getProperty("os.version");
        String s = await("both containers and the host", t -> t.contains("tui-web") && t.contains("tui-db") && t.contains(kernel));
        assertThat(s).contains(web.getId().substring(0, 12)).contains("running");
        assertThat(s.split("\n")[0]).contains(kernel).contains("engine pid " + ProcessHandle.current().pid());
        // The VM runtime says which accelerator its guests get (TCG on these machines: no /dev/kvm).
        assertThat(s.split("\n")[1]).containsPattern("kvm (✓ \\((TCG|KVM)\\)|✗)");
        assertThat(PodlabTui.accelerator(dev.podlab.api.v1.Runtime.newBuilder().setWorks(true).setAccelerator("tcg")
                .build())).isEqualTo(" (TCG)");
        type("/");
        type("web");
        key(KeyType.Enter);
        s = await("the filter to drop tui-db", t -> t.contains("/web") && !String.join("\n", body(t)).contains("tui-db"));
        assertThat(String.join("\n", body(s))).contains("tui-web");
        assertThat(s).contains("containers 1/");

        // A smaller terminal: the next frame fits it.
        terminal.setTerminalSize(new TerminalSize(90, 20));
        s = await("the frame at 90x20", t -> t.split("\n").length == 20 && t.contains("tui-web"));
        assertThat(s.split("\n")[0]).hasSize(90);
    }

    @Test
    void enterOpensDetailsWithTheTraceAndLogsShowWhatTheContainerPrinted() throws Exception {
        await("tui-web", t -> t.contains("tui-web"));
        type("/tui-web");
        key(KeyType.Enter);
        await("only tui-web", t -> !String.join("\n", body(t)).contains("tui-db"));
        key(KeyType.Enter);
        var trace = client.containers().inspect(InspectContainerRequest.newBuilder().setId(web.getId()).setTrace(true)
                .build()).getTraceList();
        assertThat(trace).isNotEmpty();
        String lastStep = trace.get(trace.size() - 1).getStep();
        String s = await("the details with the trace", t -> t.contains("details tui-web") && t.contains("Trace ("
                + trace.size() + " steps"));
        assertThat(s).contains(lastStep).contains("Usage (live").contains("state running");
        // Block IO as read and write rates (the container does none: 0 B/s once two samples exist).
        s = await("the IO lines", t -> t.matches("(?s).*IO read [^\\n]*\\d (B|KiB|MiB)/s.*")
                && t.matches("(?s).*IO write [^\\n]*\\d (B|KiB|MiB)/s.*"));
        // config.json is further down the same page: Tab jumps section by section.
        for (int i = 0; i < 5; i++) {
            key(KeyType.Tab);
        }
        await("config.json", t -> t.contains("\"ociVersion\""));
        // The writable layer: a file the container got since it started shows as added, with its size.
        client.containers().execSync(dev.podlab.api.v1.ExecSyncRequest.newBuilder().setId(web.getId())
                .addAllCommand(List.of("sh", "-c", "printf 12345 > /tmp/tui-added")).build());
        type("d");
        await("the writable layer", t -> t.contains("Writable layer (") && t.contains("A /tmp/tui-added  5 B"));

        type("l");
        s = await("the log line", t -> t.contains("logs tui-web") && t.contains("hello-from-web"));
        assertThat(s).contains("following");
        type("T");
        await("timestamps", t -> t.matches("(?s).*\\d\\d:\\d\\d:\\d\\d\\.\\d{3} hello-from-web.*"));
        key(KeyType.Escape);
        key(KeyType.Escape);
        await("back at the table", t -> t.contains(" containers ") && !t.contains("details tui-web"));
    }

    @Test
    void theMouseSelectsARowScrollsAndADoubleClickOpensIt() throws Exception {
        String s = await("both containers", t -> t.contains("tui-web") && t.contains("tui-db"));
        List<String> rows = body(s);
        int web = indexOf(rows, "tui-web");
        int db = indexOf(rows, "tui-db");
        // One click selects tui-db; the wheel moves the selection row by row to tui-web; Enter opens it.
        click(4 + db);
        for (int i = 0; i < Math.abs(web - db); i++) {
            terminal.addInput(new MouseAction(web > db ? MouseActionType.SCROLL_DOWN : MouseActionType.SCROLL_UP, 0,
                    new TerminalPosition(10, 4 + db)));
        }
        key(KeyType.Enter);
        await("the details of tui-web", t -> t.contains("details tui-web"));
        key(KeyType.Escape);
        s = await("the table again", t -> t.contains(" containers ") && !t.contains("details tui-web"));
        int dbNow = indexOf(body(s), "tui-db");
        // A double click opens the row under it.
        click(4 + dbNow);
        click(4 + dbNow);
        await("the details of tui-db", t -> t.contains("details tui-db"));
    }

    private static int indexOf(List<String> rows, String text) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError(text + " is not in the table: " + rows);
    }

    private void click(int screenRow) {
        var at = new TerminalPosition(10, screenRow);
        terminal.addInput(new MouseAction(MouseActionType.CLICK_DOWN, 1, at));
        terminal.addInput(new MouseAction(MouseActionType.CLICK_RELEASE, 1, at));
    }

    @Test
    void commandModeCompletesAndSwitchesViews() throws Exception {
        await("the table", t -> t.contains("tui-web"));
        type(":ev");
        key(KeyType.Tab);
        await("completion", t -> t.contains(":events"));
        key(KeyType.Enter);
        await("live events", t -> t.contains(" events ") && t.contains("container.started"));
        type(":runtimes");
        key(KeyType.Enter);
        await("the runtimes", t -> t.contains("builtin *") && t.contains("HANDLER"));
        type(":nonsense");
        key(KeyType.Enter);
        await("an error on the status line", t -> t.contains("unknown command :nonsense"));
        type("?");
        await("help", t -> t.contains("Ctrl-K") && t.contains("sort by name"));
        type(":images");
        key(KeyType.Enter);
        await("the images view", t -> t.contains(" images ") && t.contains("PLATFORM"));
    }

    @Test
    void imagesOpenTheirLayersWithTheFileTreeOfEachLayer() throws Exception {
        // Built locally from the repository's recipes into the engine's own store (no network).
        SampleImages.ensure(ImageStores.open(te.root.resolve("images")), SampleImages.recipesDir());
        String ref = "localhost/podlab/layers-demo:latest";
        List<Image> images = client.images().list(ListImagesRequest.getDefaultInstance()).getImagesList();
        int index = 0;
        while (!images.get(index).getNamesList().contains(ref)) {
            index++;
        }
        await("the table", t -> t.contains("tui-web"));
        type(":images");
        key(KeyType.Enter);
        await("the sample image", t -> t.contains(ref));
        type("j".repeat(index));
        key(KeyType.Enter);
        var layers = client.images().layers(ImageLayersRequest.newBuilder().setReference(ref).setFiles(true).build());
        String s = await("the layers", t -> t.contains("layers " + ref) && t.contains("files of layer 0"));
        assertThat(s).contains(String.format("efficiency %.1f %%", layers.getEfficiency() * 100)).contains("wasted");
        for (var l : layers.getLayersList()) {
            assertThat(s).contains(l.getCreatedBy().substring(0, Math.min(40, l.getCreatedBy().length())));
        }
        // The first layer that modifies and removes files: its tree marks them ~ and -.
        int target = 0;
        while (layers.getLayers(target).getModified() == 0 || layers.getLayers(target).getRemoved() == 0) {
            target++;
        }
        type("j".repeat(target));
        int layer = target;
        s = await("layer " + layer, t -> t.contains("files of layer " + layer));
        List<String> tree = List.of(s.substring(s.indexOf("files of layer " + layer)).split("\n"));
        for (var change : layers.getLayers(layer).getChangesList()) {
            String name = change.getPath().substring(change.getPath().lastIndexOf('/') + 1);
            char mark = switch (change.getKind()) {
                case "added" -> '+';
                case "modified" -> '~';
                case "removed" -> '-';
                default -> ' ';
            };
            assertThat(tree).as("%s %s", change.getKind(), change.getPath())
                    .anySatisfy(line -> assertThat(line).startsWith(mark + " ").contains(" " + name));
        }
    }

    @Test
    void stopAsksFirstThenStopsTheContainer() throws Exception {
        await("tui-db", t -> t.contains("tui-db"));
        type("/tui-db");
        key(KeyType.Enter);
        await("only tui-db", t -> !String.join("\n", body(t)).contains("tui-web"));
        type("t");
        await("the question", t -> t.contains("stop tui-db? (y/N)"));
        type("n");
        await("cancelled", t -> t.contains("cancelled"));
        assertThat(state(db)).isEqualTo("running");
        type("t");
        await("the question again", t -> t.contains("stop tui-db? (y/N)"));
        type("y");
        String s = await("the row to show exited", t -> body(t).stream().anyMatch(l -> l.contains("tui-db") && l.contains("exited")));
        assertThat(state(db)).isEqualTo("exited");
        assertThat(s).doesNotContain("stop tui-db?");
    }

    private static String state(Container c) {
        return client.containers().inspect(InspectContainerRequest.newBuilder().setId(c.getId()).build())
                .getContainer().getState();
    }
}
