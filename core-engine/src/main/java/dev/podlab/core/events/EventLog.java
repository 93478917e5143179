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

/** A container's trace as JSON lines ({@code events.jsonl}), appended as steps happen. */
public final class EventLog implements TraceSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public EventLog(Path file) {
        this.file = file;
    }

    @Override
    public synchronized void accept(TraceEvent event) {
        try {
            byte[] line = (JSON.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
            Files.write(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to append to trace " + file + ": " + e.getMessage(), e);
        }
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
