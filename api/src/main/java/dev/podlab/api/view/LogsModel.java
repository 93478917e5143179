package dev.podlab.api.view;

import dev.podlab.api.v1.LogEntry;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A container's log as a scrollable text view: follow (stick to the newest line), pause (keep receiving
 * but freeze the view until resumed), search (matches, next and previous), wrap and timestamps. Keeps the
 * newest {@code capacity} lines. Lines the runtime split (partial) are joined back.
 */
public final class LogsModel extends ViewModel {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    /** One logical log line, without its newline. */
    public record Line(long timeNanos, String stream, String text) {}

    private final int capacity;
    private final ArrayDeque<Line> lines;
    private final List<Line> pending = new ArrayList<>();
    private boolean lastPartial;
    private boolean follow = true;
    private boolean paused;
    private boolean wrap;
    private boolean timestamps;
    private int top;
    private String search = "";
    private List<Integer> matches = List.of();
    private int match = -1;
    private String ended;

    public LogsModel(Dispatcher ui, int capacity) {
        super(ui);
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    public void append(LogEntry e) {
        checkUiThread();
        accept(e);
        if (!paused) {
            changed();
        }
    }

    public void appendAll(List<LogEntry> entries) {
        checkUiThread();
        entries.forEach(this::accept);
        if (!paused) {
            changed();
        }
    }

    /** The stream ended (the container exited, or the engine said why not). */
    public void end(String why) {
        checkUiThread();
        ended = why;
        changed();
    }

    public String ended() {
        return ended;
    }

    private void accept(LogEntry e) {
        String text = e.getData().toStringUtf8();
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        Line line = new Line(e.getTime(), e.getStream(), text);
        List<Line> target = paused ? pending : null;
        if (lastPartial) {
            // The runtime split one long line: glue this piece to the one before it.
            Line prev = target != null && !target.isEmpty() ? target.remove(target.size() - 1)
                    : target == null && !lines.isEmpty() ? lines.pollLast() : null;
            if (prev != null) {
                line = new Line(prev.timeNanos(), prev.stream(), prev.text() + text);
            }
        }
        lastPartial = e.getPartial();
        if (target != null) {
            target.add(line);
        } else {
            push(line);
        }
    }

    private void push(Line line) {
        if (lines.size() == capacity) {
            lines.pollFirst();
            top = Math.max(0, top - 1);
        }
        lines.addLast(line);
        if (!search.isEmpty() && contains(line)) {
            List<Integer> m = new ArrayList<>(matches);
            m.add(lines.size() - 1);
            matches = m;
        }
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public int size() {
        return lines.size();
    }

    public boolean following() {
        return follow;
    }

    public boolean paused() {
        return paused;
    }

    public boolean wrapping() {
        return wrap;
    }

    public boolean timestamps() {
        return timestamps;
    }

    /** Pauses the view, or resumes it with every line that arrived meanwhile. */
    public void togglePause() {
        checkUiThread();
        paused = !paused;
        if (!paused) {
            pending.forEach(this::push);
            pending.clear();
            if (!search.isEmpty()) {
                setSearch(search);
                return;
            }
        }
        changed();
    }

    /** Lines received while paused, not shown yet. */
    public int pendingLines() {
        return pending.size();
    }

    public void toggleWrap() {
        checkUiThread();
        wrap = !wrap;
        changed();
    }

    public void toggleTimestamps() {
        checkUiThread();
        timestamps = !timestamps;
        changed();
    }

    public void setFollow(boolean on) {
        checkUiThread();
        follow = on;
        changed();
    }

    /** Scrolls by {@code delta} logical lines; scrolling stops following, reaching the end resumes it. */
    public void scrollBy(int delta, int height) {
        checkUiThread();
        int start = follow ? Math.max(0, lines.size() - height) : top;
        top = Math.max(0, Math.min(Math.max(0, lines.size() - 1), start + delta));
        follow = top >= lines.size() - height;
        changed();
    }

    public void setSearch(String text) {
        checkUiThread();
        search = text == null ? "" : text;
        List<Integer> m = new ArrayList<>();
        if (!search.isEmpty()) {
            int i = 0;
            for (Line l : lines) {
                if (contains(l)) {
                    m.add(i);
                }
                i++;
            }
        }
        matches = List.copyOf(m);
        match = -1;
        if (!matches.isEmpty()) {
            jump(matches.size() - 1);
        } else {
            changed();
        }
    }

    public String search() {
        return search;
    }

    /** Indexes (into {@link #lines()}) of the lines that contain the search text. */
    public List<Integer> matches() {
        return matches;
    }

    /** The current match's line index, or -1. */
    public int currentMatchLine() {
        return match < 0 || match >= matches.size() ? -1 : matches.get(match);
    }

    public void nextMatch() {
        checkUiThread();
        if (!matches.isEmpty()) {
            jump((match + 1) % matches.size());
        }
    }

    public void previousMatch() {
        checkUiThread();
        if (!matches.isEmpty()) {
            jump((match - 1 + matches.size()) % matches.size());
        }
    }

    private void jump(int m) {
        match = m;
        top = matches.get(m);
        follow = false;
        changed();
    }

    private boolean contains(Line l) {
        return l.text().toLowerCase(Locale.ROOT).contains(search.toLowerCase(Locale.ROOT));
    }

    /** How a line reads with the current options (timestamp prefix, stderr mark). */
    public String format(Line l) {
        String prefix = timestamps ? TIME.format(Instant.ofEpochSecond(0, l.timeNanos())) + " " : "";
        return prefix + (l.stream().equals("stderr") ? "! " : "") + l.text();
    }

    /**
     * The screen lines for a {@code width} x {@code height} area: the newest lines when following, else from
     * the scroll position; long lines wrapped or cut.
     */
    public List<String> render(int width, int height) {
        if (width <= 0 || height <= 0) {
            return List.of();
        }
        List<Line> all = List.copyOf(lines);
        List<String> out = new ArrayList<>();
        if (follow) {
            for (int i = all.size() - 1; i >= 0 && out.size() < height; i--) {
                List<String> pieces = pieces(format(all.get(i)), width);
                for (int p = pieces.size() - 1; p >= 0 && out.size() < height; p--) {
                    out.add(0, pieces.get(p));
                }
            }
            return out;
        }
        for (int i = Math.min(top, all.size()); i < all.size() && out.size() < height; i++) {
            for (String p : pieces(format(all.get(i)), width)) {
                if (out.size() < height) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private List<String> pieces(String s, int width) {
        if (s.length() <= width) {
            return List.of(s);
        }
        if (!wrap) {
            return List.of(s.substring(0, width - 1) + "…");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i += width) {
            out.add(s.substring(i, Math.min(s.length(), i + width)));
        }
        return out;
    }
}
