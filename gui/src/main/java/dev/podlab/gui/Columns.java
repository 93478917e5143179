package dev.podlab.gui;

import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.layout.HBox;
import javafx.scene.paint.Color;

import java.util.function.Function;

/** Table columns the workload tables share: plain text, and a value with a sparkline of recent samples. */
final class Columns {
    private Columns() {}

    static <R> TableColumn<R, String> text(String title, double width, Function<R, String> f) {
        TableColumn<R, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    /** A text value with a sparkline of the row's recent samples beside it ({@code max} 0: scaled to the data). */
    static <R> TableColumn<R, R> spark(String title, Function<R, String> value, Function<R, double[]> series, double max) {
        TableColumn<R, R> c = new TableColumn<>(title);
        c.setPrefWidth(140);
        c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(cd.getValue()));
        c.setCellFactory(col -> new TableCell<>() {
            private final Label text = new Label();
            private final SeriesChart chart = new SeriesChart(true, Color.web("#2e86de"));
            private final HBox box = new HBox(6, text, chart);

            {
                text.setMinWidth(60);
            }

            @Override
            protected void updateItem(R r, boolean empty) {
                super.updateItem(r, empty);
                if (empty || r == null) {
                    setGraphic(null);
                    return;
                }
                text.setText(value.apply(r));
                chart.set("", series.apply(r), max);
                setGraphic(box);
            }
        });
        return c;
    }

    static double[] toDouble(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i] < 0 ? Double.NaN : v[i];
        }
        return d;
    }
}
