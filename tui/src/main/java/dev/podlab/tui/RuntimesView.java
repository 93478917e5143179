package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import dev.podlab.api.v1.Runtime;

/** The runtime classes (Engine.Info): which work on this host, and why the others do not. */
final class RuntimesView implements View {
    private final PodlabTui app;

    RuntimesView(PodlabTui app) {
        this.app = app;
    }

    @Override
    public String title() {
        return "runtimes";
    }

    @Override
    public String hints() {
        return "Esc back";
    }

    @Override
    public void draw(Canvas c) {
        c.text(0, 0, Canvas.fit("NAME", 14) + Canvas.fit("HANDLER", 10) + Canvas.fit("VERSION", 26) + Canvas.fit("WORKS", 7)
                + "PATH / WHY NOT", Style.COLUMN);
        int y = 1;
        String def = app.info.info().getDefaultRuntime();
        for (Runtime r : app.info.runtimes()) {
            c.text(0, y++, Canvas.fit(r.getName() + (r.getName().equals(def) ? " *" : ""), 14) + Canvas.fit(r.getHandler(), 10)
                    + Canvas.fit(r.getVersion(), 26) + Canvas.fit(r.getWorks() ? "yes" : "no", 7)
                    + (r.getWorks() ? r.getPath() : r.getReason()), r.getWorks() ? Style.GOOD : Style.BAD);
        }
        c.text(0, y + 1, "* the default runtime (podlab run --runtime NAME picks another)", Style.DIM);
    }

    @Override
    public boolean onKey(KeyStroke key) {
        return false;
    }
}
