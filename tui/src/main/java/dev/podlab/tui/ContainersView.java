package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.v1.KillContainerRequest;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.StopContainerRequest;
import dev.podlab.api.view.ContainersTableModel;
import dev.podlab.api.view.ContainersTableModel.SortKey;
import dev.podlab.api.view.MetricsSeriesModel;
import dev.podlab.api.view.Sparkline;
import dev.podlab.api.view.WorkloadRow;

import java.util.List;

/** The workloads table (today: one row per container) with live CPU and memory sparklines. */
final class ContainersView implements View {
    private final PodlabTui app;
    private final ContainersTableModel table;
    private final MetricsSeriesModel metrics;
    private final ListNav nav = new ListNav();

    ContainersView(PodlabTui app) {
        this.app = app;
        this.table = app.table;
        this.metrics = app.metrics;
    }

    @Override
    public String title() {
        return Format.tableTitle("containers", table);
    }

    @Override
    public String hints() {
        return "Enter details  l logs  s shell  t stop  ^K kill  ^D remove  / filter  NIRSACMD sort";
    }

    @Override
    public void draw(Canvas c) {
        List<WorkloadRow> rows = table.rows();
        int w = c.width();
        // Fixed columns first; the sparklines get what is left (none on a narrow terminal).
        int fixed = 20 + 13 + 18 + 9 + 10 + 7 + 7 + 10;
        int spark = Math.max(0, Math.min(20, (w - fixed - 2) / 2));
        String head = Canvas.fit("NAME", 20) + Canvas.fit("ID", 13) + Canvas.fit("IMAGE", 18) + Canvas.fit("RUNTIME", 9)
                + Canvas.fit("STATE", 10) + Canvas.fit("AGE", 7) + Canvas.right("CPU%", 6) + " "
                + (spark > 0 ? Canvas.fit("", spark) + " " : "") + Canvas.right("MEM", 10) + " "
                + (spark > 0 ? Canvas.fit("", spark) : "");
        c.text(0, 0, head, Style.COLUMN);
        int height = c.height() - 1;
        nav.selected = table.selectedIndex();
        nav.scrollTo(height, rows.size());
        if (rows.isEmpty()) {
            c.text(1, 1, table.total() == 0 ? "no containers yet (podlab run ...)" : "nothing matches /" + table.filter(),
                    Style.DIM);
        }
        for (int i = 0; i < height && nav.top + i < rows.size(); i++) {
            int index = nav.top + i;
            WorkloadRow r = rows.get(index);
            boolean sel = index == table.selectedIndex();
            int y = i + 1;
            if (sel) {
                c.fillRow(y, Style.SELECTED);
            }
            Style base = sel ? Style.SELECTED : Style.NORMAL;
            int x = c.text(0, y, Canvas.fit(r.name(), 19) + " " + Canvas.fit(r.shortId(), 13)
                    + Canvas.fit(r.image().isEmpty() ? "-" : r.image(), 17) + " " + Canvas.fit(r.runtime(), 9), base);
            x = c.text(x, y, Canvas.fit(r.state(), 10), sel ? base : stateStyle(r.state()));
            x = c.text(x, y, Canvas.fit(Format.since(r.createdAtNanos()), 7) + Canvas.right(Format.percent(r.cpuPercent()), 6)
                    + " ", base);
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

    static Style stateStyle(String state) {
        return switch (state) {
            case "running" -> Style.GOOD;
            case "created", "paused" -> Style.WARN;
            case "unknown" -> Style.BAD;
            default -> Style.DIM;
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
        var selected = table.selected();
        if (Keys.is(k, '/')) {
            app.prompt("/", table.filter(), table::setFilter, text -> { }, () -> table.setFilter(""));
            return true;
        }
        SortKey sort = switch (k.getKeyType() == KeyType.Character && !k.isCtrlDown() ? k.getCharacter() : ' ') {
            case 'N' -> SortKey.NAME;
            case 'I' -> SortKey.IMAGE;
            case 'R' -> SortKey.RUNTIME;
            case 'S' -> SortKey.STATE;
            case 'A' -> SortKey.AGE;
            case 'C' -> SortKey.CPU;
            case 'M' -> SortKey.MEMORY;
            case 'D' -> SortKey.ID;
            default -> null;
        };
        if (sort != null) {
            table.sortBy(sort);
            return true;
        }
        if (selected.isEmpty()) {
            return false;
        }
        WorkloadRow r = selected.get();
        if (Keys.type(k, KeyType.Enter)) {
            app.push(new DetailsView(app, r.id(), r.name()));
        } else if (Keys.is(k, 'l')) {
            app.push(new LogsView(app, r.id(), r.name()));
        } else if (Keys.is(k, 's')) {
            app.shell(r.id(), r.name(), r.state());
        } else if (Keys.is(k, 't')) {
            stop(app, r);
        } else if (Keys.ctrl(k, 'k')) {
            kill(app, r);
        } else if (Keys.ctrl(k, 'd')) {
            remove(app, r);
        } else {
            return false;
        }
        return true;
    }

    static void stop(PodlabTui app, WorkloadRow r) {
        app.confirm("stop " + r.name() + "?", () -> {
            app.info("stopping " + r.name() + "...");
            app.feeds().call(() -> app.feeds().client().containers().stop(StopContainerRequest.newBuilder()
                    .setId(r.id()).build()), reply -> app.info("stopped " + r.name() + " ("
                    + reply.getContainer().getExit().getReason() + ")"));
        });
    }

    static void kill(PodlabTui app, WorkloadRow r) {
        app.confirm("kill " + r.name() + " (SIGKILL)?", () -> app.feeds().call(() -> app.feeds().client().containers()
                .kill(KillContainerRequest.newBuilder().setId(r.id()).setSignal(9).build()), reply -> app.info("killed " + r.name())));
    }

    static void remove(PodlabTui app, WorkloadRow r) {
        app.confirm("remove " + r.name() + (r.state().equals("running") ? " (running: it is killed first)" : "") + "?",
                () -> app.feeds().call(() -> app.feeds().client().containers().remove(RemoveContainerRequest.newBuilder()
                        .setId(r.id()).setForce(true).build()), reply -> app.info("removed " + r.name())));
    }
}
