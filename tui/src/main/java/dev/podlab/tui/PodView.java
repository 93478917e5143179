package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.Bytes;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodEventEntry;
import dev.podlab.api.view.CgroupTreeModel;
import dev.podlab.api.view.MetricsSeriesModel.SeriesView;
import dev.podlab.api.view.PodDetailModel;
import dev.podlab.api.view.PodDetailModel.ContainerLine;
import dev.podlab.api.view.Sparkline;
import dev.podlab.api.view.TraceTimeline;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One pod in three panes (keys 1, 2, 3). The overview: its containers (Enter opens one), live charts from the
 * pod cgroup, conditions and events, the sandbox's step trace and the manifest report, kept live by the pod's
 * events. The cgroups: the pod's cgroup and its containers' with the raw values of every controller, refreshed
 * on each metrics round. The config.json of each container (Left/Right), each scrolled on its own.
 */
final class PodView implements View {
    /** The panes of the page, in key order. */
    enum Pane { OVERVIEW, CGROUPS, CONFIG }

    private final PodlabTui app;
    private final String id;
    private final String ref;
    private final PodDetailModel model;
    private final CgroupTreeModel cgroups;
    private final Doc doc = new Doc();
    private final Doc cgroupDoc = new Doc();
    private final Map<String, Doc> configDocs = new HashMap<>();
    private final Map<String, String> configs = new HashMap<>();
    private final Set<String> loadingConfigs = new HashSet<>();
    private Pane pane = Pane.OVERVIEW;
    private AutoCloseable feed;
    private AutoCloseable cgroupFeed;

    PodView(PodlabTui app, String id, String ref) {
        this.app = app;
        this.id = id;
        this.ref = ref;
        this.model = new PodDetailModel(app, id);
        this.cgroups = new CgroupTreeModel(app, id);
        model.addListener(app::invalidate);
        cgroups.addListener(app::invalidate);
    }

    @Override
    public String title() {
        return "pod " + ref;
    }

    @Override
    public String hints() {
        return switch (pane) {
            case OVERVIEW -> "1 2 3 panes  Up/Down container  Enter details  l logs  s shell  r restart  ^D delete  w swap"
                    + "  PgUp/PgDn Tab scroll";
            case CGROUPS -> "1 2 3 panes  f one controller/all  Up/Down PgUp/PgDn scroll  Tab next cgroup";
            case CONFIG -> "1 2 3 panes  Left/Right container  Up/Down PgUp/PgDn scroll  Tab next section";
        };
    }

    Pane pane() {
        return pane;
    }

    private void show(Pane p) {
        pane = p;
        if (p == Pane.CGROUPS && cgroupFeed == null && app.feeds() != null) {
            cgroupFeed = app.feeds().watchCgroups(cgroups, app.metrics);
        } else if (p != Pane.CGROUPS) {
            closeCgroupFeed();
        }
        app.invalidate();
    }

    private void closeCgroupFeed() {
        if (cgroupFeed != null) {
            try {
                cgroupFeed.close();
            } catch (Exception e) {
                // Removing a listener cannot fail.
            }
            cgroupFeed = null;
        }
    }

    @Override
    public void shown() {
        if (feed == null) {
            feed = app.feeds().watchPod(model);
        }
    }

    @Override
    public void closed() {
        closeCgroupFeed();
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
        int col = 1;
        for (Pane p : Pane.values()) {
            String label = " " + (p.ordinal() + 1) + " " + switch (p) {
                case OVERVIEW -> "overview";
                case CGROUPS -> "cgroups";
                case CONFIG -> "config.json";
            } + " ";
            col = c.text(col, 0, label, p == pane ? Style.SELECTED : Style.DIM) + 1;
        }
        Canvas body = c.region(0, 1, c.width(), c.height() - 1);
        switch (pane) {
            case OVERVIEW -> drawOverview(body);
            case CGROUPS -> drawCgroups(body);
            case CONFIG -> drawConfig(body);
        }
    }

    private void drawCgroups(Canvas c) {
        cgroupDoc.clear();
        if (cgroups.updates() == 0) {
            cgroupDoc.line("reading the cgroups of pod " + ref + "...", Style.DIM);
            cgroupDoc.draw(c);
            return;
        }
        cgroupDoc.line("cgroup " + cgroups.version() + "   showing " + (cgroups.onlyController().isEmpty()
                ? "every controller (" + String.join(", ", cgroups.controllers()) + ")" : cgroups.onlyController() + " only")
                + "   raw values as the kernel wrote them; changed since the last round in colour", Style.DIM);
        for (CgroupTreeModel.Row r : cgroups.rows()) {
            String indent = "  ".repeat(r.depth());
            switch (r.kind()) {
                case CGROUP -> cgroupDoc.heading(indent + r.label() + " " + r.value());
                case CONTROLLER -> cgroupDoc.line(indent + Canvas.fit(r.label(), 10) + r.value(), Style.COLUMN);
                case VALUE -> cgroupDoc.line(indent + Canvas.fit(r.label(), Math.max(10, 46 - indent.length())) + " "
                        + r.value(), r.changed() ? Style.ACCENT : Style.NORMAL);
            }
        }
        cgroupDoc.draw(c);
    }

    private void drawConfig(Canvas c) {
        var selected = model.selectedContainer();
        if (selected.isEmpty()) {
            Doc empty = new Doc();
            empty.line(model.pod().isEmpty() ? "loading pod " + ref + "..." : "no containers", Style.DIM);
            empty.draw(c);
            return;
        }
        ContainerLine cl = selected.get();
        Doc d = configDocs.computeIfAbsent(cl.name(), n -> new Doc());
        d.clear();
        d.heading("config.json of " + cl.name() + (cl.containerId().isEmpty() ? "" : " (" + cl.containerId().substring(0, Math.min(12, cl.containerId().length())) + ")")
                + "   container " + (model.selectedIndex() + 1) + " of " + model.containers().size());
        String json = configs.get(cl.containerId());
        if (cl.containerId().isEmpty()) {
            d.line("not created yet (" + cl.state() + ")", Style.DIM);
        } else if (json == null) {
            load(cl.containerId());
            d.line("loading...", Style.DIM);
        } else {
            for (String l : json.split("\n")) {
                d.line(l, Style.NORMAL);
            }
        }
        d.draw(c);
    }

    /** Containers.Inspect with the config.json, once per container instance (a restart is a new id). */
    private void load(String containerId) {
        if (!loadingConfigs.add(containerId) || app.feeds() == null) {
            return;
        }
        app.feeds().call(() -> app.feeds().client().containers().inspect(InspectContainerRequest.newBuilder()
                .setId(containerId).setConfigJson(true).build()), r -> {
                    configs.put(containerId, r.getConfigJson());
                    app.invalidate();
                }, m -> {
                    loadingConfigs.remove(containerId);
                    configs.put(containerId, "(" + m + ")");
                    app.error(m);
                });
    }

    private void drawOverview(Canvas c) {
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
        doc.line(Canvas.fit("NAME", 20) + Canvas.fit("STATE", 11) + Canvas.fit("REASON", 18) + Canvas.fit("READY", 6)
                + Canvas.fit("RESTARTS", 9) + Canvas.fit("PORTS", 24) + "IMAGE", Style.COLUMN);
        int index = 0;
        for (ContainerLine cl : model.containers()) {
            boolean sel = index++ == model.selectedIndex();
            String reason = cl.reason().isEmpty() && !cl.lastReason().isEmpty() ? "last: " + cl.lastReason() : cl.reason();
            doc.line(Canvas.fit((sel ? "› " : "  ") + cl.name() + (cl.init() ? " (init)" : ""), 20) + Canvas.fit(cl.state(), 11)
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
        DetailsView.ioLines(doc, s, chart);
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
        for (Pane p : Pane.values()) {
            if (Keys.is(k, (char) ('1' + p.ordinal()))) {
                show(p);
                return true;
            }
        }
        if (Keys.ctrl(k, 'd')) {
            PodActions.down(app, id, ref);
            return true;
        }
        if (Keys.is(k, 'w')) {
            PodActions.swap(app, ref, model.pod().map(Pod::getRuntime).orElse(""));
            return true;
        }
        if (pane == Pane.CGROUPS) {
            if (Keys.is(k, 'f')) {
                cgroups.cycleController();
                return true;
            }
            return cgroupDoc.onKey(k);
        }
        if (pane == Pane.CONFIG) {
            if (Keys.type(k, KeyType.ArrowLeft) || Keys.type(k, KeyType.ArrowRight)) {
                model.moveSelection(Keys.type(k, KeyType.ArrowLeft) ? -1 : 1);
                return true;
            }
            var selected = model.selectedContainer();
            return selected.isPresent() && configDocs.computeIfAbsent(selected.get().name(), n -> new Doc()).onKey(k);
        }
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
                String pod = model.pod().map(Pod::getName).orElse(ref);
                app.push(new LogsView(app, cl.containerId(), name, false, model.containers().stream()
                        .map(c -> new LogsView.Target(c.containerId(), pod + "/" + c.name())).toList()));
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
