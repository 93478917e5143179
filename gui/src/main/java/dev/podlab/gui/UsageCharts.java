package dev.podlab.gui;

import dev.podlab.api.Bytes;
import dev.podlab.api.view.MetricsSeriesModel;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;

/**
 * Live charts of one cgroup (a container's or a pod's) from the metrics history: CPU and memory against its
 * limit; below them block IO (read and write rates on one scale), tasks against pids.max, CFS throttling per
 * interval and the OOM-kill counter.
 */
final class UsageCharts extends VBox {
    private static final int POINTS = 120;

    final SeriesChart cpuChart = new SeriesChart(false, Color.web("#2e86de"));
    final SeriesChart memChart = new SeriesChart(false, Color.web("#10ac84"));
    final SeriesChart pidsChart = new SeriesChart(false, Color.web("#8e44ad"));
    final SeriesChart throttleChart = new SeriesChart(false, Color.web("#e67e22"));
    final SeriesChart oomChart = new SeriesChart(false, Color.web("#c0392b"));
    /** Read in blue-green, write in amber: the title names both with their latest rates. */
    final SeriesChart ioChart = new SeriesChart(false, Color.web("#0abde3"), Color.web("#f0932b"));
    private final String prefix;

    /** @param prefix put before the titles, e.g. "pod " */
    UsageCharts(String prefix) {
        super(8);
        this.prefix = prefix;
        HBox usage = new HBox(8, cpuChart, memChart);
        HBox limits = new HBox(8, ioChart, pidsChart, throttleChart, oomChart);
        for (SeriesChart c : new SeriesChart[] {ioChart, pidsChart, throttleChart, oomChart}) {
            c.setPrefSize(220, 90);
        }
        for (HBox row : new HBox[] {usage, limits}) {
            row.getChildren().forEach(c -> HBox.setHgrow(c, Priority.ALWAYS));
        }
        getChildren().addAll(usage, limits);
    }

    /** Draws the series of {@code id}, or empty charts for null. */
    void show(MetricsSeriesModel metrics, String id) {
        if (id == null) {
            double[] none = new double[0];
            cpuChart.set("CPU %", none, 100);
            memChart.set("memory", none, 0);
            pidsChart.set("tasks", none, 0);
            throttleChart.set("throttled periods", none, 0);
            oomChart.set("OOM kills", none, 0);
            ioChart.set("IO read / write", none, none, 0);
            return;
        }
        MetricsSeriesModel.SeriesView s = metrics.series(id, POINTS);
        int n = s.size();
        double last = n == 0 ? Double.NaN : s.cpuPercent()[n - 1];
        cpuChart.set(prefix + "CPU " + Fmt.percent(last) + " of one core", s.cpuPercent(), 100);
        long mem = n == 0 ? -1 : s.memoryBytes()[n - 1];
        memChart.set(prefix + "memory " + (mem < 0 ? "-" : Bytes.human(mem))
                + (s.memoryLimit() > 0 ? " of " + Bytes.human(s.memoryLimit()) : ""), Columns.toDouble(s.memoryBytes()), 0);
        long pids = n == 0 ? 0 : s.pids()[n - 1];
        pidsChart.set(prefix + "tasks " + pids + (s.pidsLimit() > 0 ? " of pids.max " + s.pidsLimit() : ""),
                Columns.toDouble(s.pids()), s.pidsLimit() > 0 ? s.pidsLimit() : 0);
        long throttled = 0;
        for (long p : s.throttledPeriods()) {
            throttled += p;
        }
        throttleChart.set(prefix + "throttled " + throttled + " periods", Columns.toDouble(s.throttledPeriods()), 0);
        oomChart.set(prefix + "OOM kills " + s.lastOomKills(), Columns.toDouble(s.oomKills()), 0);
        ioChart.set(prefix + "IO read " + Bytes.rate(s.lastIoReadBytesPerSecond()) + " / write "
                + Bytes.rate(s.lastIoWriteBytesPerSecond()), s.ioReadBytesPerSecond(), s.ioWriteBytesPerSecond(), 0);
    }
}
