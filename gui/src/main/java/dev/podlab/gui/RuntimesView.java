package dev.podlab.gui;

import dev.podlab.api.v1.CompareRequest;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.PlayResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.RuntimeColumn;
import dev.podlab.api.v1.SwapPodRequest;
import dev.podlab.api.v1.SwapPodResponse;
import dev.podlab.api.view.CompareModel;
import dev.podlab.api.view.ConfigDiffModel;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.EngineInfoModel;
import dev.podlab.api.view.PodRow;
import dev.podlab.api.view.PodsTableModel;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runtimes (Engine.Info): which runtime classes work on this host, and why the others do not; "run this pod
 * on...": pick a running pod or a manifest file and a runtime, then play it there (Pods.Swap moves a pod,
 * Pods.Play runs a manifest) or compare it on two runtimes side by side (Pods.Compare over
 * {@link CompareModel}: a column per runtime, and the second runtime's config.json against the first's).
 */
final class RuntimesView extends VBox {
    /** What to run: a pod the engine runs (its stored manifest) or a manifest file. */
    record Source(String label, String podRef, Path file) {
        static Source pod(PodRow r) {
            return new Source("pod " + r.ref() + " (" + r.runtime() + ")", r.ref(), null);
        }

        static Source file(Path f) {
            return new Source("manifest " + f.getFileName(), null, f);
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final EngineFeeds feeds;
    private final EngineInfoModel info;
    private final Consumer<String> status;
    final TableView<Runtime> table = new TableView<>();
    final ComboBox<Source> source = new ComboBox<>();
    final ComboBox<String> runtime = new ComboBox<>();
    final ComboBox<String> versus = new ComboBox<>();
    final Spinner<Integer> rounds = new Spinner<>(1, 9, 3);
    final Button open = new Button("Manifest...");
    final Button play = new Button("Play there");
    final Button compare = new Button("Compare");
    final Label summary = new Label();
    final CompareModel model = new CompareModel(FxDispatcher.INSTANCE);
    final TableView<CompareModel.Row> columns = new TableView<>();
    final ConfigDiffModel diff = new ConfigDiffModel(FxDispatcher.INSTANCE);
    final DiffView diffView = new DiffView(diff);

    /** @param status shows a message on the window's status line ("failed ..." as an error) */
    RuntimesView(EngineFeeds feeds, EngineInfoModel info, PodsTableModel pods, Consumer<String> status) {
        super(6);
        this.feeds = feeds;
        this.info = info;
        this.status = status;
        getStyleClass().add("runtimes-view");
        setPadding(new Insets(6));

        TableColumn<Runtime, String> works = col("WORKS", 70, r -> r.getWorks() ? "yes" : "no");
        works.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String v, boolean empty) {
                super.updateItem(v, empty);
                getStyleClass().removeAll("good", "bad");
                setText(empty ? null : v);
                if (!empty && v != null) {
                    getStyleClass().add(v.equals("yes") ? "good" : "bad");
                }
            }
        });
        table.getColumns().addAll(List.of(
                col("NAME", 120, r -> r.getName() + (r.getName().equals(info.info().getDefaultRuntime()) ? " *" : "")),
                col("HANDLER", 90, Runtime::getHandler), col("VERSION", 200, Runtime::getVersion), works,
                col("PATH / WHY NOT", 420, r -> r.getWorks() ? r.getPath() : r.getReason())));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setPlaceholder(new Label("asking the engine..."));
        // As tall as its rows: the room below is the comparison's.
        table.setFixedCellSize(24);
        table.prefHeightProperty().bind(javafx.beans.binding.Bindings.size(table.getItems()).add(1.4).multiply(24));
        table.minHeightProperty().bind(table.prefHeightProperty());

        source.setPromptText("a pod or a manifest");
        source.setPrefWidth(260);
        runtime.setPromptText("runtime");
        versus.setPromptText("other runtime");
        rounds.setPrefWidth(70);
        open.setOnAction(e -> chooseManifest());
        play.setOnAction(e -> playThere());
        compare.setOnAction(e -> compare());
        HBox bar = new HBox(8, new Label("Run"), source, open, new Label("on"), runtime, play, new Label("vs"), versus,
                new Label("starts"), rounds, compare);
        bar.setAlignment(Pos.CENTER_LEFT);
        summary.getStyleClass().add("details-header");
        columns.setPlaceholder(new Label("no comparison yet: pick a pod or a manifest and two runtimes, then Compare"));
        columns.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        columns.setPrefHeight(260);
        SplitPane results = new SplitPane(columns, diffView);
        results.setOrientation(javafx.geometry.Orientation.VERTICAL);
        results.setDividerPositions(0.5);
        VBox.setVgrow(results, Priority.ALWAYS);
        getChildren().addAll(table, new Label("* the default runtime (podlab run --runtime NAME picks another)"), bar,
                summary, results);

        info.addListener(this::showRuntimes);
        pods.addListener(() -> refreshSources(pods));
        model.addListener(this::showComparison);
        showRuntimes();
        refreshSources(pods);
        showComparison();
    }

    private static TableColumn<Runtime, String> col(String title, double width, Function<Runtime, String> f) {
        TableColumn<Runtime, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    private void showRuntimes() {
        table.getItems().setAll(info.runtimes());
        List<String> working = info.runtimes().stream().filter(Runtime::getWorks).map(Runtime::getName).toList();
        for (ComboBox<String> c : List.of(runtime, versus)) {
            if (!working.equals(c.getItems())) {
                String chosen = c.getValue();
                c.getItems().setAll(working);
                c.setValue(working.contains(chosen) ? chosen : null);
            }
        }
    }

    /** The pods as sources (when they changed; usage updates every second), manifest files kept. */
    private void refreshSources(PodsTableModel pods) {
        List<Source> next = new ArrayList<>();
        pods.rows().forEach(r -> next.add(Source.pod(r)));
        source.getItems().stream().filter(s -> s.file() != null).forEach(next::add);
        if (next.equals(source.getItems())) {
            return;
        }
        Source chosen = source.getValue();
        source.getItems().setAll(next);
        source.setValue(chosen == null ? null : next.stream().filter(s -> Objects.equals(s.podRef(), chosen.podRef())
                && Objects.equals(s.file(), chosen.file())).findFirst().orElse(null));
    }

    private void chooseManifest() {
        FileChooser fc = EditorView.chooser("Run a pod manifest on a runtime");
        File f = fc.showOpenDialog(getScene() == null ? null : getScene().getWindow());
        if (f != null) {
            addManifest(f.toPath());
        }
    }

    /** Offers {@code file} as a source and chooses it. */
    void addManifest(Path file) {
        Source s = Source.file(file);
        if (!source.getItems().contains(s)) {
            source.getItems().add(s);
        }
        source.setValue(s);
    }

    /** Moves the chosen pod to the chosen runtime (Pods.Swap), or plays the chosen manifest there. */
    void playThere() {
        Source s = source.getValue();
        String rt = runtime.getValue();
        if (s == null || rt == null) {
            status.accept("failed to play: pick a pod or a manifest and a runtime first");
            return;
        }
        status.accept("playing " + s.label() + " on " + rt + "...");
        if (s.podRef() != null) {
            feeds.call(() -> feeds.client().pods().swap(SwapPodRequest.newBuilder().setPod(s.podRef()).setRuntime(rt).build()),
                    (SwapPodResponse r) -> status.accept("moved " + s.podRef() + " from " + r.getBefore().getRuntime()
                            + " to " + r.getAfter().getRuntime() + " in " + r.getTookMillis() + " ms"), status);
        } else {
            feeds.call(() -> feeds.client().pods().play(PlayRequest.newBuilder().setSource(s.file().getFileName().toString())
                            .setManifest(Files.readString(s.file(), StandardCharsets.UTF_8)).setRuntime(rt).setWait(true).build()),
                    (PlayResponse r) -> status.accept("played " + s.file().getFileName() + " on " + rt + ": "
                            + String.join(", ", r.getPodsList().stream().map(p -> p.getNamespace() + "/" + p.getName()
                            + " " + p.getPhase()).toList())), status);
        }
    }

    /** Runs the chosen pod (a copy of it) or manifest on both chosen runtimes and shows them side by side. */
    void compare() {
        Source s = source.getValue();
        List<String> rts = new ArrayList<>();
        if (runtime.getValue() != null) {
            rts.add(runtime.getValue());
        }
        if (versus.getValue() != null) {
            rts.add(versus.getValue());
        }
        if (s == null) {
            status.accept("failed to compare: pick a pod or a manifest first");
            return;
        }
        int n = rounds.getValue();
        // Checked here, before the manifest is read: the real request is built on the worker.
        CompareRequest probe;
        try {
            probe = CompareModel.request(s.label(), "", "", rts, n);
        } catch (IllegalArgumentException e) {
            status.accept(e.getMessage());
            return;
        }
        model.started(s.label(), probe);
        feeds.call(() -> {
            if (s.file() != null) {
                return feeds.client().pods().compare(CompareModel.request(s.file().getFileName().toString(),
                        Files.readString(s.file(), StandardCharsets.UTF_8), "", rts, n));
            }
            // A pod: its stored manifest, and that pod of it (the copies run as NAME-RUNTIME beside it).
            var pod = feeds.client().pods().get(GetPodRequest.newBuilder().setPod(s.podRef()).setManifest(true).build()).getPod();
            return feeds.client().pods().compare(CompareModel.request(pod.getSource(), pod.getManifest(), pod.getName(), rts, n));
        }, model::finished, model::failed);
    }

    /** The columns (one per runtime) and the config.json diff of the second against the first. */
    private void showComparison() {
        summary.setText(model.summary());
        summary.getStyleClass().remove("error");
        if (model.state() == CompareModel.State.FAILED) {
            summary.getStyleClass().add("error");
        }
        List<String> heads = model.runtimes();
        List<String> now = columns.getColumns().stream().skip(1).map(TableColumn::getText).toList();
        if (!heads.equals(now)) {
            List<TableColumn<CompareModel.Row, String>> cs = new ArrayList<>();
            TableColumn<CompareModel.Row, String> label = new TableColumn<>("");
            label.setCellValueFactory(cd -> new ReadOnlyStringWrapper(cd.getValue().label()));
            label.setPrefWidth(220);
            cs.add(label);
            for (int i = 0; i < heads.size(); i++) {
                int k = i;
                TableColumn<CompareModel.Row, String> c = new TableColumn<>(heads.get(i));
                c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(k < cd.getValue().cells().size()
                        ? cd.getValue().cells().get(k) : ""));
                c.setPrefWidth(320);
                cs.add(c);
            }
            columns.getColumns().setAll(cs);
            columns.getColumns().forEach(c -> c.setSortable(false));
        }
        columns.getItems().setAll(model.rows());
        List<RuntimeColumn> cols = model.columns();
        if (cols.size() >= 2 && cols.get(0).getError().isEmpty() && cols.get(1).getError().isEmpty()) {
            diff.load("config.json on " + cols.get(0).getRuntime(), cols.get(0).getConfigJson(),
                    "config.json on " + cols.get(1).getRuntime(), cols.get(1).getConfigJson());
        } else {
            diff.clear();
        }
        if (model.state() == CompareModel.State.DONE) {
            status.accept("compared " + model.summary());
        }
    }
}
