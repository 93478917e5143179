package dev.podlab.gui;

import dev.podlab.api.view.EngineInfoModel;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;

/**
 * Host: the machine and the engine as Engine.Info and Engine.Version report them
 * ({@link EngineInfoModel#hostFacts}), one fact per line, refreshed with the header.
 */
final class HostView extends ScrollPane {
    private final EngineInfoModel info;
    final GridPane facts = new GridPane();

    HostView(EngineInfoModel info) {
        this.info = info;
        getStyleClass().add("host-view");
        facts.setHgap(16);
        facts.setVgap(6);
        Label title = new Label("Host and engine");
        title.getStyleClass().add("details-header");
        VBox box = new VBox(10, title, facts);
        box.setPadding(new Insets(10));
        setContent(box);
        setFitToWidth(true);
        info.addListener(this::show);
        show();
    }

    private void show() {
        facts.getChildren().clear();
        int row = 0;
        for (EngineInfoModel.HostFact f : info.hostFacts(System.currentTimeMillis())) {
            Label k = new Label(f.label());
            k.getStyleClass().add("host-label");
            Label v = new Label(f.value());
            v.setWrapText(true);
            facts.addRow(row++, k, v);
        }
        if (row == 0) {
            facts.addRow(0, new Label("asking the engine..."));
        }
    }
}
