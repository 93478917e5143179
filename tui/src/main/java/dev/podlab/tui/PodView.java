package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.Bytes;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodEventEntry;
import dev.podlab.api.view.MetricsSeriesModel.SeriesView;
import dev.podlab.api.view.PodDetailModel;
import dev.podlab.api.view.PodDetailModel.ContainerLine;
import dev.podlab.api.view.Sparkline;
import dev.podlab.api.view.TraceTimeline;

/**
 * One pod: its containers (Enter opens one), live charts from the pod cgroup, conditions and events, the
 * sandbox's step trace and the manifest report, in one scrollable page kept live by the pod's events.
 */
final class PodView implements View {
    private final PodlabTui app;
    private final String id;
    private final String ref;
    private final PodDetailModel model;
    private final Doc doc = new Doc();
    private AutoCloseable feed;

    PodView(PodlabTui app, String id, String ref) {
        this.app = app;
        this.id = id;
        this.ref = ref;
        this.model = new PodDetailModel(app, id);
        model.addListener(app::invalidate);
    }

    @Override
    public String title() {
        return "pod " + ref;
    }

    @Override
    public String hints() {
        return "Up/Down container  Enter details  l logs  s shell  r restart  ^D delete  w swap  PgUp/PgDn Tab scroll";
    }

    @Override
    public void shown() {
        if (feed == null) {
            feed = app.feeds().watchPod(model);
        }
    }

    @Override
    public void closed() {
        if (feed != null) {
            try {
                feed.close();
            } catch (Exception e) {
                // Cancelling the call cannot fail in a way that matters here.
            }
        }
    }

    @Override
    public void draw(Canvas c) {
        doc.clear();
        if (model.goneReason() != null) {
            doc.line("pod " + ref + " is gone: " + model.goneReason(), Style.BAD);
            doc.draw(c);
            return;
        }
        if (model.pod().isEmpty()) {
            doc.line("loading pod " + ref + "...", Style.DIM);
            doc.draw(c);
            return;
        }
        Pod p = model.pod().get();
        doc.heading("Pod");
        doc.line("name " + p.getNamespace() + "/" + p.getName() + "   id " + p.getId() + "   uid " + p.getUid());
        doc.line("phase " + p.getPhase() + (p.getReason().isEmpty() ? "" : " (" + p.getReason() + ")") + "   ready " + p.getReady()
                + "   restarts " + p.getRestarts() + "   age " + Format.since(p.getCreatedAt()),
                PodsView.statusStyle(p.getPhase()));
        doc.line("runtime " + p.getRuntime() + "   IP " + (p.getPodIp().isEmpty() ? "-" : p.getPodIp()) + "   QoS " + p.getQosClass()
                + "   restartPolicy " + model.restartPolicy() + (p.getSource().isEmpty() ? "" : "   from " + p.getSource()));
        doc.line("cgroup " + p.getCgroupParent() + "   netns " + p.getNetns(), Style.DIM);
        if (!p.getMessage().isEmpty()) {
            doc.line("message " + p.getMessage(), Style.WARN);
        }

        doc.heading("Containers");
        doc.line(Canvas.fit("NAME", 16) + Canvas.fit("STATE", 11) + Canvas.fit("REASON", 18) + Canvas.fit("READY", 6)
                + Canvas.fit("RESTARTS", 9) + Canvas.fit("PORTS", 24) + "IMAGE", Style.COLUMN);
        int index = 0;
        for (ContainerLine cl : model.containers()) {
            boolean sel = index++ == model.selectedIndex();
            String reason = cl.reason().isEmpty() && !cl.lastReason().isEmpty() ? "last: " + cl.lastReason() : cl.reason();
            doc.line(Canvas.fit((sel ? "› " : "  ") + cl.name() + (cl.init() ? " (init)" : ""), 16) + Canvas.fit(cl.state(), 11)
                    + Canvas.fit(reason, 18) + Canvas.fit(cl.ready() ? "yes" : "no", 6)
                    + Canvas.fit(Integer.toString(cl.restarts()), 9) + Canvas.fit(cl.ports().isEmpty() ? "-"
                    : String.join(", ", cl.ports()), 24) + cl.image(),
                    sel ? Style.SELECTED : cl.state().equals("running") ? Style.GOOD : cl.state().equals("waiting") ? Style.WARN : Style.DIM);
        }

        int chart = Math.max(10, Math.min(60, c.width() - 40));
        SeriesView s = app.metrics.series(id, chart);
        doc.heading("Pod cgroup usage (live, " + s.size() + " samples)");
        double cpuNow = s.size() == 0 ? Double.NaN : s.cpuPercent()[s.size() - 1];
        doc.line(Canvas.fit("CPU %", 12) + Sparkline.render(s.cpuPercent(), chart, 0) + "  " + Format.percent(cpuNow), Style.GOOD);
        long memNow = s.size() == 0 ? 0 : s.memoryBytes()[s.size() - 1];
        doc.line(Canvas.fit("memory", 12) + Sparkline.render(s.memoryBytes(), chart, s.memoryLimit() > 0 ? s.memoryLimit() : 0)
                + "  " + Bytes.human(memNow) + " / " + (s.memoryLimit() > 0 ? Bytes.human(s.memoryLimit()) : "no limit"), Style.ACCENT);
        long pidsNow = s.size() == 0 ? 0 : s.pids()[s.size() - 1];
        doc.line(Canvas.fit("pids", 12) + Sparkline.render(s.pids(), chart, s.pidsLimit() > 0 ? s.pidsLimit() : 0) + "  " + pidsNow);
        long throttled = 0;
        for (long t : s.throttledPeriods()) {
            throttled += t;
        }
        doc.line(Canvas.fit("throttled", 12) + Sparkline.render(s.throttledPeriods(), chart, 0) + "  " + throttled + " periods",
                throttled > 0 ? Style.WARN : Style.NORMAL);
        doc.line(Canvas.fit("OOM kills", 12) + Sparkline.render(s.oomKills(), chart, 0) + "  " + s.lastOomKills(),
                s.lastOomKills() > 0 ? Style.BAD : Style.NORMAL);

        doc.heading("Conditions");
        for (PodDetailModel.Condition cd : model.conditions()) {
            doc.line(Canvas.fit(cd.type(), 18) + Canvas.fit(cd.status(), 7) + Canvas.fit(cd.reason(), 26) + cd.lastTransitionTime(),
                    cd.status().equals("True") ? Style.NORMAL : Style.WARN);
        }

        doc.heading("Events (" + model.events().size() + ")");
        for (PodEventEntry e : model.events()) {
            doc.line(Canvas.fit(Format.clock(e.getLastTime()), 13) + Canvas.fit(e.getType(), 8) + Canvas.fit(e.getReason(), 18)
                    + (e.getCount() > 1 ? "(x" + e.getCount() + ") " : "") + e.getMessage(),
                    e.getType().equals("Warning") ? Style.WARN : Style.NORMAL);
        }

        TraceTimeline t = model.trace();
        doc.heading("Trace (" + t.entries().size() + " steps, " + TraceTimeline.duration(t.spanNanos()) + ")");
        int bar = Math.max(10, Math.min(40, c.width() - 70));
        for (TraceTimeline.Entry e : t.entries()) {
            doc.line(Canvas.right("+" + TraceTimeline.duration(e.offsetNanos()), 10) + " " + Canvas.fit(e.source(), 7)
                    + Canvas.fit(e.step(), 20) + Canvas.right(TraceTimeline.duration(e.durationNanos()), 9) + " "
                    + t.bar(e, bar) + " " + e.detail());
        }

        doc.heading("Manifest report (" + model.report().size() + ")");
        if (model.report().isEmpty()) {
            doc.line("every field was honoured", Style.DIM);
        }
        model.report().forEach(w -> doc.line(w, Style.WARN));
        doc.draw(c);
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (Keys.type(k, KeyType.ArrowUp) || Keys.is(k, 'k')) {
            model.moveSelection(-1);
            return true;
        }
        if (Keys.type(k, KeyType.ArrowDown) || Keys.is(k, 'j')) {
            model.moveSelection(1);
            return true;
        }
        if (doc.onKey(k)) {
            return true;
        }
        if (Keys.ctrl(k, 'd')) {
            PodActions.down(app, id, ref);
            return true;
        }
        if (Keys.is(k, 'w')) {
            PodActions.swap(app, ref, model.pod().map(Pod::getRuntime).orElse(""));
            return true;
        }
        var selected = model.selectedContainer();
        if (selected.isEmpty()) {
            return false;
        }
        ContainerLine cl = selected.get();
        String name = model.pod().map(Pod::getName).orElse(ref) + "/" + cl.name();
        if (Keys.type(k, KeyType.Enter) || Keys.is(k, 'l') || Keys.is(k, 's')) {
            if (cl.containerId().isEmpty()) {
                app.error("failed to open " + name + ": it has not been created yet (" + cl.state() + ")");
            } else if (Keys.type(k, KeyType.Enter)) {
                app.push(new DetailsView(app, cl.containerId(), name));
            } else if (Keys.is(k, 'l')) {
                app.push(new LogsView(app, cl.containerId(), name));
            } else {
                app.shell(cl.containerId(), name, cl.state());
            }
        } else if (Keys.is(k, 'r')) {
            PodActions.restart(app, model.pod().map(Pod::getName).orElse(ref), cl.name(), cl.containerId(),
                    model.restartPolicy());
        } else {
            return false;
        }
        return true;
    }
}
