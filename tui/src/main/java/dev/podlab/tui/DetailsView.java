package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import dev.podlab.api.Bytes;
import dev.podlab.api.v1.Change;
import dev.podlab.api.v1.ChangesResponse;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.InspectContainerResponse;
import dev.podlab.api.view.MetricsSeriesModel.SeriesView;
import dev.podlab.api.view.Sparkline;
import dev.podlab.api.view.TraceTimeline;
import dev.podlab.api.view.WorkloadRow;

import java.util.Map;
import java.util.TreeMap;

/**
 * One container: state and exit reason, live charts (CPU, memory against its limit, block IO, pids, throttling, OOM
 * kills), the step trace as a timeline, cgroup paths, namespaces and the config.json, in one scrollable page.
 * Containers.Inspect is asked again when the container's state changes.
 */
final class DetailsView implements View {
    private final PodlabTui app;
    private final String id;
    private final String name;
    private final Doc doc = new Doc();
    private InspectContainerResponse inspect;
    /** The writable layer's changes, read on demand (d): walking a busy container's upper dir is not free. */
    private ChangesResponse changes;
    private boolean jumpToChanges;
    private String inspectedState = "";
    private boolean loading;
    private AutoCloseable listener;

    DetailsView(PodlabTui app, String id, String name) {
        this.app = app;
        this.id = id;
        this.name = name;
    }

    @Override
    public String title() {
        return "details " + name;
    }

    @Override
    public String hints() {
        return "Up/Down PgUp/PgDn scroll  Tab next section  l logs  s shell  t stop  d writable layer  Esc back";
    }

    @Override
    public void shown() {
        load();
        if (listener == null) {
            listener = app.table.addListener(() -> {
                String state = row() == null ? "" : row().state();
                if (inspect != null && !state.isEmpty() && !state.equals(inspectedState) && !loading) {
                    load();
                }
            });
        }
    }

    @Override
    public void closed() {
        if (listener != null) {
            try {
                listener.close();
            } catch (Exception e) {
                // Removing a listener cannot fail.
            }
        }
    }

    private void load() {
        loading = true;
        app.feeds().call(() -> app.feeds().client().containers().inspect(InspectContainerRequest.newBuilder().setId(id)
                .setConfigJson(true).setTrace(true).build()), r -> {
                    inspect = r;
                    inspectedState = r.getContainer().getState();
                    loading = false;
                    app.invalidate();
                }, m -> {
                    loading = false;
                    app.error(m);
                });
    }

    private WorkloadRow row() {
        for (WorkloadRow r : app.table.rows()) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        return null;
    }

    @Override
    public void draw(Canvas c) {
        doc.clear();
        if (inspect == null) {
            doc.line("loading " + name + "...", Style.DIM);
            doc.draw(c);
            return;
        }
        WorkloadRow row = row();
        Container ct = row != null ? row.container() : inspect.getContainer();
        doc.heading("State");
        doc.line("name " + ct.getName() + "   id " + ct.getId(), Style.NORMAL);
        doc.line("state " + ct.getState() + (ct.getReason().isEmpty() ? "" : " (" + ct.getReason() + ")")
                + "   runtime " + ct.getRuntime() + "   image " + (ct.getImage().isEmpty() ? "-" : ct.getImage())
                + "   created " + Format.since(ct.getCreatedAt()) + " ago", ContainersView.stateStyle(ct.getState()));
        doc.line("command " + String.join(" ", ct.getCommandList()) + "   shim pid " + ct.getShimPid()
                + "   init pid " + ct.getInitPid());
        if (ct.hasExit()) {
            var e = ct.getExit();
            doc.line("exit " + e.getReason() + ": code " + e.getExitCode() + (e.getSignal() != 0 ? ", signal " + e.getSignal() : "")
                    + (e.getOomKilled() ? ", OOM-killed" : "") + ", ran " + Format.age(e.getFinishedAt() - e.getStartedAt()),
                    e.getExitCode() == 0 && !e.getOomKilled() ? Style.NORMAL : Style.BAD);
        }
        ct.getWarningsList().forEach(w -> doc.line("warning: " + w, Style.WARN));

        int chart = Math.max(10, Math.min(60, c.width() - 40));
        SeriesView s = app.metrics.series(id, chart);
        doc.heading("Usage (live, " + s.size() + " samples)");
        double cpuNow = s.size() == 0 ? Double.NaN : s.cpuPercent()[s.size() - 1];
        double cpuPeak = 0;
        for (double v : s.cpuPercent()) {
            cpuPeak = Double.isNaN(v) ? cpuPeak : Math.max(cpuPeak, v);
        }
        // Scaled to the peak shown, so that a quiet container's pattern is still visible; the peak says the scale.
        doc.line(Canvas.fit("CPU %", 12) + Sparkline.render(s.cpuPercent(), chart, 0) + "  " + Format.percent(cpuNow)
                + " (peak " + Format.percent(cpuPeak) + ")", Style.GOOD);
        long memNow = s.size() == 0 ? 0 : s.memoryBytes()[s.size() - 1];
        doc.line(Canvas.fit("memory", 12) + Sparkline.render(s.memoryBytes(), chart, s.memoryLimit() > 0 ? s.memoryLimit() : 0)
                + "  " + Bytes.human(memNow) + " / " + (s.memoryLimit() > 0 ? Bytes.human(s.memoryLimit())
                + String.format(" (%.0f%%)", 100.0 * memNow / s.memoryLimit()) : "no limit"), Style.ACCENT);
        ioLines(doc, s, chart);
        long pidsNow = s.size() == 0 ? 0 : s.pids()[s.size() - 1];
        doc.line(Canvas.fit("pids", 12) + Sparkline.render(s.pids(), chart, s.pidsLimit() > 0 ? s.pidsLimit() : 0)
                + "  " + pidsNow + (s.pidsLimit() > 0 ? " / " + s.pidsLimit() : ""));
        long throttled = 0;
        long throttledNanos = 0;
        for (int i = 0; i < s.size(); i++) {
            throttled += s.throttledPeriods()[i];
            throttledNanos += s.throttledNanos()[i];
        }
        doc.line(Canvas.fit("throttled", 12) + Sparkline.render(s.throttledPeriods(), chart, 0) + "  " + throttled
                + " periods, " + TraceTimeline.duration(throttledNanos), throttled > 0 ? Style.WARN : Style.NORMAL);
        doc.line(Canvas.fit("OOM kills", 12) + Sparkline.render(s.oomKills(), chart, 0) + "  " + s.lastOomKills(),
                s.lastOomKills() > 0 ? Style.BAD : Style.NORMAL);

        TraceTimeline t = TraceTimeline.ofSteps(inspect.getTraceList());
        doc.heading("Trace (" + t.entries().size() + " steps, " + TraceTimeline.duration(t.spanNanos()) + ")");
        int bar = Math.max(10, Math.min(40, c.width() - 70));
        for (TraceTimeline.Entry e : t.entries()) {
            doc.line(Canvas.right("+" + TraceTimeline.duration(e.offsetNanos()), 10) + " " + Canvas.fit(e.source(), 7)
                    + Canvas.fit(e.step(), 20) + Canvas.right(TraceTimeline.duration(e.durationNanos()), 9) + " "
                    + t.bar(e, bar) + " " + e.detail());
        }
        doc.heading("Cgroups");
        new TreeMap<>(inspect.getCgroupPathsMap()).forEach((k, v) -> doc.line(Canvas.fit(k, 14) + v));
        doc.heading("Namespaces");
        Map<String, String> ns = new TreeMap<>(inspect.getNamespacesMap());
        ns.forEach((k, v) -> doc.line(Canvas.fit(k, 14) + v));
        doc.heading("config.json");
        for (String l : inspect.getConfigJson().split("\n")) {
            doc.line(l, Style.NORMAL);
        }
        if (changes == null) {
            doc.heading("Writable layer (d reads it)");
        } else {
            doc.heading("Writable layer (" + changes.getChangesCount() + " changes: A added, C changed, D deleted)");
            for (Change ch : changes.getChangesList()) {
                doc.line(ch.getKind() + " " + ch.getPath() + (ch.getKind().equals("D") ? "" : "  "
                        + Bytes.human(ch.getSize())), ch.getKind().equals("D") ? Style.BAD
                        : ch.getKind().equals("A") ? Style.GOOD : Style.WARN);
            }
            if (jumpToChanges) {
                // Just read on request: show it (the last section).
                doc.toLastHeading();
                jumpToChanges = false;
            }
        }
        doc.draw(c);
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (doc.onKey(k)) {
            return true;
        }
        WorkloadRow r = row();
        if (Keys.is(k, 'l')) {
            app.push(new LogsView(app, id, name));
        } else if (Keys.is(k, 's')) {
            app.shell(id, name, r != null ? r.state() : inspect == null ? "unknown" : inspect.getContainer().getState());
        } else if (Keys.is(k, 'd')) {
            app.feeds().call(() -> app.feeds().client().containers().changes(ContainerRef.newBuilder().setId(id).build()),
                    r2 -> {
                        changes = r2;
                        jumpToChanges = true;
                        app.invalidate();
                    }, app::error);
        } else if (Keys.is(k, 't') && r != null) {
            ContainersView.stop(app, r);
        } else {
            return false;
        }
        return true;
    }

    /**
     * Block IO as two sparklines of bytes/s (read, then write), each scaled to its own peak and labelled with its
     * latest rate: shared by the container details and the pod page.
     */
    static void ioLines(Doc doc, SeriesView s, int chart) {
        doc.line(Canvas.fit("IO read", 12) + Sparkline.render(s.ioReadBytesPerSecond(), chart, 0) + "  "
                + Bytes.rate(s.lastIoReadBytesPerSecond()), Style.NORMAL);
        doc.line(Canvas.fit("IO write", 12) + Sparkline.render(s.ioWriteBytesPerSecond(), chart, 0) + "  "
                + Bytes.rate(s.lastIoWriteBytesPerSecond()), Style.NORMAL);
    }
}
