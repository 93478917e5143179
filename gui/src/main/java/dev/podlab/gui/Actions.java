package dev.podlab.gui;

import dev.podlab.api.v1.ImportImageRequest;
import dev.podlab.api.v1.ImportImageResponse;
import dev.podlab.api.v1.KillContainerRequest;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.PlayResponse;
import dev.podlab.api.v1.PullImageRequest;
import dev.podlab.api.v1.PullProgress;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.StopContainerRequest;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.PullProgressModel;
import dev.podlab.api.view.WorkloadRow;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Separator;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.Optional;

/**
 * The toolbar and what its buttons do: stop, kill and remove the selected container (each after a
 * confirmation), play a manifest file, pull an image with a progress bar (the Images.Pull stream, through
 * {@link PullProgressModel}) and import an image archive. Every engine call runs on the feeds' workers;
 * results and failures land on the status line.
 */
final class Actions {
    private final Workbench wb;
    private final EngineFeeds feeds;
    final HBox toolbar;
    final Button stop = new Button("Stop");
    final Button kill = new Button("Kill");
    final Button remove = new Button("Remove");
    final Button play = new Button("Play manifest...");
    final Button pull = new Button("Pull image...");
    final Button importArchive = new Button("Import archive...");
    final Button refresh = new Button("Refresh");
    final ProgressBar pullBar = new ProgressBar(0);
    final Label pullLine = new Label();
    final PullProgressModel pulls = new PullProgressModel(FxDispatcher.INSTANCE);

    Actions(Workbench wb, EngineFeeds feeds) {
        this.wb = wb;
        this.feeds = feeds;
        stop.setTooltip(new Tooltip("SIGTERM, then SIGKILL after the grace period"));
        kill.setTooltip(new Tooltip("SIGKILL now"));
        remove.setTooltip(new Tooltip("remove the container (Del); a running one is killed first"));
        refresh.setTooltip(new Tooltip("read everything again (F5)"));
        stop.setOnAction(e -> stop());
        kill.setOnAction(e -> kill());
        remove.setOnAction(e -> remove());
        play.setOnAction(e -> chooseAndPlay());
        pull.setOnAction(e -> askAndPull());
        importArchive.setOnAction(e -> chooseAndImport());
        refresh.setOnAction(e -> wb.refresh());
        pullBar.setPrefWidth(160);
        pullBar.setVisible(false);
        pullLine.getStyleClass().add("pull-line");
        toolbar = new HBox(6, stop, kill, remove, new Separator(javafx.geometry.Orientation.VERTICAL), play, pull,
                importArchive, refresh, pullBar, pullLine);
        toolbar.getStyleClass().add("action-bar");
        toolbar.setAlignment(Pos.CENTER_LEFT);
        toolbar.setPadding(new Insets(4, 10, 4, 10));
        pulls.addListener(this::syncPull);
        wb.table.addListener(this::syncButtons);
        syncButtons();
    }

    private void syncButtons() {
        Optional<WorkloadRow> r = wb.table.selected();
        boolean running = r.map(w -> w.state().equals("running")).orElse(false);
        stop.setDisable(!running);
        kill.setDisable(!running);
        remove.setDisable(r.isEmpty());
    }

    /** Asks "are you sure" with {@code ok} as the affirmative button's text. */
    boolean confirm(String title, String text, String ok) {
        ButtonType yes = new ButtonType(ok, ButtonBar.ButtonData.OK_DONE);
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, text, yes, ButtonType.CANCEL);
        a.setTitle(title);
        a.setHeaderText(title);
        a.initOwner(window());
        if (wb.dark.isSelected()) {
            a.getDialogPane().getStylesheets().addAll(Workbench.LIGHT_CSS, Workbench.DARK_CSS);
            a.getDialogPane().getStyleClass().add("workbench");
        }
        return a.showAndWait().filter(b -> b == yes).isPresent();
    }

    private Window window() {
        return wb.root().getScene() == null ? null : wb.root().getScene().getWindow();
    }

    void stop() {
        wb.table.selected().ifPresent(r -> {
            if (confirm("Stop " + r.name() + "?", "SIGTERM to " + r.name() + " (" + r.shortId()
                    + "), SIGKILL after 10 s if it is still running.", "Stop container")) {
                wb.info("stopping " + r.name() + "...");
                feeds.call(() -> feeds.client().containers().stop(StopContainerRequest.newBuilder().setId(r.id())
                        .build()), c -> wb.info("stopped " + r.name() + ": " + c.getContainer().getState()));
            }
        });
    }

    void kill() {
        wb.table.selected().ifPresent(r -> {
            if (confirm("Kill " + r.name() + "?", "SIGKILL to " + r.name() + " (" + r.shortId() + ") now.",
                    "Kill container")) {
                feeds.call(() -> feeds.client().containers().kill(KillContainerRequest.newBuilder().setId(r.id())
                        .setSignal(9).build()), c -> wb.info("killed " + r.name()));
            }
        });
    }

    void remove() {
        wb.table.selected().ifPresent(r -> {
            boolean running = r.state().equals("running");
            if (confirm("Remove " + r.name() + "?", "Removes " + r.name() + " (" + r.shortId() + ") with its "
                    + "writable layer and log" + (running ? "; it is running and will be killed first." : "."),
                    "Remove container")) {
                feeds.call(() -> feeds.client().containers().remove(RemoveContainerRequest.newBuilder().setId(r.id())
                        .setForce(running).build()), x -> wb.info("removed " + r.name()));
            }
        });
    }

    private void chooseAndPlay() {
        FileChooser fc = EditorView.chooser("Play a pod manifest");
        File f = fc.showOpenDialog(window());
        if (f == null) {
            return;
        }
        wb.info("playing " + f.getName() + "...");
        feeds.call(() -> {
            String text = Files.readString(f.toPath(), StandardCharsets.UTF_8);
            return feeds.client().pods().play(PlayRequest.newBuilder().setSource(f.getName()).setManifest(text).build());
        }, (PlayResponse r) -> wb.info("played " + f.getName() + ": " + r.getPodsCount() + " pod(s), "
                + r.getReportCount() + " report entries"), wb::error);
    }

    private void askAndPull() {
        TextInputDialog d = new TextInputDialog();
        d.setTitle("Pull an image");
        d.setHeaderText("Image reference (e.g. localhost:5000/busybox:latest)");
        d.initOwner(window());
        d.showAndWait().map(String::strip).filter(s -> !s.isEmpty()).ifPresent(this::pull);
    }

    /** Pulls {@code reference}, showing Images.Pull's progress messages on the bar as they stream in. */
    void pull(String reference) {
        pulls.start(reference);
        feeds.call(() -> {
            Iterator<PullProgress> it = feeds.client().images().pull(PullImageRequest.newBuilder().setReference(reference)
                    .build());
            while (it.hasNext()) {
                PullProgress p = it.next();
                FxDispatcher.INSTANCE.dispatch(() -> pulls.apply(p));
            }
            return reference;
        }, ref -> {
            if (pulls.active()) {
                pulls.fail("failed to pull " + ref + ": the engine ended the stream without the image");
            }
            wb.images.reload();
        }, m -> {
            pulls.fail(m);
            wb.error(m);
        });
    }

    private void syncPull() {
        pullBar.setVisible(!pulls.reference().isEmpty());
        pullBar.setProgress(pulls.active() && pulls.totalBytes() <= 0 ? ProgressBar.INDETERMINATE_PROGRESS
                : pulls.fraction());
        pullLine.setText(pullLine());
        pullLine.getStyleClass().remove("bad");
        if (pulls.error() != null) {
            pullLine.getStyleClass().add("bad");
        }
    }

    /** The status next to the bar: the error, else the engine's last message and the layers done. */
    private String pullLine() {
        if (pulls.error() != null) {
            return pulls.error();
        }
        String what = pulls.message().isEmpty() ? pulls.phase() : pulls.message();
        return pulls.layers().isEmpty() ? what
                : what + "  (" + pulls.finishedLayers() + "/" + pulls.layers().size() + " layers)";
    }

    private void chooseAndImport() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Import an image archive (docker-archive, oci-archive)");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("archives", "*.tar", "*.tar.gz", "*.tgz"),
                new FileChooser.ExtensionFilter("all files", "*"));
        File f = fc.showOpenDialog(window());
        if (f != null) {
            importArchive(f.getAbsolutePath());
        }
    }

    /** Imports an archive that lies on the engine's host (the GUI runs there: the socket is local). */
    void importArchive(String path) {
        wb.info("importing " + path + "...");
        feeds.call(() -> feeds.client().images().importArchive(ImportImageRequest.newBuilder().setPath(path).build()),
                (ImportImageResponse r) -> {
                    wb.info("imported " + r.getImagesCount() + " image(s) from " + path + ": " + String.join(", ",
                            r.getImagesList().stream().map(ImagesView::name).toList()));
                    wb.images.reload();
                }, wb::error);
    }
}
