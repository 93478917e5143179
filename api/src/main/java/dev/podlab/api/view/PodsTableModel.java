package dev.podlab.api.view;

import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.Sample;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pods table: rows from Pods.List (refreshed by {@link EngineFeeds#watchPods} when pod or container events
 * arrive, never polled), the pod cgroups' latest usage (Metrics.Watch, keyed by pod id), a sort key, a {@code /}
 * filter and a selection that follows its pod (by id) across updates, sorting and filtering.
 * Toolkit-free: the TUI and the GUI bind to it. Mutators run on the UI thread only.
 */
public final class PodsTableModel extends ViewModel {
    /** The columns a table can be sorted by. */
    public enum SortKey { NAME, NAMESPACE, RUNTIME, STATUS, READY, RESTARTS, AGE, IP, CPU, MEMORY }

    private final Map<String, Pod> byId = new LinkedHashMap<>();
    private final Map<String, Sample> usage = new HashMap<>();
    private String filter = "";
    private SortKey sortKey = SortKey.NAME;
    private boolean descending;
    private List<PodRow> rows = List.of();
    private String selectedId;
    private int selectedIndex = -1;

    public PodsTableModel(Dispatcher ui) {
        super(ui);
    }

    /** Replaces every row (a fresh Pods.List). */
    public void setAll(List<Pod> pods) {
        checkUiThread();
        byId.clear();
        pods.forEach(p -> byId.put(p.getId(), p));
        rebuild();
    }

    /** Adds the pod or replaces its row. */
    public void upsert(Pod p) {
        checkUiThread();
        byId.put(p.getId(), p);
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
     * The latest samples of a metrics round (container samples among them are simply never looked up). Samples
     * of pods not (yet) listed are kept: the metrics history may arrive before the first list.
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

    /** Sorts by {@code key}; the same key again flips the direction. Usage, restarts and age sort biggest first. */
    public void sortBy(SortKey key) {
        checkUiThread();
        if (key == sortKey) {
            descending = !descending;
        } else {
            sortKey = key;
            descending = key == SortKey.CPU || key == SortKey.MEMORY || key == SortKey.RESTARTS;
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
    public List<PodRow> rows() {
        return rows;
    }

    public int selectedIndex() {
        return selectedIndex;
    }

    public Optional<PodRow> selected() {
        return selectedIndex < 0 ? Optional.empty() : Optional.of(rows.get(selectedIndex));
    }

    /** The row of this pod id, visible or not (null when unknown). */
    public PodRow row(String id) {
        Pod p = byId.get(id);
        return p == null ? null : PodRow.of(p, usage.get(id));
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

    /** Selects the row of this id, id prefix, name or namespace/name when it is visible. */
    public boolean selectId(String ref) {
        checkUiThread();
        for (int i = 0; i < rows.size(); i++) {
            PodRow r = rows.get(i);
            if (r.id().equals(ref) || r.name().equals(ref) || r.ref().equals(ref) || r.id().startsWith(ref)) {
                select(i);
                return true;
            }
        }
        return false;
    }

    /** Every pod known, filtered or not. */
    public int total() {
        return byId.size();
    }

    public long running() {
        return byId.values().stream().filter(p -> p.getPhase().equals("Running")).count();
    }

    private void rebuild() {
        List<PodRow> next = new ArrayList<>(byId.size());
        for (Pod p : byId.values()) {
            PodRow r = PodRow.of(p, usage.get(p.getId()));
            if (r.matches(filter)) {
                next.add(r);
            }
        }
        Comparator<PodRow> cmp = comparator(sortKey);
        if (descending) {
            cmp = cmp.reversed();
        }
        next.sort(cmp.thenComparing(PodRow::ref).thenComparing(PodRow::id));
        rows = List.copyOf(next);
        int keep = -1;
        for (int i = 0; selectedId != null && i < rows.size(); i++) {
            if (rows.get(i).id().equals(selectedId)) {
                keep = i;
                break;
            }
        }
        if (keep < 0 && !rows.isEmpty()) {
            // The selected pod left (deleted or filtered out): stay at the same height in the table.
            keep = Math.max(0, Math.min(rows.size() - 1, selectedIndex));
        }
        selectedIndex = keep;
        selectedId = keep < 0 ? selectedId : rows.get(keep).id();
        changed();
    }

    private static Comparator<PodRow> comparator(SortKey key) {
        return switch (key) {
            case NAME -> Comparator.comparing(PodRow::name);
            case NAMESPACE -> Comparator.comparing(PodRow::namespace);
            case RUNTIME -> Comparator.comparing(PodRow::runtime);
            case STATUS -> Comparator.comparing(PodRow::status);
            // Ready: by the share of ready containers, so 0/2 sorts with 0/1 before 1/2.
            case READY -> Comparator.comparingDouble(r -> r.containerCount() == 0 ? 0 : (double) r.readyCount() / r.containerCount());
            case RESTARTS -> Comparator.comparingInt(PodRow::restarts);
            // Age: youngest first ascending, as for containers.
            case AGE -> Comparator.comparingLong(PodRow::createdAtNanos).reversed();
            case IP -> Comparator.comparing(PodRow::ip, PodsTableModel::compareIp);
            case CPU -> Comparator.comparingDouble(r -> Double.isNaN(r.cpuPercent()) ? -1 : r.cpuPercent());
            case MEMORY -> Comparator.comparingLong(PodRow::memoryBytes);
        };
    }

    /** Dotted quads by number (10.0.0.9 before 10.0.0.10); empty (no IP) first; anything else as text. */
    static int compareIp(String a, String b) {
        long x = ipValue(a);
        long y = ipValue(b);
        return x >= -1 && y >= -1 ? Long.compare(x, y) : a.compareTo(b);
    }

    private static long ipValue(String ip) {
        if (ip.isEmpty()) {
            return -1;
        }
        String[] p = ip.split("\\.");
        if (p.length != 4) {
            return -2;
        }
        long v = 0;
        try {
            for (String s : p) {
                v = v * 256 + Integer.parseInt(s);
            }
        } catch (NumberFormatException e) {
            return -2;
        }
        return v;
    }
}
