package dev.podlab.gui;

/** Small text formats for cells. */
final class Fmt {
    private Fmt() {}

    /** "42s", "5m", "3h", "2d" since {@code epochNanos}. */
    static String age(long epochNanos, long nowMillis) {
        if (epochNanos <= 0) {
            return "-";
        }
        long s = Math.max(0, nowMillis / 1000 - epochNanos / 1_000_000_000L);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86_400) {
            return s / 3600 + "h";
        }
        return s / 86_400 + "d";
    }

    static String percent(double p) {
        return Double.isNaN(p) ? "-" : String.format("%.1f %%", p);
    }
}
