package dev.podlab.gui;

import dev.podlab.api.view.KeyedTableModel;
import javafx.scene.Node;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.skin.TableColumnHeader;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.scene.text.Text;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Keeps a {@link TableView} showing a table model's rows in the model's order and its selection, and hands a
 * selection the user makes back to the model (which keeps it across updates). A click on a column header sorts
 * the model by that column's key (again: the other way round); the sorted header shows an arrow.
 */
final class ModelTable<R, K extends Enum<K>> {
    private final TableView<R> table;
    private final KeyedTableModel<?, R, K> model;
    private final Map<TableColumn<R, ?>, K> keys = new LinkedHashMap<>();
    private final Map<TableColumn<R, ?>, String> titles = new LinkedHashMap<>();
    private boolean syncing;

    /** @param keyType the model's sort keys: a column sorts by the key named as its title (others do not sort) */
    ModelTable(TableView<R> table, KeyedTableModel<?, R, K> model, Function<R, String> id, Class<K> keyType) {
        this.table = table;
        this.model = model;
        for (TableColumn<R, ?> c : table.getColumns()) {
            // The model sorts (so the order survives live updates); the table's own sorting would reorder a copy.
            c.setSortable(false);
            titles.put(c, c.getText());
            // Never narrower than the title with its arrow: a tight window scrolls sideways rather than clip it.
            c.setMinWidth(Math.min(c.getPrefWidth(), headerWidth(c.getText() + " ▼")));
            for (K k : keyType.getEnumConstants()) {
                if (k.name().equals(c.getText())) {
                    keys.put(c, k);
                }
            }
        }
        table.addEventHandler(MouseEvent.MOUSE_CLICKED, this::headerClicked);
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getSelectionModel().selectedItemProperty().addListener((o, a, row) -> {
            if (!syncing && row != null) {
                model.selectId(id.apply(row));
            }
        });
    }

    private static double headerWidth(String title) {
        Text t = new Text(title);
        t.setFont(Font.font(Font.getDefault().getFamily(), FontWeight.BOLD, 12));
        return Math.ceil(t.getLayoutBounds().getWidth()) + 14;
    }

    /** A click (not the end of a column resize) on a header sorts by its column. */
    private void headerClicked(MouseEvent e) {
        if (e.getButton() != MouseButton.PRIMARY || !e.isStillSincePress()) {
            return;
        }
        for (Node n = e.getPickResult().getIntersectedNode(); n != null && n != table; n = n.getParent()) {
            if (n instanceof TableColumnHeader h) {
                K k = keys.get(h.getTableColumn());
                if (k != null) {
                    model.sortBy(k);
                    e.consume();
                }
                return;
            }
        }
    }

    /** Rows, selection and the sort arrow from the model. */
    void sync() {
        syncing = true;
        try {
            keys.forEach((c, k) -> c.setText(titles.get(c) + (k == model.sortKey() ? model.descending() ? " ▼" : " ▲" : "")));
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
