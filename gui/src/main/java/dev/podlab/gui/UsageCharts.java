package dev.podlab.gui;

import dev.podlab.api.Bytes;
import dev.podlab.api.view.MetricsSeriesModel;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.paint.Color;

/** Live CPU and memory charts of one cgroup (a container's or a pod's) from the metrics history. */
final class UsageCharts extends HBox {
    private static final int POINTS = 120;

    final SeriesChart cpuChart = new SeriesChart(false, Color.web("#2e86de"));
    final SeriesChart memChart = new SeriesChart(false, Color.web("#10ac84"));
    private final String prefix;

    /** @param prefix put before the titles, e.g. "pod " */
    UsageCharts(String prefix) {
        super(8);
        this.prefix = prefix;
        getChildren().addAll(cpuChart, memChart);
        HBox.setHgrow(cpuChart, Priority.ALWAYS);
        HBox.setHgrow(memChart, Priority.ALWAYS);
    }

    /** Draws the series of {@code id}, or empty charts for null. */
    void show(MetricsSeriesModel metrics, String id) {
        if (id == null) {
            cpuChart.set("CPU %", new double[0], 100);
            memChart.set("memory", new double[0], 0);
            return;
        }
        MetricsSeriesModel.SeriesView s = metrics.series(id, POINTS);
        double last = s.size() == 0 ? Double.NaN : s.cpuPercent()[s.size() - 1];
        cpuChart.set(prefix + "CPU " + Fmt.percent(last) + " of one core", s.cpuPercent(), 100);
        long mem = s.size() == 0 ? -1 : s.memoryBytes()[s.size() - 1];
        memChart.set(prefix + "memory " + (mem < 0 ? "-" : Bytes.human(mem))
                + (s.memoryLimit() > 0 ? " of " + Bytes.human(s.memoryLimit()) : ""), Columns.toDouble(s.memoryBytes()), 0);
    }
}
