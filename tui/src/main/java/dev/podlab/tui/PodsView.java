package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.view.MetricsSeriesModel;
import dev.podlab.api.view.PodRow;
import dev.podlab.api.view.PodsTableModel;
import dev.podlab.api.view.PodsTableModel.SortKey;
import dev.podlab.api.view.Sparkline;

import java.util.List;

/** The first view: one row per pod, as kubectl shows them, with the pod cgroup's live CPU and memory. */
final class PodsView implements View {
    private final PodlabTui app;
    private final PodsTableModel table;
    private final MetricsSeriesModel metrics;
    private final ListNav nav = new ListNav();

    PodsView(PodlabTui app) {
        this.app = app;
        this.table = app.pods;
        this.metrics = app.metrics;
    }

    @Override
    public String title() {
        return Format.tableTitle("pods", table);
    }

    @Override
    public String hints() {
        return "Enter open  p play  ^D delete  w swap  c compare  i pull  / filter  NERSYXAICM sort";
    }

    @Override
    public void draw(Canvas c) {
        List<PodRow> rows = table.rows();
        int w = c.width();
        // Fixed columns first; the sparklines get what is left (none on a narrow terminal).
        int fixed = 22 + 11 + 9 + 17 + 6 + 9 + 7 + 15 + 7 + 11;
        int spark = Math.max(0, Math.min(20, (w - fixed - 2) / 2));
        String head = Canvas.fit("NAME", 22) + Canvas.fit("NAMESPACE", 11) + Canvas.fit("RUNTIME", 9)
                + Canvas.fit("STATUS", 17) + Canvas.fit("READY", 6) + Canvas.fit("RESTARTS", 9) + Canvas.fit("AGE", 7)
                + Canvas.fit("IP", 15) + Canvas.right("CPU%", 6) + " " + (spark > 0 ? Canvas.fit("", spark) + " " : "")
                + Canvas.right("MEM", 10) + " ";
        c.text(0, 0, head, Style.COLUMN);
        int height = c.height() - 1;
        nav.selected = table.selectedIndex();
        nav.scrollTo(height, rows.size());
        if (rows.isEmpty()) {
            c.text(1, 1, table.total() == 0 ? "no pods yet: p plays a manifest (sample-pods/pods), :containers lists containers"
                    : "nothing matches /" + table.filter(), Style.DIM);
        }
        for (int i = 0; i < height && nav.top + i < rows.size(); i++) {
            int index = nav.top + i;
            PodRow r = rows.get(index);
            boolean sel = index == table.selectedIndex();
            int y = i + 1;
            if (sel) {
                c.fillRow(y, Style.SELECTED);
            }
            Style base = sel ? Style.SELECTED : Style.NORMAL;
            int x = c.text(0, y, Canvas.fit(r.name(), 21) + " " + Canvas.fit(r.namespace(), 11) + Canvas.fit(r.runtime(), 9), base);
            x = c.text(x, y, Canvas.fit(r.status(), 17), sel ? base : statusStyle(r.status()));
            boolean allReady = r.containerCount() > 0 && r.readyCount() == r.containerCount();
            x = c.text(x, y, Canvas.fit(r.ready(), 6), sel || allReady ? base : Style.WARN);
            x = c.text(x, y, Canvas.fit(Integer.toString(r.restarts()), 9), sel || r.restarts() == 0 ? base : Style.WARN);
            x = c.text(x, y, Canvas.fit(Format.since(r.createdAtNanos()), 7) + Canvas.fit(r.ip().isEmpty() ? "-" : r.ip(), 15)
                    + Canvas.right(Format.percent(r.cpuPercent()), 6) + " ", base);
            var s = spark > 0 ? metrics.series(r.id(), spark) : null;
            if (spark > 0) {
                x = c.text(x, y, Sparkline.render(s.cpuPercent(), spark, 100) + " ", sel ? base : Style.GOOD);
            }
            x = c.text(x, y, Canvas.right(r.memoryBytes() < 0 ? "-" : Format.bytes(r.memoryBytes()), 10) + " ", base);
            if (spark > 0) {
                c.text(x, y, Sparkline.render(s.memoryBytes(), spark, s.memoryLimit() > 0 ? s.memoryLimit() : 0),
                        sel ? base : Style.ACCENT);
            }
        }
    }

    static Style statusStyle(String status) {
        return switch (status) {
            case "Running" -> Style.GOOD;
            case "Pending", "ContainerCreating", "PodInitializing" -> Style.WARN;
            case "Succeeded", "Completed" -> Style.DIM;
            default -> Style.BAD;
        };
    }

    @Override
    public boolean onClick(int row, int column, boolean twice) {
        return nav.click(table, row, twice, this);
    }

    @Override
    public boolean onKey(KeyStroke k) {
        nav.selected = table.selectedIndex();
        if (nav.onKey(k, table.rows().size())) {
            table.select(nav.selected);
            return true;
        }
        if (Keys.is(k, '/')) {
            app.prompt("/", table.filter(), table::setFilter, text -> { }, () -> table.setFilter(""));
            return true;
        }
        SortKey sort = switch (k.getKeyType() == KeyType.Character && !k.isCtrlDown() ? k.getCharacter() : ' ') {
            case 'N' -> SortKey.NAME;
            case 'E' -> SortKey.NAMESPACE;
            case 'R' -> SortKey.RUNTIME;
            case 'S' -> SortKey.STATUS;
            case 'Y' -> SortKey.READY;
            case 'X' -> SortKey.RESTARTS;
            case 'A' -> SortKey.AGE;
            case 'I' -> SortKey.IP;
            case 'C' -> SortKey.CPU;
            case 'M' -> SortKey.MEMORY;
            default -> null;
        };
        if (sort != null) {
            table.sortBy(sort);
            return true;
        }
        if (Keys.is(k, 'p')) {
            PodActions.play(app);
            return true;
        }
        if (Keys.is(k, 'c')) {
            PodActions.compare(app);
            return true;
        }
        if (Keys.is(k, 'i')) {
            PodActions.pull(app);
            return true;
        }
        var selected = table.selected();
        if (selected.isEmpty()) {
            return false;
        }
        PodRow r = selected.get();
        if (Keys.type(k, KeyType.Enter)) {
            app.push(new PodView(app, r.id(), r.ref()));
        } else if (Keys.ctrl(k, 'd')) {
            PodActions.down(app, r.id(), r.ref());
        } else if (Keys.is(k, 'w')) {
            PodActions.swap(app, r.ref(), r.runtime());
        } else {
            return false;
        }
        return true;
    }
}
