package dev.podlab.api.view;

import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.Sample;

import java.util.Comparator;

/**
 * The workloads table: rows from Containers.List, then pushed updates (Events.Watch), latest usage
 * (Metrics.Watch), a sort key, a {@code /} filter and a selection that follows its row (by id) across
 * updates, sorting and filtering. Mutators run on the UI thread only.
 */
public final class ContainersTableModel extends KeyedTableModel<Container, WorkloadRow, ContainersTableModel.SortKey> {
    /** The columns a table can be sorted by. */
    public enum SortKey { NAME, ID, IMAGE, RUNTIME, STATE, AGE, CPU, MEMORY }

    public ContainersTableModel(Dispatcher ui) {
        super(ui, SortKey.NAME);
    }

    public long running() {
        return items().stream().filter(c -> c.getState().equals("running")).count();
    }

    @Override
    protected String idOf(Container c) {
        return c.getId();
    }

    @Override
    protected WorkloadRow rowOf(Container c, Sample usage) {
        return WorkloadRow.of(c, usage);
    }

    @Override
    protected String rowId(WorkloadRow r) {
        return r.id();
    }

    @Override
    protected boolean matches(WorkloadRow r, String filter) {
        return r.matches(filter);
    }

    /** A container is named by its id or its name. */
    @Override
    protected boolean named(WorkloadRow r, String ref) {
        return r.id().equals(ref) || r.name().equals(ref);
    }

    /** Usage sorts biggest first. */
    @Override
    protected boolean startsDescending(SortKey key) {
        return key == SortKey.CPU || key == SortKey.MEMORY;
    }

    @Override
    protected Comparator<WorkloadRow> comparator(SortKey key) {
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
