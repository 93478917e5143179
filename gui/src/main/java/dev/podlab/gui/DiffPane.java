package dev.podlab.gui;

import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.view.ConfigDiffModel;
import dev.podlab.api.view.ContainersTableModel;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.WorkloadRow;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

/**
 * config.json of the selected container beside another container's (typically the same pod on another
 * runtime), as two columns over {@link ConfigDiffModel}: changed lines, lines on one side only and equal lines
 * styled apart ({@link DiffView}). Both documents come from Containers.Inspect.
 */
final class DiffPane extends VBox {
    private final EngineFeeds feeds;
    private final ContainersTableModel table;
    final ConfigDiffModel model = new ConfigDiffModel(FxDispatcher.INSTANCE);
    final ComboBox<WorkloadRow> other = new ComboBox<>();
    final DiffView view = new DiffView(model);
    final Label leftTitle = view.leftTitle;
    final Label rightTitle = view.rightTitle;
    final Label summary = new Label("choose a container to compare with");
    private WorkloadRow left;
    private boolean syncing;

    DiffPane(EngineFeeds feeds, ContainersTableModel table) {
        super(6);
        this.feeds = feeds;
        this.table = table;
        getStyleClass().add("diff-pane");
        setPadding(new Insets(6));
        other.setPromptText("compare with...");
        other.setConverter(new StringConverter<>() {
            @Override
            public String toString(WorkloadRow r) {
                return r == null ? "" : r.name() + "  (" + r.runtime() + ", " + r.shortId() + ")";
            }

            @Override
            public WorkloadRow fromString(String s) {
                return null;
            }
        });
        other.valueProperty().addListener((o, a, r) -> {
            if (!syncing) {
                compare();
            }
        });
        HBox bar = new HBox(8, new Label("config.json vs"), other, summary);
        bar.setAlignment(Pos.CENTER_LEFT);
        VBox.setVgrow(view, Priority.ALWAYS);
        getChildren().addAll(bar, view);
        model.addListener(this::sync);
        table.addListener(this::refreshChoices);
    }

    /** The container on the left side. */
    void setLeft(WorkloadRow r) {
        if (left != null && left.id().equals(r.id())) {
            return;
        }
        left = r;
        refreshChoices();
        compare();
    }

    private void refreshChoices() {
        var ids = table.rows().stream().map(WorkloadRow::id).filter(id -> left == null || !id.equals(left.id())).toList();
        if (ids.equals(other.getItems().stream().map(WorkloadRow::id).toList())) {
            return; // usage updates every second: keep the list (and an open popup) as it is
        }
        syncing = true;
        try {
            WorkloadRow chosen = other.getValue();
            other.getItems().setAll(table.rows().stream().filter(r -> left == null || !r.id().equals(left.id())).toList());
            other.setValue(chosen == null ? null : other.getItems().stream().filter(r -> r.id().equals(chosen.id()))
                    .findFirst().orElse(null));
        } finally {
            syncing = false;
        }
    }

    /** Chooses the right side (tests and the "run on" flow). */
    void compareWith(WorkloadRow r) {
        other.setValue(r);
    }

    private void compare() {
        WorkloadRow l = left;
        WorkloadRow r = other.getValue();
        if (l == null || r == null) {
            model.clear();
            return;
        }
        summary.setText("reading both config.json...");
        feeds.call(() -> new String[] {config(l.id()), config(r.id())}, texts -> {
            WorkloadRow nowLeft = left;
            WorkloadRow nowRight = other.getValue();
            if (nowLeft != null && nowRight != null && nowLeft.id().equals(l.id()) && nowRight.id().equals(r.id())) {
                model.load(l.name() + " (" + l.runtime() + ")", texts[0], r.name() + " (" + r.runtime() + ")", texts[1]);
            }
        }, m -> summary.setText(m));
    }

    private String config(String id) {
        return feeds.client().containers().inspect(InspectContainerRequest.newBuilder().setId(id).setConfigJson(true)
                .build()).getConfigJson();
    }

    private void sync() {
        summary.setText(model.rows().isEmpty() ? "choose a container to compare with"
                : model.differences() + " lines differ of " + model.rows().size());
    }

}
