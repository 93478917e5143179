package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import dev.podlab.api.Bytes;
import dev.podlab.api.v1.CompareRequest;
import dev.podlab.api.v1.CompareResponse;
import dev.podlab.api.v1.RuntimeColumn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Pods.Compare of a manifest's first pod on several runtimes: the table {@code podlab compare} prints (start
 * latency, pod cgroup memory, supervisor RSS, kernel and PID 1 inside, cgroup, namespaces) and each runtime's
 * config.json diff against the first.
 */
final class CompareView implements View {
    static final int ROUNDS = 3;

    private final PodlabTui app;
    private final Path file;
    private final List<String> runtimes;
    private final Doc doc = new Doc();
    private CompareResponse result;
    private String failure;
    private boolean started;
    private final long startedAt = System.currentTimeMillis();

    CompareView(PodlabTui app, Path file, List<String> runtimes) {
        this.app = app;
        this.file = file;
        this.runtimes = List.copyOf(runtimes);
    }

    @Override
    public String title() {
        return "compare " + file.getFileName() + " on " + String.join(", ", runtimes);
    }

    @Override
    public String hints() {
        return "Up/Down PgUp/PgDn scroll  Tab next section  Esc back";
    }

    @Override
    public void shown() {
        if (started) {
            return;
        }
        started = true;
        app.feeds().call(() -> app.feeds().client().pods().compare(CompareRequest.newBuilder().setSource(file.toString())
                .setManifest(Files.readString(file)).addAllRuntimes(runtimes).setRounds(ROUNDS).build()), r -> {
                    result = r;
                    app.info("compared " + file.getFileName() + " on " + String.join(", ", runtimes));
                }, m -> {
                    failure = m;
                    app.error(m);
                });
    }

    @Override
    public void draw(Canvas c) {
        doc.clear();
        if (result == null) {
            doc.line(failure != null ? "failed: " + failure : "comparing: " + ROUNDS + " starts of the first pod on each runtime... ("
                    + (System.currentTimeMillis() - startedAt) / 1000 + " s)", failure != null ? Style.BAD : Style.DIM);
            doc.draw(c);
            return;
        }
        for (String line : table(result.getColumnsList())) {
            doc.line(line, line.startsWith("error") ? Style.BAD : Style.NORMAL);
        }
        List<RuntimeColumn> cols = result.getColumnsList();
        for (int i = 1; i < cols.size(); i++) {
            doc.heading("config.json: " + cols.get(0).getRuntime() + " (-) vs " + cols.get(i).getRuntime() + " (+)");
            if (!cols.get(i).getError().isEmpty()) {
                doc.line("(not run: see the error above)", Style.DIM);
            } else if (cols.get(i).getConfigDiffCount() == 0) {
                doc.line("identical (ids and names aside)", Style.DIM);
            }
            for (String l : cols.get(i).getConfigDiffList()) {
                doc.line(l, l.startsWith("-") ? Style.BAD : l.startsWith("+") ? Style.GOOD : Style.NORMAL);
            }
        }
        doc.draw(c);
    }

    /** The rows of {@code podlab compare}'s table: one label column, one column per runtime. */
    static List<String> table(List<RuntimeColumn> cols) {
        List<String[]> rows = new ArrayList<>();
        String[] head = new String[cols.size() + 1];
        head[0] = "";
        for (int i = 0; i < cols.size(); i++) {
            head[i + 1] = cols.get(i).getRuntime();
        }
        rows.add(head);
        row(rows, "start to running (median of " + ROUNDS + ")", cols, c -> Math.round(c.getStartMillisMedian()) + " ms");
        row(rows, "pod cgroup memory", cols, c -> Bytes.human(c.getPodMemoryBytes()));
        row(rows, "supervisor RSS on the host", cols, c -> Bytes.human(c.getShimRssBytes()));
        row(rows, "kernel inside (uname -r)", cols, RuntimeColumn::getKernel);
        row(rows, "PID 1 inside", cols, RuntimeColumn::getPid1);
        row(rows, "cgroup", cols, RuntimeColumn::getCgroupPath);
        TreeSet<String> ns = new TreeSet<>();
        cols.forEach(c -> ns.addAll(c.getNamespacesMap().keySet()));
        for (String n : ns) {
            row(rows, "ns " + n, cols, c -> c.getNamespacesOrDefault(n, ""));
        }
        if (cols.stream().anyMatch(c -> !c.getError().isEmpty())) {
            row(rows, "error", cols, RuntimeColumn::getError);
        }
        int[] width = new int[head.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(i == r.length - 1 ? r[i] : Canvas.fit(r[i], width[i] + 2));
            }
            out.add(sb.toString().stripTrailing());
        }
        return out;
    }

    private static void row(List<String[]> rows, String label, List<RuntimeColumn> cols, Function<RuntimeColumn, String> cell) {
        String[] r = new String[cols.size() + 1];
        r[0] = label;
        for (int i = 0; i < cols.size(); i++) {
            r[i + 1] = cols.get(i).getError().isEmpty() || label.equals("error") ? cell.apply(cols.get(i)) : "-";
        }
        rows.add(r);
    }

    @Override
    public boolean onKey(KeyStroke k) {
        return doc.onKey(k);
    }
}
