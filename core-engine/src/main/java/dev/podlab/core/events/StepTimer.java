package dev.podlab.core.events;

import java.util.function.Supplier;

/** Times engine steps and records them on a {@link TraceSink}. */
public final class StepTimer {
    private final TraceSink sink;

    public StepTimer(TraceSink sink) {
        this.sink = sink;
    }

    public <T> T time(String step, String detail, Supplier<T> work) {
        long wall = TraceEvent.Clock.nowNanos();
        long t0 = System.nanoTime();
        try {
            return work.get();
        } finally {
            sink.accept(new TraceEvent(wall, System.nanoTime() - t0, "engine", step, detail));
        }
    }

    public void time(String step, String detail, Runnable work) {
        time(step, detail, () -> {
            work.run();
            return null;
        });
    }
}
