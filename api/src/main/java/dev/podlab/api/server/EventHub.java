package dev.podlab.api.server;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The engine's recent events in a bounded ring, and the live subscribers. Subscribers get events on the
 * publisher's thread and must only hand them off, never block (gRPC observers buffer them).
 */
public final class EventHub {
    private final int capacity;
    private final ArrayDeque<Event> recent;
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
    private final EventJournal journal;
    private long seq;

    /** A hub that keeps its events in memory only. */
    public EventHub(int capacity) {
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(Math.min(capacity, 4096));
        this.journal = null;
    }

    /**
     * A hub that starts with the events a journal held (an earlier engine's) and appends every new one to it;
     * sequence numbers go on from the journal's last.
     */
    EventHub(int capacity, EventJournal.Opened journal) {
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(Math.min(capacity, 4096));
        this.journal = journal.journal();
        for (Event e : journal.events()) {
            if (recent.size() == capacity) {
                recent.removeFirst();
            }
            recent.addLast(e);
            seq = Math.max(seq, e.getSeq());
        }
    }

    /** Stamps the event with the next sequence number, keeps it and pushes it to subscribers. */
    public Event publish(Event.Builder event) {
        Event e;
        synchronized (this) {
            e = event.setSeq(++seq).build();
            if (recent.size() == capacity) {
                recent.removeFirst();
            }
            recent.addLast(e);
            if (journal != null) {
                journal.append(e);
            }
            // Inside the lock so that subscribe()'s replay and the live feed never overlap or miss.
            subscribers.forEach(s -> s.accept(e));
        }
        return e;
    }

    /** Kept events that pass the filter, oldest first; at most the newest {@code limit} (0 = all). */
    public synchronized List<Event> query(EventFilter filter, int limit) {
        List<Event> out = new ArrayList<>();
        for (Event e : recent) {
            if (matches(filter, e)) {
                out.add(e);
            }
        }
        return limit > 0 && out.size() > limit ? List.copyOf(out.subList(out.size() - limit, out.size())) : out;
    }

    /**
     * Replays the kept events (when asked) and subscribes, atomically: no event is lost or seen twice between
     * the replay and the live feed.
     */
    public AutoCloseable subscribe(EventFilter filter, boolean replay, Consumer<Event> sink) {
        Consumer<Event> filtered = e -> {
            if (matches(filter, e)) {
                sink.accept(e);
            }
        };
        synchronized (this) {
            if (replay) {
                recent.forEach(filtered);
            }
            subscribers.add(filtered);
        }
        return () -> subscribers.remove(filtered);
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    static boolean matches(EventFilter f, Event e) {
        if (f == null) {
            return true;
        }
        if (!f.getObjectId().isEmpty() && !e.getObjectId().startsWith(f.getObjectId())
                && !e.getObjectName().equals(f.getObjectId())) {
            return false;
        }
        if (!f.getTypePrefix().isEmpty() && !e.getType().startsWith(f.getTypePrefix())) {
            return false;
        }
        return f.getSince() == 0 || e.getTime() >= f.getSince();
    }
}
