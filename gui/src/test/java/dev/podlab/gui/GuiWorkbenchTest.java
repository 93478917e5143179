package dev.podlab.gui;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.ImageLayersRequest;
import dev.podlab.api.view.ImageLayersModel;
import dev.podlab.api.view.WorkloadRow;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.testing.TestEngine;
import javafx.scene.control.TableCell;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The workbench window (TestFX, headless Monocle) against a real engine service (in-process, temp root) with a
 * real running container: what a person would see and click.
 */
@Tag("root")
class GuiWorkbenchTest {
    private static TestEngine te;
    private static EngineService service;
    private static PodlabClient client;
    private static Container web;

    private final FxRobot robot = new FxRobot();
    private Workbench wb;

    @BeforeAll
    static void startEngine() throws Exception {
        te = TestEngine.open();
        service = EngineService.start(te.serviceSettings(), te.cgroups);
        client = PodlabClient.connect(service.socket());
        Container c = client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName("gui-web").addAllCommand(List.of("sleep", "600"))
                .build()).getContainer();
        web = client.containers().start(ContainerRef.newBuilder().setId(c.getId()).build()).getContainer();
        FxToolkit.registerPrimaryStage();
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

    @BeforeEach
    void open() throws Exception {
        FxToolkit.setupSceneRoot(() -> {
            wb = new Workbench(client);
            return wb.root();
        });
        FxToolkit.setupStage(s -> {
            s.setWidth(PodlabGui.WIDTH);
            s.setHeight(PodlabGui.HEIGHT);
        });
        FxToolkit.showStage();
        // The window opens on Pods; these tests are about the containers view.
        PodlabGui.onFx(() -> {
            wb.show(Workbench.View.CONTAINERS);
            return null;
        });
    }

    @AfterEach
    void close() throws Exception {
        PodlabGui.onFx(() -> {
            wb.close();
            return null;
        });
    }

    /** The value once {@code condition} holds on the FX thread, or a failure after 20 s. */
    private void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!PodlabGui.onFx(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; status line: "
                        + fx(() -> wb.status.getText() + "; header: " + wb.containers.header.getText() + "; trace: "
                        + wb.containers.trace.getChildren()));
            }
            Thread.sleep(50);
        }
    }

    private static <T> T fx(Callable<T> c) {
        return PodlabGui.onFx(c);
    }

    @Test
    void tableShowsTheContainerAndTheFilterNarrowsIt() throws Exception {
        await("the running container in the table", () -> wb.containers.table.getItems().stream()
                .anyMatch(r -> r.id().equals(web.getId()) && r.state().equals("running")));
        WorkloadRow row = fx(() -> wb.containers.table.getItems().stream()
                .filter(r -> r.id().equals(web.getId())).findFirst().orElseThrow());
        assertThat(row.name()).isEqualTo("gui-web");
        assertThat(row.runtime()).isNotBlank();

        robot.clickOn(wb.containers.filter).write("no-such-container");
        await("the filter to hide every row", () -> wb.containers.table.getItems().isEmpty());
        fx(() -> {
            wb.containers.filter.clear();
            return null;
        });
        robot.clickOn(wb.containers.filter).write("gui-web");
        await("the filter to keep gui-web", () -> wb.containers.table.getItems().size() == 1);
        assertThat(fx(() -> wb.containers.table.getItems().get(0).id())).isEqualTo(web.getId());
    }

    @Test
    void selectingTheContainerShowsItsTraceConfigAndLiveCharts() throws Exception {
        await("the row", () -> wb.containers.table.getItems().stream().anyMatch(r -> r.id().equals(web.getId())));
        // Click the name cell, as a person would (again if live updates recycled the cell under the pointer).
        for (int attempt = 0; attempt < 5 && !fx(() -> wb.table.selected().isPresent()); attempt++) {
            TableCell<?, ?> cell = fx(() -> robot.from(wb.containers.table).lookup(".table-cell")
                    .<TableCell<?, ?>>queryAll().stream()
                    .filter(c -> c.getScene() != null && "gui-web".equals(c.getText())).findFirst().orElseThrow());
            try {
                robot.clickOn(cell);
            } catch (RuntimeException recycled) {
                Thread.sleep(100);
            }
        }
        await("the selection", () -> wb.table.selected().map(r -> r.id().equals(web.getId())).orElse(false));
        await("the step trace", () -> !wb.containers.trace.steps().isEmpty());
        List<String> steps = fx(() -> wb.containers.trace.steps());
        var inspect = client.containers().inspect(dev.podlab.api.v1.InspectContainerRequest.newBuilder()
                .setId(web.getId()).setTrace(true).build());
        assertThat(steps).hasSize(inspect.getTraceCount());
        assertThat(steps.get(0)).contains(inspect.getTrace(0).getStep());
        assertThat(fx(() -> wb.containers.config.getText())).contains("ociVersion").contains("sleep");
        assertThat(fx(() -> wb.containers.header.getText())).contains("gui-web").contains("running");
        // Metrics every 200 ms in the test engine: the charts fill from the live stream.
        await("CPU and memory points", () -> wb.containers.charts.cpuChart.points() >= 3 && wb.containers.charts.memChart.points() >= 3);
        // Tasks, throttling and OOM kills come from the same samples.
        await("the tasks chart", () -> wb.containers.charts.pidsChart.points() >= 3
                && fx(() -> wb.containers.charts.pidsChart.title()).matches("tasks [1-9]\\d*.*"));
        assertThat(fx(() -> wb.containers.charts.throttleChart.points())).isGreaterThanOrEqualTo(3);
        assertThat(fx(() -> wb.containers.charts.oomChart.title())).isEqualTo("OOM kills 0");
        // Block IO: both rates drawn, the latest of each in human units in the title.
        assertThat(fx(() -> wb.containers.charts.ioChart.points())).isGreaterThanOrEqualTo(3);
        assertThat(fx(() -> wb.containers.charts.ioChart.secondPoints())).isGreaterThanOrEqualTo(3);
        assertThat(fx(() -> wb.containers.charts.ioChart.title()))
                .matches("IO read [0-9.]+ (B|KiB|MiB|GiB)/s / write [0-9.]+ (B|KiB|MiB|GiB)/s");
    }

    @Test
    void runtimesShowVerdictsAndTheThemeToggles() throws Exception {
        robot.clickOn("Runtimes");
        assertThat(fx(() -> wb.current())).isEqualTo(Workbench.View.RUNTIMES);
        await("the runtimes", () -> !wb.runtimes.table.getItems().isEmpty());
        assertThat(fx(() -> wb.runtimes.table.getItems().stream().anyMatch(r -> r.getName().equals("builtin") && r.getWorks())))
                .isTrue();
        robot.clickOn(wb.dark);
        assertThat(fx(() -> wb.root().getStylesheets())).contains(Workbench.DARK_CSS);
        robot.clickOn(wb.dark);
        assertThat(fx(() -> wb.root().getStylesheets())).doesNotContain(Workbench.DARK_CSS);
        robot.clickOn("Events");
        await("the container's events", () -> wb.eventsView.list.getItems().stream()
                .anyMatch(e -> e.getObjectId().equals(web.getId())));
    }

    @Test
    void imagesShowLayersAndAColouredFileTree() throws Exception {
        // Built locally from the repository's recipes into the engine's own store (no network).
        SampleImages.ensure(ImageStores.open(te.root.resolve("images")), SampleImages.recipesDir());
        String ref = "localhost/podlab/layers-demo:latest";
        robot.clickOn("Images");
        await("the sample image", () -> wb.images.images.getItems().stream().anyMatch(i -> i.getNamesList().contains(ref)));
        fx(() -> {
            wb.images.images.getItems().stream().filter(i -> i.getNamesList().contains(ref)).findFirst()
                    .ifPresent(i -> wb.images.images.getSelectionModel().select(i));
            return null;
        });
        var layers = client.images().layers(ImageLayersRequest.newBuilder().setReference(ref).setFiles(true).build());
        await("the layers", () -> wb.images.layers.getItems().size() == layers.getLayersCount()
                && wb.images.summary.getText().startsWith(ref));
        assertThat(fx(() -> wb.images.summary.getText()))
                .contains(String.format("efficiency %.1f %%", layers.getEfficiency() * 100)).contains("wasted");
        int target = 0;
        while (layers.getLayers(target).getModified() == 0 || layers.getLayers(target).getRemoved() == 0) {
            target++;
        }
        int t = target;
        fx(() -> {
            wb.images.layers.getSelectionModel().select(t);
            return null;
        });
        await("the tree of layer " + t, () -> wb.images.layersModel.selectedLayer() == t);
        var marks = fx(() -> wb.images.tree.getItems().stream().map(ImageLayersModel.TreeLine::mark).toList());
        assertThat(marks).contains(ImageLayersModel.Mark.MODIFIED, ImageLayersModel.Mark.REMOVED);
        // The visible cells carry the mark's style class (the colour).
        Set<String> classes = new HashSet<>();
        fx(() -> {
            robot.from(wb.images.tree).lookup(".list-cell").queryAll().forEach(n -> classes.addAll(n.getStyleClass()));
            return null;
        });
        assertThat(classes).containsAnyOf("modified", "removed");
    }

    @Test
    void screenshotIsAPngOfTheContainersView(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("shots/containers.png");
        PodlabGui.screenshot(client, Workbench.View.CONTAINERS, true, png, 15_000);
        assertThat(Files.size(png)).isGreaterThan(20_000);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).isNotNull();
        assertThat(img.getWidth()).isEqualTo(PodlabGui.WIDTH);
        assertThat(img.getHeight()).isEqualTo(PodlabGui.HEIGHT);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 7) {
            for (int x = 0; x < img.getWidth(); x += 7) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertThat(colours.size()).as("distinct colours sampled").isGreaterThan(20);
    }
}
