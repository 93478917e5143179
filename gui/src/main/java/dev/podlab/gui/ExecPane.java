package dev.podlab.gui;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.view.ExecConsoleModel;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.Locale;

/**
 * An exec console over {@link ExecConsoleModel}: a command line (Enter runs it with {@code sh -c} in the
 * selected container, Up/Down walk the history, Ctrl+C closes the command's input) above its transcript, with
 * commands, stdout, stderr and exit statuses styled apart.
 */
final class ExecPane extends VBox {
    final ExecConsoleModel model = new ExecConsoleModel(FxDispatcher.INSTANCE, 5000);
    final ListView<ExecConsoleModel.Line> output = new ListView<>();
    final TextField input = new TextField();
    final Label target = new Label("no container selected");

    ExecPane(PodlabClient client) {
        super(6);
        getStyleClass().add("exec-pane");
        setPadding(new Insets(6));
        input.setPromptText("command, run with sh -c in the container (Up/Down: history, Ctrl+C: end input)");
        input.getStyleClass().add("exec-input");
        input.setOnKeyPressed(e -> {
            switch (e.getCode()) {
                case ENTER -> {
                    if (model.run(client, input.getText())) {
                        input.clear();
                    }
                }
                case UP -> {
                    input.setText(model.previous());
                    input.end();
                    e.consume();
                }
                case DOWN -> {
                    input.setText(model.next());
                    input.end();
                    e.consume();
                }
                default -> {
                    if (e.isControlDown() && e.getCode() == KeyCode.C) {
                        model.interrupt();
                    }
                }
            }
        });
        Button run = new Button("Run");
        run.setOnAction(e -> {
            if (model.run(client, input.getText())) {
                input.clear();
            }
        });
        Button clear = new Button("Clear");
        clear.setOnAction(e -> model.clear());
        HBox.setHgrow(input, Priority.ALWAYS);
        HBox bar = new HBox(6, target, input, run, clear);
        bar.setAlignment(Pos.CENTER_LEFT);
        output.getStyleClass().add("exec-output");
        output.setPlaceholder(new Label("type a command below, for example: ps; cat /etc/hostname"));
        output.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(ExecConsoleModel.Line l, boolean empty) {
                super.updateItem(l, empty);
                getStyleClass().removeAll("exec-command", "exec-stdout", "exec-stderr", "exec-status");
                if (empty || l == null) {
                    setText(null);
                    return;
                }
                getStyleClass().add("exec-" + l.kind().name().toLowerCase(Locale.ROOT));
                setText(l.kind() == ExecConsoleModel.Kind.COMMAND ? "$ " + l.text() : l.text());
            }
        });
        VBox.setVgrow(output, Priority.ALWAYS);
        getChildren().addAll(output, bar);
        model.addListener(() -> {
            output.getItems().setAll(model.lines());
            if (!output.getItems().isEmpty()) {
                output.scrollTo(output.getItems().size() - 1);
            }
            input.setDisable(false);
        });
    }

    /** Runs later commands in this container. */
    void setContainer(String id, String name) {
        if (!id.equals(model.container())) {
            model.setContainer(id);
            target.setText(name + " $");
        }
    }
}
