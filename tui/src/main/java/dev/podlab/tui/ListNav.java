package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.view.KeyedTableModel;

/** Cursor keys over a list: which row is selected and which is at the top of the visible window. */
final class ListNav {
    int selected;
    int top;
    private int page = 10;

    /** Handles a movement key for a list of {@code size} rows; false when the key is not a movement. */
    boolean onKey(KeyStroke k, int size) {
        if (Keys.type(k, KeyType.ArrowUp) || Keys.is(k, 'k')) {
            selected--;
        } else if (Keys.type(k, KeyType.ArrowDown) || Keys.is(k, 'j')) {
            selected++;
        } else if (Keys.type(k, KeyType.PageUp)) {
            selected -= page;
        } else if (Keys.type(k, KeyType.PageDown)) {
            selected += page;
        } else if (Keys.type(k, KeyType.Home)) {
            selected = 0;
        } else if (Keys.type(k, KeyType.End)) {
            selected = size - 1;
        } else {
            return false;
        }
        clamp(size);
        return true;
    }

    /**
     * Selects the row under a click at body row {@code row} of a list drawn below one heading row from
     * {@link #top}; false when the click is on the heading or below the last row.
     */
    boolean click(int row, int size) {
        int index = top + row - 1;
        if (row < 1 || index >= size) {
            return false;
        }
        selected = index;
        return true;
    }

    /**
     * A click on a table view backed by a {@link KeyedTableModel}: selects the row under it in the model; a
     * double click then acts as Enter on {@code view}. False when the click is not on a row.
     */
    boolean click(KeyedTableModel<?, ?, ?> table, int row, boolean twice, View view) {
        selected = table.selectedIndex();
        if (!click(row, table.rows().size())) {
            return false;
        }
        table.select(selected);
        return !twice || view.onKey(new KeyStroke(KeyType.Enter, false, false));
    }

    void clamp(int size) {
        selected = Math.max(0, Math.min(size - 1, selected));
    }

    /** Adjusts the window so the selection shows in {@code height} rows. */
    void scrollTo(int height, int size) {
        page = Math.max(1, height - 1);
        if (selected < top) {
            top = selected;
        }
        if (selected >= top + height) {
            top = selected - height + 1;
        }
        top = Math.max(0, Math.min(top, Math.max(0, size - height)));
    }
}
