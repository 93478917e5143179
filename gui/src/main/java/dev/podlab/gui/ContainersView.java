package dev.podlab.gui;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.InspectContainerResponse;
import dev.podlab.api.view.ContainersTableModel;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.MetricsSeriesModel;
import dev.podlab.api.view.TraceTimeline;
import dev.podlab.api.view.WorkloadRow;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.List;

/**
 * Containers: the workloads table (filter, sparkline cells) over {@link ContainersTableModel}, and a details
 * pane for the selection with live CPU and memory charts, the step trace and config.json (Containers.Inspect,
 * asked again when the container's state changes).
 */
final class ContainersView extends SplitPane {

    private final EngineFeeds feeds;
    private final ContainersTableModel model;
    private final MetricsSeriesModel metrics;
    final TableView<WorkloadRow> table = new TableView<>();
    final TextField filter = new TextField();
    final Label header = new Label("select a container");
    final UsageCharts charts = new UsageCharts("");
    final TraceBars trace = new TraceBars();
    final TextArea config = new TextArea();
    final TabPane tabs = new TabPane();
    final Tab overviewTab = new Tab("Overview");
    final Tab logsTab = new Tab("Logs");
    final Tab execTab = new Tab("Exec");
    final Tab diffTab = new Tab("Diff");
    final Tab diagramTab = new Tab("Diagram");
    final LogsPane logs;
    final ExecPane exec;
    final DiffPane diff;
    final DiagramPane diagram;
    private final ModelTable<WorkloadRow, ContainersTableModel.SortKey> binding;
    private String inspectedId = "";
    private String inspectedState = "";

    ContainersView(EngineFeeds feeds, ContainersTableModel model, MetricsSeriesModel metrics) {
        this.feeds = feeds;
        this.model = model;
        this.metrics = metrics;
        getStyleClass().add("containers-view");

        filter.setPromptText("filter: words in name, id, image, state, runtime");
        filter.textProperty().addListener((o, a, b) -> model.setFilter(b));
        table.getColumns().addAll(List.of(
                Columns.<WorkloadRow>text("NAME", 160, WorkloadRow::name),
                Columns.<WorkloadRow>text("IMAGE", 180, r -> r.image().isEmpty() ? "-" : r.image()),
                Columns.<WorkloadRow>text("RUNTIME", 85, WorkloadRow::runtime),
                Columns.<WorkloadRow>text("STATE", 80, WorkloadRow::state),
                Columns.<WorkloadRow>text("AGE", 55, r -> Fmt.age(r.createdAtNanos(), System.currentTimeMillis())),
                Columns.<WorkloadRow>spark("CPU", r -> Fmt.percent(r.cpuPercent()), r -> metrics.series(r.id(), 30).cpuPercent(), 100),
                Columns.<WorkloadRow>spark("MEMORY", r -> r.memoryBytes() < 0 ? "-" : Bytes.human(r.memoryBytes()),
                        r -> Columns.toDouble(metrics.series(r.id(), 30).memoryBytes()), 0)));
        binding = new ModelTable<>(table, model, WorkloadRow::id, ContainersTableModel.SortKey.class);
        table.setPlaceholder(new Label("no containers (podlab run ... starts one)"));
        VBox left = new VBox(6, filter, table);
        VBox.setVgrow(table, Priority.ALWAYS);
        left.setPadding(new Insets(6));

        config.setEditable(false);
        config.getStyleClass().add("config-json");
        config.setPrefRowCount(18);
        header.getStyleClass().add("details-header");
        header.setWrapText(true);
        TitledPane tracePane = new TitledPane("step trace", trace);
        TitledPane configPane = new TitledPane("config.json (what the runtime received)", config);
        VBox details = new VBox(8, header, charts, tracePane, configPane);
        details.setPadding(new Insets(6));
        ScrollPane scroll = new ScrollPane(details);
        scroll.setFitToWidth(true);
        logs = new LogsPane(feeds);
        exec = new ExecPane(feeds.client());
        diff = new DiffPane(feeds, model);
        diagram = new DiagramPane(feeds);
        overviewTab.setContent(scroll);
        logsTab.setContent(logs);
        execTab.setContent(exec);
        diffTab.setContent(diff);
        diagramTab.setContent(diagram);
        tabs.getTabs().addAll(overviewTab, logsTab, execTab, diffTab, diagramTab);
        tabs.getTabs().forEach(t -> t.setClosable(false));
        // Tabs read what they show when they become visible, and again when the selection changes.
        tabs.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> feedTab());
        getItems().addAll(left, tabs);
        setDividerPositions(0.55);

        model.addListener(this::sync);
        metrics.addListener(this::redrawCharts);
        sync();
    }

    /** Table rows and selection from the model; details follow the selection. */
    private void sync() {
        binding.sync();
        model.selected().ifPresentOrElse(r -> {
            if (!r.id().equals(inspectedId) || !r.state().equals(inspectedState)) {
                inspect(r);
            }
        }, () -> {
            inspectedId = "";
            header.setText("select a container");
        });
        redrawCharts();
        feedTab();
    }

    /** Gives the visible tab the selected container (each tab ignores the container it already shows). */
    void feedTab() {
        WorkloadRow r = model.selected().orElse(null);
        if (r == null) {
            return;
        }
        Tab t = tabs.getSelectionModel().getSelectedItem();
        if (t == logsTab) {
            logs.show(r.id());
        } else if (t == execTab) {
            exec.setContainer(r.id(), r.name());
        } else if (t == diffTab) {
            diff.setLeft(r);
        } else if (t == diagramTab) {
            diagram.show(r, false);
        }
    }

    /** Stops the streams of the tabs (the window closes). */
    void close() {
        logs.close();
    }

    private void inspect(WorkloadRow r) {
        boolean other = !r.id().equals(inspectedId);
        inspectedId = r.id();
        inspectedState = r.state();
        header.setText(r.name() + "  " + r.shortId() + "  " + r.state() + "  runtime " + r.runtime());
        if (other) {
            trace.getChildren().setAll(new Label("reading the trace..."));
            config.setText("");
        }
        String id = r.id();
        feeds.call(() -> feeds.client().containers().inspect(InspectContainerRequest.newBuilder().setId(id).setTrace(true).setConfigJson(true).build()),
                (InspectContainerResponse resp) -> {
                    if (id.equals(inspectedId)) {
                        trace.show(TraceTimeline.ofSteps(resp.getTraceList()));
                        config.setText(resp.getConfigJson());
                    }
                });
    }

    private void redrawCharts() {
        charts.show(metrics, inspectedId.isEmpty() ? null : inspectedId);
    }
}
