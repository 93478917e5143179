package dev.podlab.gui;

import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.LogsModel;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;

import java.util.Locale;

/**
 * A container's log over {@link LogsModel}: Containers.Logs followed as a stream, follow (stick to the end),
 * pause (lines kept aside until resumed), search with the matches highlighted and next/previous.
 */
final class LogsPane extends VBox {
    private static final int TAIL = 2000;

    private final EngineFeeds feeds;
    final ListView<LogsModel.Line> list = new ListView<>();
    final CheckBox follow = new CheckBox("follow");
    final ToggleButton pause = new ToggleButton("Pause");
    final TextField search = new TextField();
    final Label info = new Label();
    private LogsModel model;
    private AutoCloseable stream;
    private AutoCloseable listener;
    private String id = "";
    private boolean syncing;

    LogsPane(EngineFeeds feeds) {
        super(6);
        this.feeds = feeds;
        getStyleClass().add("logs-pane");
        setPadding(new Insets(6));
        follow.setSelected(true);
        follow.setOnAction(e -> {
            if (model != null && !syncing) {
                model.setFollow(follow.isSelected());
            }
        });
        pause.setOnAction(e -> {
            if (model != null && model.paused() != pause.isSelected()) {
                model.togglePause();
            }
        });
        search.setPromptText("search (Enter: next, Shift+Enter: previous)");
        search.textProperty().addListener((o, a, b) -> {
            if (model != null) {
                model.setSearch(b);
            }
        });
        search.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER && model != null) {
                if (e.isShiftDown()) {
                    model.previousMatch();
                } else {
                    model.nextMatch();
                }
            }
        });
        Button prev = new Button("\u25b2");
        prev.setOnAction(e -> {
            if (model != null) {
                model.previousMatch();
            }
        });
        Button next = new Button("\u25bc");
        next.setOnAction(e -> {
            if (model != null) {
                model.nextMatch();
            }
        });
        HBox.setHgrow(search, Priority.ALWAYS);
        Region gap = new Region();
        HBox bar = new HBox(6, follow, pause, search, prev, next, gap, info);
        bar.setAlignment(Pos.CENTER_LEFT);
        list.getStyleClass().add("log-list");
        list.setPlaceholder(new Label("no log lines yet"));
        list.setCellFactory(v -> new LogCell());
        VBox.setVgrow(list, Priority.ALWAYS);
        getChildren().addAll(bar, list);
    }

    /** Follows the log of container {@code containerId} (the previous stream is closed). */
    void show(String containerId) {
        if (containerId.equals(id)) {
            return;
        }
        close();
        id = containerId;
        model = new LogsModel(FxDispatcher.INSTANCE, 10_000);
        model.setSearch(search.getText());
        if (pause.isSelected()) {
            model.togglePause();
        }
        listener = model.addListener(this::sync);
        stream = feeds.followLogs(model, containerId, TAIL);
        sync();
    }

    String containerId() {
        return id;
    }

    LogsModel model() {
        return model;
    }

    private void sync() {
        if (model == null) {
            return;
        }
        syncing = true;
        try {
            list.getItems().setAll(model.lines());
            follow.setSelected(model.following());
            int m = model.currentMatchLine();
            String ended = model.ended() == null ? "" : "  (" + model.ended() + ")";
            info.setText(model.size() + " lines" + (model.search().isEmpty() ? "" : ", " + model.matches().size()
                    + " matches") + (model.paused() ? ", paused (" + model.pendingLines() + " new)" : "") + ended);
            if (m >= 0) {
                list.getSelectionModel().select(m);
                list.scrollTo(Math.max(0, m - 3));
            } else if (model.following() && !list.getItems().isEmpty()) {
                list.scrollTo(list.getItems().size() - 1);
            }
        } finally {
            syncing = false;
        }
    }

    /** Stops following. */
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {stream, listener}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // Cancelling a finished stream: nothing to release.
                }
            }
        }
        stream = null;
        listener = null;
        id = "";
    }

    /** A log line with every occurrence of the search text highlighted. */
    private final class LogCell extends ListCell<LogsModel.Line> {
        @Override
        protected void updateItem(LogsModel.Line line, boolean empty) {
            super.updateItem(line, empty);
            getStyleClass().remove("stderr");
            if (empty || line == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            if (line.stream().equals("stderr")) {
                getStyleClass().add("stderr");
            }
            String shown = model.format(line);
            String q = model.search();
            setText(null);
            TextFlow flow = new TextFlow();
            if (q.isEmpty()) {
                flow.getChildren().add(text(shown, "log-text"));
            } else {
                String lower = shown.toLowerCase(Locale.ROOT);
                String lq = q.toLowerCase(Locale.ROOT);
                int at = 0;
                int hit;
                while ((hit = lower.indexOf(lq, at)) >= 0) {
                    flow.getChildren().add(text(shown.substring(at, hit), "log-text"));
                    flow.getChildren().add(text(shown.substring(hit, hit + q.length()), "log-match"));
                    at = hit + q.length();
                }
                flow.getChildren().add(text(shown.substring(at), "log-text"));
            }
            setGraphic(flow);
        }

        private Text text(String s, String style) {
            Text t = new Text(s);
            t.getStyleClass().add(style);
            return t;
        }
    }
}
