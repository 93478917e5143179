package dev.podlab.gui;

import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.view.ConfigDiffModel;
import dev.podlab.api.view.ConfigDiffModel.Row;
import dev.podlab.api.view.ContainersTableModel;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.WorkloadRow;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

import java.util.Locale;

/**
 * config.json of the selected container beside another container's (typically the same pod on another
 * runtime), as two columns over {@link ConfigDiffModel}: changed lines, lines on one side only and equal lines
 * styled apart. Both documents come from Containers.Inspect.
 */
final class DiffPane extends VBox {
    private final EngineFeeds feeds;
    private final ContainersTableModel table;
    final ConfigDiffModel model = new ConfigDiffModel(FxDispatcher.INSTANCE);
    final ComboBox<WorkloadRow> other = new ComboBox<>();
    final Label leftTitle = new Label();
    final Label rightTitle = new Label();
    final Label summary = new Label("choose a container to compare with");
    final ListView<Row> rows = new ListView<>();
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
        leftTitle.getStyleClass().add("diff-title");
        rightTitle.getStyleClass().add("diff-title");
        leftTitle.setMaxWidth(Double.MAX_VALUE);
        rightTitle.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(leftTitle, Priority.ALWAYS);
        HBox.setHgrow(rightTitle, Priority.ALWAYS);
        HBox titles = new HBox(8, leftTitle, rightTitle);
        rows.getStyleClass().add("diff-rows");
        rows.setPlaceholder(new Label("no comparison yet"));
        rows.setCellFactory(v -> new DiffCell());
        rows.widthProperty().addListener((o, a, b) -> fitColumns());
        VBox.setVgrow(rows, Priority.ALWAYS);
        getChildren().addAll(bar, titles, rows);
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
        leftTitle.setText(model.leftTitle());
        rightTitle.setText(model.rightTitle());
        fitColumns();
        rows.getItems().setAll(model.rows());
        summary.setText(model.rows().isEmpty() ? "choose a container to compare with"
                : model.differences() + " lines differ of " + model.rows().size());
    }

    /** One row: the left line and the right line, each half the width, coloured by the row's kind. */
    /** The width of one column: half the list. */
    private final javafx.beans.property.DoubleProperty columnWidth = new javafx.beans.property.SimpleDoubleProperty(300);

    private void fitColumns() {
        columnWidth.set(Math.max(150, Math.floor((rows.getWidth() - 34) / 2)));
    }

    private final class DiffCell extends ListCell<Row> {
        private final Label l = new Label();
        private final Label r = new Label();
        private final HBox box = new HBox(8, l, r);

        DiffCell() {
            l.getStyleClass().add("diff-side");
            r.getStyleClass().add("diff-side");
            // Wrapped, not cut: the difference is often at the end of a long line (args, env, paths). The width is
            // fixed (never 0, which would make a wrapped label absurdly tall before the first layout).
            l.setWrapText(true);
            r.setWrapText(true);
            l.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
            r.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
            l.maxWidthProperty().bind(columnWidth);
            r.maxWidthProperty().bind(columnWidth);
            HBox.setHgrow(l, Priority.ALWAYS);
            HBox.setHgrow(r, Priority.ALWAYS);
            l.minWidthProperty().bind(columnWidth);
            l.prefWidthProperty().bind(columnWidth);
            r.minWidthProperty().bind(columnWidth);
            r.prefWidthProperty().bind(columnWidth);
        }

        @Override
        protected void updateItem(Row row, boolean empty) {
            super.updateItem(row, empty);
            l.getStyleClass().removeAll("same", "changed", "left_only", "right_only", "blank");
            r.getStyleClass().removeAll("same", "changed", "left_only", "right_only", "blank");
            if (empty || row == null) {
                setGraphic(null);
                return;
            }
            String kind = row.kind().name().toLowerCase(Locale.ROOT);
            l.setText(row.leftLine() == 0 ? "" : String.format("%4d  %s", row.leftLine(), row.left()));
            r.setText(row.rightLine() == 0 ? "" : String.format("%4d  %s", row.rightLine(), row.right()));
            l.getStyleClass().add(row.leftLine() == 0 ? "blank" : kind);
            r.getStyleClass().add(row.rightLine() == 0 ? "blank" : kind);
            setGraphic(box);
        }
    }
}
