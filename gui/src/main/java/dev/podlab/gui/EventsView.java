package dev.podlab.gui;

import dev.podlab.api.v1.Event;
import dev.podlab.api.view.EventsModel;
import dev.podlab.api.view.TraceTimeline;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Events: the engine's live event stream (kept ones first), newest last, with a filter. */
final class EventsView extends VBox {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    final ListView<Event> list = new ListView<>();
    final TextField filter = new TextField();

    EventsView(EventsModel model) {
        getStyleClass().add("events-view");
        filter.setPromptText("filter: words in type, object, step, detail");
        filter.textProperty().addListener((o, a, b) -> model.setFilter(b));
        list.setPlaceholder(new Label("no events yet"));
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Event e, boolean empty) {
                super.updateItem(e, empty);
                setText(empty || e == null ? null : TIME.format(Instant.ofEpochSecond(0, e.getTime())) + "  "
                        + e.getType() + "  " + e.getObjectKind() + " "
                        + (e.getObjectName().isEmpty() ? e.getObjectId() : e.getObjectName())
                        + (e.getStep().isEmpty() ? "" : "  " + e.getStep())
                        + (e.getDurationNanos() > 0 ? "  " + TraceTimeline.duration(e.getDurationNanos()) : "")
                        + (e.getDetail().isEmpty() ? "" : "  " + e.getDetail()));
            }
        });
        model.addListener(() -> {
            boolean atEnd = list.getItems().isEmpty() || list.getSelectionModel().isEmpty();
            list.getItems().setAll(model.visible());
            if (atEnd && !list.getItems().isEmpty()) {
                list.scrollTo(list.getItems().size() - 1);
            }
        });
        getChildren().addAll(filter, list);
        VBox.setVgrow(list, Priority.ALWAYS);
        setSpacing(6);
        setPadding(new Insets(6));
    }
}
