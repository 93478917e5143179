package dev.podlab.api.view;

import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.Sample;

import java.util.Comparator;

/**
 * The pods table: rows from Pods.List (refreshed by {@link EngineFeeds#watchPods} when pod or container events
 * arrive, never polled), the pod cgroups' latest usage (Metrics.Watch, keyed by pod id), a sort key, a {@code /}
 * filter and a selection that follows its pod (by id) across updates, sorting and filtering.
 * Toolkit-free: the TUI and the GUI bind to it. Mutators run on the UI thread only.
 */
public final class PodsTableModel extends KeyedTableModel<Pod, PodRow, PodsTableModel.SortKey> {
    /** The columns a table can be sorted by. */
    public enum SortKey { NAME, NAMESPACE, RUNTIME, STATUS, READY, RESTARTS, AGE, IP, CPU, MEMORY }

    public PodsTableModel(Dispatcher ui) {
        super(ui, SortKey.NAME);
    }

    public long running() {
        return items().stream().filter(p -> p.getPhase().equals("Running")).count();
    }

    @Override
    protected String idOf(Pod p) {
        return p.getId();
    }

    @Override
    protected PodRow rowOf(Pod p, Sample usage) {
        return PodRow.of(p, usage);
    }

    @Override
    protected String rowId(PodRow r) {
        return r.id();
    }

    @Override
    protected boolean matches(PodRow r, String filter) {
        return r.matches(filter);
    }

    /** A pod is named by its id, its name or namespace/name. */
    @Override
    protected boolean named(PodRow r, String ref) {
        return r.id().equals(ref) || r.name().equals(ref) || r.ref().equals(ref);
    }

    /** Usage and restarts sort biggest first. */
    @Override
    protected boolean startsDescending(SortKey key) {
        return key == SortKey.CPU || key == SortKey.MEMORY || key == SortKey.RESTARTS;
    }

    @Override
    protected Comparator<PodRow> tieBreak() {
        return Comparator.comparing(PodRow::ref);
    }

    @Override
    protected Comparator<PodRow> comparator(SortKey key) {
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
