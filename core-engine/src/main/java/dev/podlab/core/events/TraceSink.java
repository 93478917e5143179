package dev.podlab.core.events;

import java.util.function.Consumer;

/** Receives trace events as they happen. */
@FunctionalInterface
public interface TraceSink extends Consumer<TraceEvent> {
}
