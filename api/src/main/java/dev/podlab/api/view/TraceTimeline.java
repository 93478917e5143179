package dev.podlab.api.view;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.TraceStep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A container's step trace laid out as a timeline: each step's offset from the first one, its duration, and a
 * bar for a given width. Built from Containers.Inspect's trace or from "step" events.
 */
public record TraceTimeline(List<Entry> entries, long startNanos, long spanNanos) {

    /** One step; {@code offsetNanos} counts from the first step's start. */
    public record Entry(long offsetNanos, long durationNanos, String source, String step, String detail) {}

    public static TraceTimeline ofSteps(List<TraceStep> steps) {
        List<Raw> raw = new ArrayList<>();
        steps.forEach(s -> raw.add(new Raw(s.getStart(), s.getDurationNanos(), s.getSource(), s.getStep(), s.getDetail())));
        return build(raw);
    }

    /** Only events of type "step" count; the source is the event's "source" attribute. */
    public static TraceTimeline ofEvents(List<Event> events) {
        List<Raw> raw = new ArrayList<>();
        for (Event e : events) {
            if (e.getType().equals("step")) {
                raw.add(new Raw(e.getTime(), e.getDurationNanos(), e.getAttributesOrDefault("source", ""),
                        e.getStep(), e.getDetail()));
            }
        }
        return build(raw);
    }

    private record Raw(long start, long duration, String source, String step, String detail) {}

    private static TraceTimeline build(List<Raw> raw) {
        if (raw.isEmpty()) {
            return new TraceTimeline(List.of(), 0, 0);
        }
        raw.sort(Comparator.comparingLong(Raw::start));
        long start = raw.get(0).start();
        long end = start;
        List<Entry> out = new ArrayList<>(raw.size());
        for (Raw r : raw) {
            out.add(new Entry(r.start() - start, Math.max(0, r.duration()), r.source(), r.step(), r.detail()));
            end = Math.max(end, r.start() + Math.max(0, r.duration()));
        }
        return new TraceTimeline(List.copyOf(out), start, end - start);
    }

    /**
     * A bar of {@code width} cells: blank up to the step's start, then at least one mark ('█' for a step
     * with a duration, '│' for an instant) as far as its end.
     */
    public String bar(Entry e, int width) {
        if (width <= 0) {
            return "";
        }
        if (spanNanos <= 0) {
            return (e.durationNanos() > 0 ? "█" : "│") + " ".repeat(width - 1);
        }
        int from = (int) Math.min(width - 1, e.offsetNanos() * width / spanNanos);
        int to = (int) Math.min(width, Math.max(from + 1, (e.offsetNanos() + e.durationNanos()) * width / spanNanos));
        char mark = e.durationNanos() > 0 ? '█' : '│';
        return " ".repeat(from) + String.valueOf(mark).repeat(to - from) + " ".repeat(width - to);
    }

    /** "12.3 ms", "850 µs", "1.20 s": durations for people. */
    public static String duration(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return String.format("%d µs", nanos / 1_000);
        }
        if (nanos < 1_000_000_000) {
            return String.format("%.1f ms", nanos / 1e6);
        }
        return String.format("%.2f s", nanos / 1e9);
    }
}
