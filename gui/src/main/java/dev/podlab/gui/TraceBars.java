package dev.podlab.gui;

import dev.podlab.api.view.TraceTimeline;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Rectangle;

/** A step trace as a Gantt-like list: one row per step, its bar placed by offset and sized by duration. */
final class TraceBars extends VBox {
    private static final double BAR_WIDTH = 200;

    TraceBars() {
        getStyleClass().add("trace");
        setSpacing(2);
    }

    void show(TraceTimeline t) {
        getChildren().clear();
        if (t.entries().isEmpty()) {
            getChildren().add(new Label("no steps recorded"));
            return;
        }
        for (TraceTimeline.Entry e : t.entries()) {
            Label name = new Label((e.source().isEmpty() ? "" : e.source() + " ") + e.step());
            name.setMinWidth(170);
            name.setPrefWidth(170);
            Pane lane = new Pane();
            lane.getStyleClass().add("trace-lane");
            lane.setMinSize(BAR_WIDTH, 12);
            lane.setPrefSize(BAR_WIDTH, 12);
            double x = t.spanNanos() <= 0 ? 0 : BAR_WIDTH * e.offsetNanos() / t.spanNanos();
            double w = t.spanNanos() <= 0 ? 2 : Math.max(2, BAR_WIDTH * e.durationNanos() / t.spanNanos());
            Rectangle bar = new Rectangle(Math.min(x, BAR_WIDTH - 2), 1, Math.min(w, BAR_WIDTH - Math.min(x, BAR_WIDTH - 2)), 10);
            bar.getStyleClass().add(e.durationNanos() > 0 ? "trace-bar" : "trace-instant");
            lane.getChildren().add(bar);
            Label dur = new Label(TraceTimeline.duration(e.durationNanos()));
            HBox row = new HBox(8, name, lane, dur);
            row.getStyleClass().add("trace-row");
            if (!e.detail().isEmpty()) {
                Tooltip.install(row, new Tooltip(e.detail()));
            }
            getChildren().add(row);
        }
    }

    /** The step names shown, in order (for tests). */
    java.util.List<String> steps() {
        return getChildren().stream().filter(n -> n instanceof HBox)
                .map(n -> ((Label) ((HBox) n).getChildren().get(0)).getText()).toList();
    }
}
