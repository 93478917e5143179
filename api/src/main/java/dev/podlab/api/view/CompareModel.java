package dev.podlab.api.view;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.CompareRequest;
import dev.podlab.api.v1.CompareResponse;
import dev.podlab.api.v1.RuntimeColumn;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The same pod on several runtimes side by side (Pods.Compare): a table with one row per measured fact (start
 * latency, pod cgroup memory, supervisor RSS, the kernel and PID 1 inside, cgroup, one row per namespace type,
 * the error of a runtime that could not run it) and one column per runtime; each column keeps the config.json
 * its runtime received (the views diff them with {@link ConfigDiffModel}). Toolkit-free: the workbenches bind to it; the engine call runs on a worker and
 * its answer is handed in on the UI thread ({@link #finished}).
 */
public final class CompareModel extends ViewModel {
    /** Where a comparison stands. */
    public enum State { IDLE, RUNNING, DONE, FAILED }

    /** One row of the table: the fact and its value per runtime, in column order ("-" when not run). */
    public record Row(String label, List<String> cells) {
        public Row {
            cells = List.copyOf(cells);
        }
    }

    private State state = State.IDLE;
    private String subject = "";
    private List<String> runtimes = List.of();
    private int rounds;
    private String failure = "";
    private List<RuntimeColumn> columns = List.of();
    private List<Row> rows = List.of();

    public CompareModel(Dispatcher ui) {
        super(ui);
    }

    /**
     * The request for a comparison of {@code pod} (a name; "" = the manifest's first pod) of a manifest.
     *
     * @throws IllegalArgumentException unless there are two or more different runtimes and one or more rounds
     */
    public static CompareRequest request(String source, String manifest, String pod, List<String> runtimes, int rounds) {
        if (new LinkedHashSet<>(runtimes).size() < 2 || runtimes.size() != new LinkedHashSet<>(runtimes).size()) {
            throw new IllegalArgumentException("failed to compare runtimes: choose two different runtimes, not "
                    + String.join(" and ", runtimes));
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("failed to compare runtimes: rounds must be 1 or more, not " + rounds);
        }
        return CompareRequest.newBuilder().setSource(source).setManifest(manifest).setPod(pod == null ? "" : pod)
                .addAllRuntimes(runtimes).setRounds(rounds).build();
    }

    /** A comparison of {@code subject} (what the user picked, for the title) began. */
    public void started(String subject, CompareRequest request) {
        checkUiThread();
        this.subject = subject;
        this.runtimes = List.copyOf(request.getRuntimesList());
        this.rounds = request.getRounds();
        this.failure = "";
        this.columns = List.of();
        this.rows = List.of();
        state = State.RUNNING;
        changed();
    }

    /** The engine's answer. */
    public void finished(CompareResponse response) {
        checkUiThread();
        columns = List.copyOf(response.getColumnsList());
        runtimes = columns.stream().map(RuntimeColumn::getRuntime).toList();
        rows = rows(columns, rounds);
        state = State.DONE;
        changed();
    }

    /** The call failed as a whole (no columns at all): {@code message} says why. */
    public void failed(String message) {
        checkUiThread();
        failure = message;
        state = State.FAILED;
        changed();
    }

    public State state() {
        return state;
    }

    public String subject() {
        return subject;
    }

    /** The column headers: the runtimes asked for, then the ones that answered. */
    public List<String> runtimes() {
        return runtimes;
    }

    public String failure() {
        return failure;
    }

    public List<RuntimeColumn> columns() {
        return columns;
    }

    public List<Row> rows() {
        return rows;
    }

    /** A line that says where the comparison stands, for a status bar. */
    public String summary() {
        return switch (state) {
            case IDLE -> "pick a pod or a manifest and two runtimes";
            case RUNNING -> "comparing " + subject + " on " + String.join(" and ", runtimes) + ": " + rounds
                    + " start" + (rounds == 1 ? "" : "s") + " on each...";
            case DONE -> subject + " on " + String.join(" and ", runtimes) + errors();
            case FAILED -> failure;
        };
    }

    private String errors() {
        long n = columns.stream().filter(c -> !c.getError().isEmpty()).count();
        return n == 0 ? "" : " (" + n + " could not run it)";
    }

    /** The table's rows for these columns, as {@code podlab compare} prints them. */
    public static List<Row> rows(List<RuntimeColumn> cols, int rounds) {
        List<Row> out = new ArrayList<>();
        out.add(row("start to running (median of " + rounds + ")", cols,
                c -> String.format(Locale.ROOT, "%.0f ms", c.getStartMillisMedian())));
        out.add(row("pod cgroup memory", cols, c -> Bytes.human(c.getPodMemoryBytes())));
        out.add(row("supervisor RSS on the host", cols, c -> Bytes.human(c.getShimRssBytes())));
        out.add(row("kernel inside (uname -r)", cols, RuntimeColumn::getKernel));
        out.add(row("PID 1 inside", cols, RuntimeColumn::getPid1));
        out.add(row("cgroup", cols, RuntimeColumn::getCgroupPath));
        TreeSet<String> ns = new TreeSet<>();
        cols.forEach(c -> ns.addAll(c.getNamespacesMap().keySet()));
        for (String n : ns) {
            out.add(row("ns " + n, cols, c -> c.getNamespacesOrDefault(n, "")));
        }
        if (cols.stream().anyMatch(c -> !c.getError().isEmpty())) {
            List<String> cells = cols.stream().map(RuntimeColumn::getError).toList();
            out.add(new Row("error", cells));
        }
        return List.copyOf(out);
    }

    private static Row row(String label, List<RuntimeColumn> cols, Function<RuntimeColumn, String> cell) {
        return new Row(label, cols.stream().map(c -> c.getError().isEmpty() ? cell.apply(c) : "-").toList());
    }
}
