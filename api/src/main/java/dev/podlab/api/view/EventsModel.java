package dev.podlab.api.view;

import dev.podlab.api.v1.Event;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The live event list (newest last) with a text filter; keeps the newest {@code capacity} events. Its step
 * events also make a {@link TraceTimeline}.
 */
public final class EventsModel extends ViewModel {
    private final int capacity;
    private final ArrayDeque<Event> events;
    private String filter = "";
    private List<Event> visible = List.of();

    public EventsModel(Dispatcher ui, int capacity) {
        super(ui);
        this.capacity = capacity;
        this.events = new ArrayDeque<>(capacity);
    }

    public void add(Event e) {
        checkUiThread();
        push(e);
        rebuild();
    }

    public void addAll(List<Event> list) {
        checkUiThread();
        list.forEach(this::push);
        rebuild();
    }

    public void clear() {
        checkUiThread();
        events.clear();
        rebuild();
    }

    public void setFilter(String text) {
        checkUiThread();
        filter = text == null ? "" : text;
        rebuild();
    }

    public String filter() {
        return filter;
    }

    /** Events that match the filter, oldest first. */
    public List<Event> visible() {
        return visible;
    }

    public int total() {
        return events.size();
    }

    /** The step events of one container as a timeline (all containers when {@code objectId} is empty). */
    public TraceTimeline timeline(String objectId) {
        return TraceTimeline.ofEvents(events.stream()
                .filter(e -> objectId.isEmpty() || e.getObjectId().equals(objectId)).toList());
    }

    /** Whether every word of the filter occurs in the event's type, object, step or detail. */
    public static boolean matches(Event e, String filter) {
        if (filter == null || filter.isBlank()) {
            return true;
        }
        String hay = String.join(" ", e.getType(), e.getObjectKind(), e.getObjectId(), e.getObjectName(),
                e.getStep(), e.getDetail()).toLowerCase(Locale.ROOT);
        for (String w : filter.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
            if (!hay.contains(w)) {
                return false;
            }
        }
        return true;
    }

    private void push(Event e) {
        if (events.size() == capacity) {
            events.pollFirst();
        }
        events.addLast(e);
    }

    private void rebuild() {
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (matches(e, filter)) {
                out.add(e);
            }
        }
        visible = List.copyOf(out);
        changed();
    }
}
