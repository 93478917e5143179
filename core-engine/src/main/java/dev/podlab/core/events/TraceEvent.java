package dev.podlab.core.events;

/**
 * One step the engine, the shim or the kernel took, with when it began and how long it
 * took. {@code source} says who did it: "engine" (Java), "shim" (the C side), "runtime".
 *
 * @param startNanos    unix time in nanoseconds when the step began
 * @param durationNanos how long it took; 0 for an instant (a state change)
 */
public record TraceEvent(long startNanos, long durationNanos, String source, String step, String detail) {

    public static TraceEvent instant(String source, String step, String detail) {
        return new TraceEvent(Clock.nowNanos(), 0, source, step, detail);
    }

    /** Wall clock in unix nanoseconds (Instant has the precision; System.nanoTime is not wall time). */
    public static final class Clock {
        private Clock() {}

        public static long nowNanos() {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    }
}
