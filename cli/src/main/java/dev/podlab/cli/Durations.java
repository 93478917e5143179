package dev.podlab.cli;

import java.time.Duration;

/** Short human durations for tables: "850ms", "12s", "3m", "2h", "4d". */
final class Durations {
    private Durations() {}

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return (s / 60) + "m";
        }
        if (s < 172800) {
            return (s / 3600) + "h";
        }
        return (s / 86400) + "d";
    }

    static String sinceNanos(long unixNanos) {
        long now = System.currentTimeMillis() * 1_000_000L;
        return human(Duration.ofNanos(Math.max(0, now - unixNanos)));
    }

    /** Step durations with sub-millisecond precision, for the trace. */
    static String precise(long nanos) {
        if (nanos < 1_000_000) {
            return String.format("%.0fµs", nanos / 1e3);
        }
        return String.format("%.2fms", nanos / 1e6);
    }
}
