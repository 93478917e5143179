package dev.podlab.gui;

import dev.podlab.api.client.PodlabClient;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Starts the desktop workbench ({@code podlab gui}) or renders one of its views to a PNG. No class here extends
 * {@code Application}: the toolkit is started with {@link Platform#startup}, which works from the class path.
 * Screenshots always render through Monocle's headless platform in software, so they need no X server (and
 * work the same under {@code xvfb-run}); the window needs a desktop with GTK 3.
 */
public final class PodlabGui {
    public static final int WIDTH = 1280;
    public static final int HEIGHT = 800;

    private PodlabGui() {}

    /** Opens the workbench window and blocks until it is closed; returns the exit status. */
    public static int run(PodlabClient client) throws InterruptedException {
        return run(client, WindowState.defaultFile());
    }

    /**
     * Opens the workbench window with the size, position, view and theme remembered in {@code stateFile}, blocks
     * until it is closed and remembers them again.
     */
    public static int run(PodlabClient client, Path stateFile) throws InterruptedException {
        if (noDisplay()) {
            throw new GuiException("failed to open the podlab window: no DISPLAY (run it in a desktop session, "
                    + "or use --screenshot FILE.png)");
        }
        startToolkit(false);
        CountDownLatch closed = new CountDownLatch(1);
        onFx(() -> {
            Workbench wb = new Workbench(client);
            Stage stage = new Stage();
            stage.setTitle("podlab");
            WindowState state = WindowState.load(stateFile);
            stage.setScene(new Scene(wb.root(), state.width(), state.height()));
            apply(stage, wb, state);
            stage.setOnHidden(e -> {
                try {
                    capture(stage, wb).save(stateFile);
                } catch (GuiException notSaved) {
                    System.err.println(notSaved.getMessage()); // the window still closes
                }
                wb.close();
                closed.countDown();
            });
            stage.show();
            return null;
        });
        closed.await();
        exit();
        return 0;
    }

    /**
     * Renders {@code view} with the engine's live data to {@code file} as a PNG of {@link #WIDTH} x
     * {@link #HEIGHT}. Waits up to {@code settleMillis} for the view's data to arrive. Leaves the toolkit running.
     */
    public static void screenshot(PodlabClient client, Workbench.View view, boolean dark, Path file, long settleMillis) {
        screenshot(client, view, Workbench.Tab.OVERVIEW, dark, file, settleMillis);
    }

    /** Places the stage and shows the view and theme of {@code s}. */
    static void apply(Stage stage, Workbench wb, WindowState s) {
        stage.setWidth(s.width());
        stage.setHeight(s.height());
        if (!Double.isNaN(s.x()) && !Double.isNaN(s.y())) {
            stage.setX(s.x());
            stage.setY(s.y());
        }
        stage.setMaximized(s.maximized());
        wb.apply(s);
    }

    /** What to remember of the stage and the workbench. */
    static WindowState capture(Stage stage, Workbench wb) {
        return wb.state(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight(), stage.isMaximized());
    }

    /**
     * As {@link #screenshot(PodlabClient, Workbench.View, boolean, Path, long)}, with a details tab of the
     * containers view open: the exec tab runs a demo command, the diff tab compares the selection with the next
     * container.
     */
    public static void screenshot(PodlabClient client, Workbench.View view, Workbench.Tab tab, boolean dark, Path file,
                                  long settleMillis) {
        // Always headless: the picture does not depend on the desktop (GTK, GPU), and no X server is needed.
        startToolkit(true);
        Holder h = new Holder();
        onFx(() -> {
            h.wb = new Workbench(client);
            h.wb.setDark(dark);
            h.wb.show(view);
            h.wb.showTab(tab);
            h.stage = new Stage();
            h.stage.setScene(new Scene(h.wb.root(), WIDTH, HEIGHT));
            h.stage.show();
            return null;
        });
        try {
            BooleanSupplier ready = () -> onFx(() -> switch (view) {
                case PODS -> h.wb.pods.total() > 0 && (h.wb.pods.selected().isEmpty()
                        || !h.wb.podsView.containers.getItems().isEmpty());
                case CONTAINERS -> h.wb.table.total() > 0 && (h.wb.table.selected().isEmpty()
                        || !h.wb.containers.trace.steps().isEmpty()) && tabReady(h.wb, tab);
                case IMAGES -> !h.wb.images.images.getItems().isEmpty() && h.wb.images.layersModel.loaded();
                case RUNTIMES -> !h.wb.info.runtimes().isEmpty();
                case EVENTS -> h.wb.events.total() > 0;
                case HOST -> !h.wb.info.hostFacts(System.currentTimeMillis()).isEmpty();
                case EDITOR -> h.wb.editor.model.upToDate();
            });
            long deadline = System.nanoTime() + settleMillis * 1_000_000;
            while (System.nanoTime() < deadline && !ready.getAsBoolean()) {
                Thread.sleep(100);
            }
            // One more pulse or two so that layout and cells catch up with the last update.
            Thread.sleep(300);
            WritableImage img = onFx(() -> h.stage.getScene().snapshot(null));
            writePng(img, file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuiException("render", "a screenshot to " + file, e);
        } finally {
            onFx(() -> {
                h.stage.hide();
                h.wb.close();
                return null;
            });
        }
    }

    /** Whether a details tab shows its data; the exec and diff tabs are given something to show first. */
    private static boolean tabReady(Workbench wb, Workbench.Tab tab) {
        ContainersView c = wb.containers;
        var sel = wb.table.selected();
        if (sel.isEmpty()) {
            return true;
        }
        return switch (tab) {
            case OVERVIEW -> true;
            case LOGS -> c.logs.model() != null && (c.logs.model().size() > 0 || c.logs.model().ended() != null);
            case EXEC -> {
                if (c.exec.model.lines().isEmpty() && !c.exec.model.container().isEmpty()) {
                    c.exec.model.run(wb.feeds().client(), "id; hostname; ls /");
                }
                yield !c.exec.model.running() && !c.exec.model.lines().isEmpty();
            }
            case DIFF -> {
                if (c.diff.other.getValue() == null && !c.diff.other.getItems().isEmpty()) {
                    c.diff.compareWith(c.diff.other.getItems().get(0));
                }
                yield c.diff.other.getItems().isEmpty() || !c.diff.model.rows().isEmpty();
            }
            case DIAGRAM -> c.diagram.diagram() != null;
        };
    }

    private static final class Holder {
        Workbench wb;
        Stage stage;
    }

    /** Writes a JavaFX image as a PNG (through AWT's BufferedImage: javafx-swing is not needed). */
    static void writePng(WritableImage img, Path file) {
        int w = (int) img.getWidth();
        int h = (int) img.getHeight();
        PixelReader pr = img.getPixelReader();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(x, y, pr.getArgb(x, y));
            }
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(out, "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new GuiException("write", "screenshot " + file, e);
        }
    }

    private static boolean started;

    /** Starts the FX toolkit once; with {@code headless} on Monocle's headless platform, rendering in software. */
    static synchronized void startToolkit(boolean headless) {
        if (headless && System.getProperty("glass.platform") == null) {
            System.setProperty("glass.platform", "Monocle");
            System.setProperty("monocle.platform", "Headless");
            System.setProperty("prism.order", "sw");
            System.setProperty("java.awt.headless", "true");
        }
        CountDownLatch latch = new CountDownLatch(1);
        try {
            Platform.startup(latch::countDown);
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("already initialized")) {
                started = true;
                return; // Started by someone else (TestFX in tests): use it as it is.
            }
            throw new GuiException("start", "the JavaFX toolkit", e);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new GuiException("start", "the JavaFX toolkit (a desktop needs DISPLAY and GTK 3, libgtk-3-0)", e);
        }
        started = true;
        Platform.setImplicitExit(false);
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new GuiException("failed to start the JavaFX toolkit: no answer in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuiException("start", "the JavaFX toolkit", e);
        }
    }

    /** Stops the FX toolkit when it was started (a toolkit that never started would make Platform.exit wait). */
    public static synchronized void exit() {
        if (started) {
            Platform.exit();
        }
    }

    private static boolean noDisplay() {
        String d = System.getenv("DISPLAY");
        return d == null || d.isBlank();
    }

    /** Runs {@code task} on the FX thread and waits for its result (at most 30 s). */
    static <T> T onFx(java.util.concurrent.Callable<T> task) {
        if (Platform.isFxApplicationThread()) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new GuiException("run", "a task on the FX thread", e);
            }
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuiException("run", "a task on the FX thread", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new GuiException("run", "a task on the FX thread", e.getCause() == null ? e : e.getCause());
        }
    }
}
