package dev.podlab.api.view;

import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.Sample;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The workloads table: rows from Containers.List, then pushed updates (Events.Watch), latest usage
 * (Metrics.Watch), a sort key, a {@code /} filter and a selection that follows its row (by id) across
 * updates, sorting and filtering. Mutators run on the UI thread only.
 */
public final class ContainersTableModel extends ViewModel {
    /** The columns a table can be sorted by. */
    public enum SortKey { NAME, ID, IMAGE, RUNTIME, STATE, AGE, CPU, MEMORY }

    private final Map<String, Container> byId = new LinkedHashMap<>();
    private final Map<String, Sample> usage = new HashMap<>();
    private String filter = "";
    private SortKey sortKey = SortKey.NAME;
    private boolean descending;
    private List<WorkloadRow> rows = List.of();
    private String selectedId;
    private int selectedIndex = -1;

    public ContainersTableModel(Dispatcher ui) {
        super(ui);
    }

    /** Replaces every row (a fresh List). */
    public void setAll(List<Container> containers) {
        checkUiThread();
        byId.clear();
        containers.forEach(c -> byId.put(c.getId(), c));
        rebuild();
    }

    /** Adds the container or replaces its row. */
    public void upsert(Container c) {
        checkUiThread();
        byId.put(c.getId(), c);
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
     * The latest samples of a metrics round. Samples of containers not (yet) listed are kept: the metrics
     * history may arrive before the first list.
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

    /** Sorts by {@code key}; the same key again flips the direction. Usage and age sort biggest first. */
    public void sortBy(SortKey key) {
        checkUiThread();
        if (key == sortKey) {
            descending = !descending;
        } else {
            sortKey = key;
            descending = key == SortKey.CPU || key == SortKey.MEMORY;
        }
        rebuild();
    }

    public SortKey sortKey() {
        return sortKey;
    }

    public boolean descending() {
        return descending;
    }

    /** The visible rows, filtered and sorted. */
    public List<WorkloadRow> rows() {
        return rows;
    }

    public int selectedIndex() {
        return selectedIndex;
    }

    public Optional<WorkloadRow> selected() {
        return selectedIndex < 0 ? Optional.empty() : Optional.of(rows.get(selectedIndex));
    }

    public void select(int index) {
        checkUiThread();
        if (rows.isEmpty()) {
            return;
        }
        selectedIndex = Math.max(0, Math.min(rows.size() - 1, index));
        selectedId = rows.get(selectedIndex).id();
        changed();
    }

    public void moveSelection(int delta) {
        select(selectedIndex + delta);
    }

    /** Selects the row of this id (or unique id prefix or name) when it is visible. */
    public boolean selectId(String idOrName) {
        checkUiThread();
        for (int i = 0; i < rows.size(); i++) {
            WorkloadRow r = rows.get(i);
            if (r.id().equals(idOrName) || r.name().equals(idOrName) || r.id().startsWith(idOrName)) {
                select(i);
                return true;
            }
        }
        return false;
    }

    /** Every container known, filtered or not. */
    public int total() {
        return byId.size();
    }

    public long running() {
        return byId.values().stream().filter(c -> c.getState().equals("running")).count();
    }

    private void rebuild() {
        List<WorkloadRow> next = new ArrayList<>(byId.size());
        for (Container c : byId.values()) {
            WorkloadRow r = WorkloadRow.of(c, usage.get(c.getId()));
            if (r.matches(filter)) {
                next.add(r);
            }
        }
        Comparator<WorkloadRow> cmp = comparator(sortKey);
        if (descending) {
            cmp = cmp.reversed();
        }
        next.sort(cmp.thenComparing(WorkloadRow::id));
        rows = List.copyOf(next);
        int keep = -1;
        for (int i = 0; selectedId != null && i < rows.size(); i++) {
            if (rows.get(i).id().equals(selectedId)) {
                keep = i;
                break;
            }
        }
        if (keep < 0 && !rows.isEmpty()) {
            // The selected row left (removed or filtered out): stay at the same height in the table.
            keep = Math.max(0, Math.min(rows.size() - 1, selectedIndex));
        }
        selectedIndex = keep;
        selectedId = keep < 0 ? selectedId : rows.get(keep).id();
        changed();
    }

    private static Comparator<WorkloadRow> comparator(SortKey key) {
        return switch (key) {
            case NAME -> Comparator.comparing(WorkloadRow::name);
            case ID -> Comparator.comparing(WorkloadRow::id);
            case IMAGE -> Comparator.comparing(WorkloadRow::image);
            case RUNTIME -> Comparator.comparing(WorkloadRow::runtime);
            case STATE -> Comparator.comparing(WorkloadRow::state);
            // Age: youngest first ascending, like "created 2 s ago" before "created 1 h ago".
            case AGE -> Comparator.comparingLong(WorkloadRow::createdAtNanos).reversed();
            case CPU -> Comparator.comparingDouble(r -> Double.isNaN(r.cpuPercent()) ? -1 : r.cpuPercent());
            case MEMORY -> Comparator.comparingLong(WorkloadRow::memoryBytes);
        };
    }
}
