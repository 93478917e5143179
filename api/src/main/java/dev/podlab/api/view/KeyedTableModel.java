package dev.podlab.api.view;

import dev.podlab.api.v1.Sample;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the containers and pods tables share: items by id from a List call, then pushed updates; the latest
 * usage sample per id; a sort key and direction; a {@code /} filter; a selection that follows its row (by id)
 * across updates, sorting and filtering. Mutators run on the UI thread only.
 *
 * @param <T> the API message of one item
 * @param <R> the row built from an item and its usage
 * @param <K> the columns the table can be sorted by
 */
public abstract class KeyedTableModel<T, R, K extends Enum<K>> extends ViewModel {
    private final Map<String, T> byId = new LinkedHashMap<>();
    private final Map<String, Sample> usage = new HashMap<>();
    private String filter = "";
    private K sortKey;
    private boolean descending;
    private List<R> rows = List.of();
    private String selectedId;
    private int selectedIndex = -1;

    protected KeyedTableModel(Dispatcher ui, K initialSort) {
        super(ui);
        this.sortKey = initialSort;
    }

    protected abstract String idOf(T item);

    protected abstract R rowOf(T item, Sample usage);

    protected abstract String rowId(R row);

    protected abstract boolean matches(R row, String filter);

    /** Whether {@code ref} names the row for {@link #selectId} (an id prefix always does). */
    protected abstract boolean named(R row, String ref);

    protected abstract Comparator<R> comparator(K key);

    /** How rows equal under the sort key are ordered (the id comes last in any case). */
    protected Comparator<R> tieBreak() {
        return (a, b) -> 0;
    }

    /** Whether a newly chosen key sorts biggest first (usage, for instance). */
    protected abstract boolean startsDescending(K key);

    /** Replaces every row (a fresh List). */
    public void setAll(List<T> items) {
        checkUiThread();
        byId.clear();
        items.forEach(i -> byId.put(idOf(i), i));
        rebuild();
    }

    /** Adds the item or replaces its row. */
    public void upsert(T item) {
        checkUiThread();
        byId.put(idOf(item), item);
        rebuild();
    }

    public void remove(String id) {
        checkUiThread();
        if (byId.remove(id) != null) {
            usage.remove(id);
            rebuild();
        }
    }

    /**
     * The latest samples of a metrics round. Samples of items not (yet) listed are kept: the metrics history may
     * arrive before the first list.
     */
    public void updateUsage(Map<String, Sample> samples) {
        checkUiThread();
        usage.putAll(samples);
        rebuild();
    }

    public void setFilter(String text) {
        checkUiThread();
        filter = text == null ? "" : text;
        rebuild();
    }

    public String filter() {
        return filter;
    }

    /** Sorts by {@code key}; the same key again flips the direction. */
    public void sortBy(K key) {
        checkUiThread();
        if (key == sortKey) {
            descending = !descending;
        } else {
            sortKey = key;
            descending = startsDescending(key);
        }
        rebuild();
    }

    public K sortKey() {
        return sortKey;
    }

    public boolean descending() {
        return descending;
    }

    /** The visible rows, filtered and sorted. */
    public List<R> rows() {
        return rows;
    }

    public int selectedIndex() {
        return selectedIndex;
    }

    public Optional<R> selected() {
        return selectedIndex < 0 ? Optional.empty() : Optional.of(rows.get(selectedIndex));
    }

    /** The row of this id, visible or not (null when unknown). */
    public R row(String id) {
        T item = byId.get(id);
        return item == null ? null : rowOf(item, usage.get(id));
    }

    public void select(int index) {
        checkUiThread();
        if (rows.isEmpty()) {
            return;
        }
        selectedIndex = Math.max(0, Math.min(rows.size() - 1, index));
        selectedId = rowId(rows.get(selectedIndex));
        changed();
    }

    public void moveSelection(int delta) {
        select(selectedIndex + delta);
    }

    /** Selects the row this reference names (see {@link #named}) or whose id starts with it, when visible. */
    public boolean selectId(String ref) {
        checkUiThread();
        for (int i = 0; i < rows.size(); i++) {
            R r = rows.get(i);
            if (named(r, ref) || rowId(r).startsWith(ref)) {
                select(i);
                return true;
            }
        }
        return false;
    }

    /** Every item known, filtered or not. */
    public int total() {
        return byId.size();
    }

    /** Every item known, in list order. */
    protected Collection<T> items() {
        return byId.values();
    }

    private void rebuild() {
        List<R> next = new ArrayList<>(byId.size());
        for (T item : byId.values()) {
            R r = rowOf(item, usage.get(idOf(item)));
            if (matches(r, filter)) {
                next.add(r);
            }
        }
        Comparator<R> cmp = comparator(sortKey);
        if (descending) {
            cmp = cmp.reversed();
        }
        next.sort(cmp.thenComparing(tieBreak()).thenComparing(this::rowId));
        rows = List.copyOf(next);
        int keep = -1;
        for (int i = 0; selectedId != null && i < rows.size(); i++) {
            if (rowId(rows.get(i)).equals(selectedId)) {
                keep = i;
                break;
            }
        }
        if (keep < 0 && !rows.isEmpty()) {
            // The selected row left (removed or filtered out): stay at the same height in the table.
            keep = Math.max(0, Math.min(rows.size() - 1, selectedIndex));
        }
        selectedIndex = keep;
        selectedId = keep < 0 ? selectedId : rowId(rows.get(keep));
        changed();
    }
}
