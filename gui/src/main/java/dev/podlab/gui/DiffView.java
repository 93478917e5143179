package dev.podlab.gui;

import dev.podlab.api.view.ConfigDiffModel;
import dev.podlab.api.view.ConfigDiffModel.Row;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.Locale;

/**
 * The rows of a {@link ConfigDiffModel} as two columns under their titles: changed lines, lines on one side
 * only and equal lines styled apart. The containers' diff tab and the runtimes comparison show it.
 */
final class DiffView extends VBox {
    private final ConfigDiffModel model;
    final Label leftTitle = new Label();
    final Label rightTitle = new Label();
    final ListView<Row> rows = new ListView<>();
    /** The width of one column: half the list. */
    private final DoubleProperty columnWidth = new SimpleDoubleProperty(300);

    DiffView(ConfigDiffModel model) {
        super(6);
        this.model = model;
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
        getChildren().addAll(titles, rows);
        model.addListener(this::sync);
        sync();
    }

    private void sync() {
        leftTitle.setText(model.leftTitle());
        rightTitle.setText(model.rightTitle());
        fitColumns();
        rows.getItems().setAll(model.rows());
    }

    private void fitColumns() {
        columnWidth.set(Math.max(150, Math.floor((rows.getWidth() - 34) / 2)));
    }

    /** One row: the left line and the right line, each half the width, coloured by the row's kind. */
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
            l.setMinHeight(Region.USE_PREF_SIZE);
            r.setMinHeight(Region.USE_PREF_SIZE);
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
