package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.view.LogsModel;

import java.util.List;
import java.util.Locale;

/** A container's log, followed live through Containers.Logs; pause, search, wrap and timestamps. */
final class LogsView implements View {
    private final PodlabTui app;
    private final String id;
    private final String name;
    private final boolean previous;
    private final List<Target> siblings;
    private final LogsModel model;
    private AutoCloseable stream;
    private int height = 10;

    /** A container whose log the view can switch to (the other containers of the same pod). */
    record Target(String id, String name) {}

    LogsView(PodlabTui app, String id, String name) {
        this(app, id, name, false, List.of());
    }

    /**
     * @param previous the log of the pod container's previous instance (kept after a restart)
     * @param siblings the pod's containers, in order, for switching with {@code c}; empty outside a pod
     */
    LogsView(PodlabTui app, String id, String name, boolean previous, List<Target> siblings) {
        this.app = app;
        this.id = id;
        this.name = name;
        this.previous = previous;
        this.siblings = List.copyOf(siblings);
        this.model = new LogsModel(app, 10_000);
        model.addListener(app::invalidate);
    }

    @Override
    public String title() {
        return "logs " + name + (previous ? " (previous instance)" : "");
    }

    @Override
    public String hints() {
        return "f follow  p pause  / search  n/N next/prev  w wrap  T timestamps  P previous instance"
                + (siblings.size() > 1 ? "  c next container" : "") + "  Esc back";
    }

    @Override
    public void shown() {
        if (stream == null) {
            stream = app.feeds().followLogs(model, id, 1000, previous);
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
        height = c.height() - 1;
        List<String> lines = model.render(c.width() - 1, height);
        String search = model.search().toLowerCase(Locale.ROOT);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            Style s = !search.isEmpty() && l.toLowerCase(Locale.ROOT).contains(search) ? Style.ACCENT
                    : l.contains("! ") && l.indexOf("! ") < 16 ? Style.WARN : Style.NORMAL;
            c.text(0, i, l, s);
        }
        StringBuilder st = new StringBuilder();
        st.append(model.following() ? "following" : "scrolled").append(" │ ").append(model.size()).append(" lines");
        if (model.paused()) {
            st.append(" │ PAUSED (").append(model.pendingLines()).append(" new)");
        }
        st.append(model.wrapping() ? " │ wrap" : "").append(model.timestamps() ? " │ timestamps" : "");
        if (!model.search().isEmpty()) {
            int cur = model.matches().indexOf(model.currentMatchLine());
            st.append(" │ search \"").append(model.search()).append("\" ").append(cur + 1).append("/").append(model.matches().size());
        }
        if (model.ended() != null) {
            st.append(" │ ").append(model.ended().equals("ended") ? "log ended (container exited)" : model.ended());
        }
        c.fillRow(c.height() - 1, Style.COLUMN);
        c.text(0, c.height() - 1, st.toString(), Style.COLUMN);
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (Keys.is(k, 'P')) {
            // The previous instance's log on top of this one; P again (or Esc) comes back.
            if (previous) {
                app.pop();
            } else {
                app.push(new LogsView(app, id, name, true, siblings));
            }
            return true;
        }
        if (Keys.is(k, 'c') && siblings.size() > 1) {
            int at = 0;
            while (at < siblings.size() && !siblings.get(at).id().equals(id)) {
                at++;
            }
            for (int step = 1; step < siblings.size(); step++) {
                Target next = siblings.get((at + step) % siblings.size());
                if (!next.id().isEmpty()) {
                    app.pop();
                    app.push(new LogsView(app, next.id(), next.name(), previous, siblings));
                    return true;
                }
            }
            app.error("failed to switch containers: no other container of this pod has been created yet");
            return true;
        }
        if (Keys.is(k, 'f')) {
            model.setFollow(!model.following());
        } else if (Keys.is(k, 'p') || Keys.is(k, ' ')) {
            model.togglePause();
        } else if (Keys.is(k, 'w')) {
            model.toggleWrap();
        } else if (Keys.is(k, 'T')) {
            model.toggleTimestamps();
        } else if (Keys.is(k, 'n')) {
            model.nextMatch();
        } else if (Keys.is(k, 'N')) {
            model.previousMatch();
        } else if (Keys.is(k, '/')) {
            app.prompt("search: ", model.search(), null, model::setSearch, () -> { });
        } else if (Keys.type(k, KeyType.ArrowUp) || Keys.is(k, 'k')) {
            model.scrollBy(-1, height);
        } else if (Keys.type(k, KeyType.ArrowDown) || Keys.is(k, 'j')) {
            model.scrollBy(1, height);
        } else if (Keys.type(k, KeyType.PageUp)) {
            model.scrollBy(-height, height);
        } else if (Keys.type(k, KeyType.PageDown)) {
            model.scrollBy(height, height);
        } else if (Keys.type(k, KeyType.End)) {
            model.setFollow(true);
        } else if (Keys.type(k, KeyType.Home)) {
            model.scrollBy(-model.size(), height);
        } else {
            return false;
        }
        return true;
    }
}
