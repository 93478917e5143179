package dev.podlab.gui;

import dev.podlab.api.view.KeyedTableModel;
import javafx.scene.control.TableView;

import java.util.function.Function;

/**
 * Keeps a {@link TableView} showing a table model's rows in the model's order and its selection, and hands a
 * selection the user makes back to the model (which keeps it across updates).
 */
final class ModelTable<R> {
    private final TableView<R> table;
    private final KeyedTableModel<?, R, ?> model;
    private boolean syncing;

    ModelTable(TableView<R> table, KeyedTableModel<?, R, ?> model, Function<R, String> id) {
        this.table = table;
        this.model = model;
        // The model sorts; header clicks would only reorder a copy.
        table.getColumns().forEach(c -> c.setSortable(false));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getSelectionModel().selectedItemProperty().addListener((o, a, row) -> {
            if (!syncing && row != null) {
                model.selectId(id.apply(row));
            }
        });
    }

    /** Rows and selection from the model. */
    void sync() {
        syncing = true;
        try {
            table.getItems().setAll(model.rows());
            int i = model.selectedIndex();
            if (i >= 0) {
                table.getSelectionModel().select(i);
            } else {
                table.getSelectionModel().clearSelection();
            }
        } finally {
            syncing = false;
        }
    }
}
