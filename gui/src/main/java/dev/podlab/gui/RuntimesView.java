package dev.podlab.gui;

import dev.podlab.api.v1.Runtime;
import dev.podlab.api.view.EngineInfoModel;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.function.Function;

/** Runtimes (Engine.Info): which runtime classes work on this host, and why the others do not. */
final class RuntimesView extends VBox {
    final TableView<Runtime> table = new TableView<>();

    RuntimesView(EngineInfoModel info) {
        getStyleClass().add("runtimes-view");
        TableColumn<Runtime, String> works = col("WORKS", 70, r -> r.getWorks() ? "yes" : "no");
        works.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String v, boolean empty) {
                super.updateItem(v, empty);
                getStyleClass().removeAll("good", "bad");
                setText(empty ? null : v);
                if (!empty && v != null) {
                    getStyleClass().add(v.equals("yes") ? "good" : "bad");
                }
            }
        });
        table.getColumns().addAll(List.of(
                col("NAME", 120, r -> r.getName() + (r.getName().equals(info.info().getDefaultRuntime()) ? " *" : "")),
                col("HANDLER", 90, Runtime::getHandler), col("VERSION", 200, Runtime::getVersion), works,
                col("PATH / WHY NOT", 420, r -> r.getWorks() ? r.getPath() : r.getReason())));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setPlaceholder(new Label("asking the engine..."));
        getChildren().addAll(table, new Label("* the default runtime (podlab run --runtime NAME picks another)"));
        VBox.setVgrow(table, Priority.ALWAYS);
        setSpacing(6);
        setPadding(new Insets(6));
        info.addListener(() -> table.getItems().setAll(info.runtimes()));
        table.getItems().setAll(info.runtimes());
    }

    private static TableColumn<Runtime, String> col(String title, double width, Function<Runtime, String> f) {
        TableColumn<Runtime, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }
}
