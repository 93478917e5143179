package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.view.EventsModel;
import dev.podlab.api.view.TraceTimeline;

import java.util.List;

/** Every engine event, live (Events.Watch with replay), with a filter. */
final class EventsView implements View {
    private final PodlabTui app;
    private final EventsModel model;
    private final ListNav nav = new ListNav();
    private boolean follow = true;
    private AutoCloseable stream;

    EventsView(PodlabTui app) {
        this.app = app;
        this.model = new EventsModel(app, 5000);
        model.addListener(app::invalidate);
    }

    @Override
    public String title() {
        return "events " + model.visible().size() + "/" + model.total() + (model.filter().isEmpty() ? "" : " /" + model.filter());
    }

    @Override
    public String hints() {
        return "/ filter  f follow" + (follow ? " (on)" : " (off)") + "  Up/Down PgUp/PgDn  Esc back";
    }

    @Override
    public void shown() {
        if (stream == null) {
            stream = app.feeds().watchEvents(model, EventFilter.getDefaultInstance());
        }
    }

    @Override
    public void closed() {
        if (stream != null) {
            try {
                stream.close();
            } catch (Exception e) {
                // Cancelling the call cannot fail in a way that matters here.
            }
        }
    }

    @Override
    public void draw(Canvas c) {
        List<Event> events = model.visible();
        c.text(0, 0, Canvas.fit("TIME", 13) + Canvas.fit("TYPE", 19) + Canvas.fit("OBJECT", 17) + Canvas.fit("STEP", 18)
                + Canvas.right("DURATION", 9) + "  DETAIL", Style.COLUMN);
        int height = c.height() - 1;
        if (follow) {
            nav.selected = Math.max(0, events.size() - 1);
        }
        nav.clamp(events.size());
        nav.scrollTo(height, events.size());
        for (int i = 0; i < height && nav.top + i < events.size(); i++) {
            Event e = events.get(nav.top + i);
            boolean sel = !follow && nav.top + i == nav.selected;
            if (sel) {
                c.fillRow(i + 1, Style.SELECTED);
            }
            String object = !e.getObjectName().isEmpty() ? e.getObjectName() : nameOf(e.getObjectId());
            Style st = sel ? Style.SELECTED : e.getType().equals("step") ? Style.NORMAL
                    : e.getType().endsWith("exited") || e.getType().endsWith("unknown") ? Style.WARN : Style.GOOD;
            c.text(0, i + 1, Canvas.fit(Format.clock(e.getTime()), 13) + Canvas.fit(e.getType(), 19) + Canvas.fit(object, 17)
                    + Canvas.fit(e.getStep(), 18) + Canvas.right(e.getDurationNanos() == 0 ? "" : TraceTimeline.duration(e.getDurationNanos()), 9)
                    + "  " + e.getDetail(), st);
        }
    }

    /** Step events carry only the container's id: show its name when the table knows it. */
    private String nameOf(String id) {
        for (var r : app.table.rows()) {
            if (r.id().equals(id)) {
                return r.name();
            }
        }
        return id.substring(0, Math.min(12, id.length()));
    }

    @Override
    public boolean onClick(int row, int column, boolean twice) {
        if (!nav.click(row, model.visible().size())) {
            return false;
        }
        follow = false;
        return !twice || onKey(new KeyStroke(KeyType.Enter, false, false));
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (Keys.is(k, '/')) {
            app.prompt("/", model.filter(), model::setFilter, t -> { }, () -> model.setFilter(""));
            return true;
        }
        if (Keys.is(k, 'f')) {
            follow = !follow;
            return true;
        }
        if (nav.onKey(k, model.visible().size())) {
            follow = false;
            return true;
        }
        return false;
    }
}
