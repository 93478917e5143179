package dev.podlab.core.events;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's trace as JSON lines ({@code events.jsonl}). Events are buffered and
 * appended in one write by {@link #flush()} (or {@link #close()}), so a create that records
 * twenty steps opens the file once, not twenty times.
 */
public final class EventLog implements TraceSink, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final StringBuilder pending = new StringBuilder();
    private final TraceSink forward;

    public EventLog(Path file) {
        this(file, null);
    }

    /** Also hands every event to {@code forward} (may be null) as it is recorded. */
    public EventLog(Path file, TraceSink forward) {
        this.file = file;
        this.forward = forward;
    }

    @Override
    public synchronized void accept(TraceEvent event) {
        try {
            pending.append(JSON.writeValueAsString(event)).append('\n');
            if (forward != null) {
                forward.accept(event);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("failed to encode trace event " + event + ": " + e.getMessage(), e);
        }
    }

    /** Appends what was recorded since the last flush. */
    public synchronized void flush() {
        if (pending.isEmpty()) {
            return;
        }
        try {
            Files.write(file, pending.toString().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            pending.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to append to trace " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        flush();
    }

    public List<TraceEvent> read() {
        List<TraceEvent> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(JSON.readValue(line, TraceEvent.class));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("failed to read trace " + file + ": " + e.getMessage(), e);
        }
        return out;
    }
}
