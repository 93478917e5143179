package dev.podlab.gui;

import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;

/**
 * A line chart of one series (or two on one scale, e.g. IO read and write) on a Canvas: cheaper than a LineChart
 * at one redraw a second, and the same code draws the table's sparklines ({@code compact}).
 */
final class SeriesChart extends Region {
    private final Canvas canvas = new Canvas();
    private final boolean compact;
    private final Color line;
    private final Color secondLine;
    private double[] values = new double[0];
    private double[] second = new double[0];
    private double max;
    private String title = "";

    /** @param compact a sparkline for table cells: no frame, no title */
    SeriesChart(boolean compact, Color line) {
        this(compact, line, line);
    }

    /** A chart of two series on one scale, {@code line} for the first, {@code secondLine} for the second. */
    SeriesChart(boolean compact, Color line, Color secondLine) {
        this.compact = compact;
        this.line = line;
        this.secondLine = secondLine;
        getChildren().add(canvas);
        getStyleClass().add(compact ? "sparkline" : "series-chart");
        if (compact) {
            setPrefSize(70, 16);
            setMinSize(70, 16);
            setMaxSize(70, 16);
        } else {
            setPrefSize(360, 120);
            setMinHeight(90);
        }
    }

    /** @param max the top of the scale; 0 or less scales to the largest value */
    void set(String title, double[] values, double max) {
        set(title, values, new double[0], max);
    }

    /** Two series on one scale; {@code second} drawn over {@code values}. */
    void set(String title, double[] values, double[] second, double max) {
        this.title = title;
        this.values = values;
        this.second = second;
        this.max = max;
        draw();
    }

    int points() {
        return values.length;
    }

    /** Points of the second series (0 for a one-series chart). */
    int secondPoints() {
        return second.length;
    }

    String title() {
        return title;
    }

    @Override
    protected void layoutChildren() {
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        draw();
    }

    private void draw() {
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, w, h);
        if (w <= 0 || h <= 0) {
            return;
        }
        double top = max;
        for (double[] series : new double[][] {values, second}) {
            for (double v : series) {
                if (!Double.isNaN(v)) {
                    top = Math.max(top, v);
                }
            }
        }
        if (!compact && max <= 0) {
            top *= 1.15; // headroom: a flat series stays off the top edge
        }
        double pad = compact ? 1 : 18;
        if (!compact) {
            g.setStroke(Color.gray(0.5, 0.4));
            g.strokeRect(0.5, 0.5, w - 1, h - 1);
            g.setFill(Color.gray(0.5));
            g.fillText(title, 6, 13);
        }
        if (top <= 0) {
            return;
        }
        stroke(g, values, line, w, h, pad, top);
        stroke(g, second, secondLine, w, h, pad, top);
    }

    private void stroke(GraphicsContext g, double[] series, Color color, double w, double h, double pad, double top) {
        if (series.length < 2) {
            return;
        }
        double step = (w - 2) / (series.length - 1);
        g.setStroke(color);
        g.setLineWidth(compact ? 1 : 1.5);
        g.beginPath();
        boolean open = false;
        for (int i = 0; i < series.length; i++) {
            if (Double.isNaN(series[i])) {
                open = false;
                continue;
            }
            double x = 1 + i * step;
            double y = h - 1 - (h - pad - 1) * series[i] / top;
            if (open) {
                g.lineTo(x, y);
            } else {
                g.moveTo(x, y);
                open = true;
            }
        }
        g.stroke();
    }
}
