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
    private final LogsModel model;
    private AutoCloseable stream;
    private int height = 10;

    LogsView(PodlabTui app, String id, String name) {
        this.app = app;
        this.id = id;
        this.name = name;
        this.model = new LogsModel(app, 10_000);
        model.addListener(app::invalidate);
    }

    @Override
    public String title() {
        return "logs " + name;
    }

    @Override
    public String hints() {
        return "f follow  p pause  / search  n/N next/prev  w wrap  T timestamps  Up/Down PgUp/PgDn  Esc back";
    }

    @Override
    public void shown() {
        if (stream == null) {
            stream = app.feeds().followLogs(model, id, 1000);
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
