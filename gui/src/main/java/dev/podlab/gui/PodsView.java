package dev.podlab.gui;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.PodEventEntry;
import dev.podlab.api.view.CgroupTreeModel;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.MetricsSeriesModel;
import dev.podlab.api.view.PodDetailModel;
import dev.podlab.api.view.PodRow;
import dev.podlab.api.view.PodsTableModel;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.function.Consumer;

/**
 * Pods: the pods table (kubectl's columns plus the pod cgroup's CPU and memory with sparklines) over
 * {@link PodsTableModel}, and the selected pod's page over {@link PodDetailModel}: its containers (double-click
 * one to open it in the containers view), live CPU and memory of the pod cgroup, conditions, events as
 * {@code kubectl describe} lists them, the manifest report and the sandbox's step trace.
 */
final class PodsView extends SplitPane {
    private final EngineFeeds feeds;
    private final PodsTableModel model;
    private final MetricsSeriesModel metrics;
    private final Consumer<String> openContainer;
    final TableView<PodRow> table = new TableView<>();
    final TextField filter = new TextField();
    final Label header = new Label("select a pod");
    final ListView<String> containers = new ListView<>();
    final ListView<String> conditions = new ListView<>();
    final ListView<String> events = new ListView<>();
    final ListView<String> report = new ListView<>();
    final UsageCharts charts = new UsageCharts("pod ");
    final TraceBars trace = new TraceBars();
    /** The pod's cgroup and its containers' with every controller's raw values, while the pane is open. */
    final ListView<CgroupTreeModel.Row> cgroupValues = new ListView<>();
    final TitledPane cgroupPane = new TitledPane("cgroups: raw controller values (refreshed every metrics round)",
            cgroupValues);
    private PodDetailModel detail;
    private AutoCloseable detailFeed;
    private CgroupTreeModel cgroups;
    private AutoCloseable cgroupFeed;
    private final ModelTable<PodRow, PodsTableModel.SortKey> binding;

    /** @param openContainer shows a container (by id) in the containers view */
    PodsView(EngineFeeds feeds, PodsTableModel model, MetricsSeriesModel metrics, Consumer<String> openContainer) {
        this.feeds = feeds;
        this.model = model;
        this.metrics = metrics;
        this.openContainer = openContainer;
        getStyleClass().add("pods-view");

        filter.setPromptText("filter: words in name, namespace, status, runtime, IP");
        filter.textProperty().addListener((o, a, b) -> model.setFilter(b));
        table.getColumns().addAll(List.of(
                Columns.<PodRow>text("NAME", 130, PodRow::name),
                Columns.<PodRow>text("NAMESPACE", 90, PodRow::namespace),
                Columns.<PodRow>text("RUNTIME", 75, PodRow::runtime),
                Columns.<PodRow>text("STATUS", 80, PodRow::status),
                Columns.<PodRow>text("READY", 60, PodRow::ready),
                Columns.<PodRow>text("RESTARTS", 85, r -> Integer.toString(r.restarts())),
                Columns.<PodRow>text("AGE", 50, r -> Fmt.age(r.createdAtNanos(), System.currentTimeMillis())),
                Columns.<PodRow>text("IP", 95, r -> r.ip().isEmpty() ? "-" : r.ip()),
                Columns.<PodRow>spark("CPU", r -> Fmt.percent(r.cpuPercent()), r -> metrics.series(r.id(), 30).cpuPercent(), 100),
                Columns.<PodRow>spark("MEMORY", r -> r.memoryBytes() < 0 ? "-" : Bytes.human(r.memoryBytes()),
                        r -> Columns.toDouble(metrics.series(r.id(), 30).memoryBytes()), 0)));
        binding = new ModelTable<>(table, model, PodRow::id, PodsTableModel.SortKey.class);
        table.setPlaceholder(new Label("no pods (Play manifest, or podlab play FILE, runs one)"));
        VBox left = new VBox(6, filter, table);
        VBox.setVgrow(table, Priority.ALWAYS);
        left.setPadding(new Insets(6));

        header.getStyleClass().add("details-header");
        header.setWrapText(true);
        containers.setPrefHeight(110);
        containers.setOnMouseClicked(e -> {
            if (e.getClickCount() == 2) {
                openSelectedContainer();
            }
        });
        conditions.setPrefHeight(110);
        events.setPrefHeight(140);
        report.setPrefHeight(80);
        cgroupValues.setPrefHeight(320);
        cgroupValues.setCellFactory(list -> new CgroupCell());
        // Read only while someone looks: a closed pane asks the engine for nothing.
        cgroupPane.setExpanded(false);
        cgroupPane.expandedProperty().addListener((o, was, open) -> followCgroups());
        VBox details = new VBox(8, header, new TitledPane("containers (double-click opens one)", containers), charts,
                new TitledPane("conditions", conditions), new TitledPane("events", events),
                new TitledPane("manifest report: fields not honoured", report), new TitledPane("sandbox step trace", trace),
                cgroupPane);
        details.setPadding(new Insets(6));
        ScrollPane scroll = new ScrollPane(details);
        scroll.setFitToWidth(true);
        getItems().addAll(left, scroll);
        setDividerPositions(0.66);

        model.addListener(this::sync);
        metrics.addListener(this::redrawCharts);
        sync();
    }

    /** Opens the selected container of the shown pod in the containers view. */
    void openSelectedContainer() {
        int i = containers.getSelectionModel().getSelectedIndex();
        if (detail != null && i >= 0 && i < detail.containers().size()) {
            String id = detail.containers().get(i).containerId();
            if (!id.isEmpty()) {
                openContainer.accept(id);
            }
        }
    }

    private void sync() {
        binding.sync();
        PodRow r = model.selected().orElse(null);
        if (r == null) {
            follow(null);
        } else if (detail == null || !detail.podRef().equals(r.id())) {
            follow(r.id());
        }
        redrawCharts();
    }

    /** Follows one pod's page (Pods.Get on its events, its step events), or none. */
    private void follow(String podId) {
        if (detailFeed != null) {
            close(detailFeed);
            detailFeed = null;
        }
        detail = null;
        if (podId == null) {
            header.setText("select a pod");
            showDetail();
            followCgroups();
            return;
        }
        detail = new PodDetailModel(FxDispatcher.INSTANCE, podId);
        detail.addListener(this::showDetail);
        detailFeed = feeds.watchPod(detail);
        showDetail();
        followCgroups();
    }

    /** The cgroup values of the shown pod while the pane is open; nothing otherwise. */
    private void followCgroups() {
        if (cgroupFeed != null) {
            close(cgroupFeed);
            cgroupFeed = null;
        }
        String podId = detail == null ? null : detail.podRef();
        if (podId == null || !cgroupPane.isExpanded()) {
            cgroups = null;
            cgroupValues.getItems().clear();
            return;
        }
        CgroupTreeModel m = new CgroupTreeModel(FxDispatcher.INSTANCE, podId);
        m.addListener(() -> {
            if (m == cgroups) {
                cgroupValues.getItems().setAll(m.rows());
            }
        });
        cgroups = m;
        cgroupFeed = feeds.watchCgroups(m, metrics);
    }

    /** A tree row as an indented line; values that changed since the last round stand out. */
    private static final class CgroupCell extends javafx.scene.control.ListCell<CgroupTreeModel.Row> {
        @Override
        protected void updateItem(CgroupTreeModel.Row row, boolean empty) {
            super.updateItem(row, empty);
            getStyleClass().removeAll("cgroup-node", "cgroup-controller", "cgroup-changed");
            if (empty || row == null) {
                setText(null);
                return;
            }
            setText("    ".repeat(row.depth()) + row.label() + (row.value().isEmpty() ? "" : "   " + row.value()));
            switch (row.kind()) {
                case CGROUP -> getStyleClass().add("cgroup-node");
                case CONTROLLER -> getStyleClass().add("cgroup-controller");
                case VALUE -> {
                    if (row.changed()) {
                        getStyleClass().add("cgroup-changed");
                    }
                }
            }
        }
    }

    private void showDetail() {
        if (detail == null) {
            containers.getItems().clear();
            conditions.getItems().clear();
            events.getItems().clear();
            report.getItems().clear();
            trace.getChildren().clear();
            return;
        }
        if (detail.goneReason() != null) {
            header.setText("gone: " + detail.goneReason());
        } else {
            detail.pod().ifPresent(p -> header.setText(p.getNamespace() + "/" + p.getName() + "  " + p.getPhase()
                    + "  runtime " + p.getRuntime() + (p.getPodIp().isEmpty() ? "" : "  IP " + p.getPodIp())
                    + "  restartPolicy " + detail.restartPolicy()));
        }
        containers.getItems().setAll(detail.containers().stream().map(c -> (c.init() ? "init " : "") + c.name() + "  "
                + c.state() + (c.reason().isEmpty() ? "" : " (" + c.reason() + ")") + (c.ready() ? "  ready" : "")
                + "  restarts " + c.restarts() + (c.ports().isEmpty() ? "" : "  " + String.join(", ", c.ports()))).toList());
        conditions.getItems().setAll(detail.conditions().stream().map(c -> c.type() + "  " + c.status()
                + (c.reason() == null || c.reason().isEmpty() ? "" : "  " + c.reason())).toList());
        events.getItems().setAll(detail.events().stream().map(PodsView::event).toList());
        report.getItems().setAll(detail.report().isEmpty() ? List.of("every field was honoured") : detail.report());
        trace.show(detail.trace());
    }

    private static String event(PodEventEntry e) {
        return e.getType() + "  " + e.getReason() + (e.getCount() > 1 ? " (x" + e.getCount() + ")" : "") + "  "
                + e.getMessage();
    }

    private void redrawCharts() {
        charts.show(metrics, model.selected().map(PodRow::id).orElse(null));
    }

    /** Stops following the shown pod (the window closes). */
    void close() {
        follow(null);
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Cancelling a stream cannot fail in a way worth reporting.
        }
    }
}
