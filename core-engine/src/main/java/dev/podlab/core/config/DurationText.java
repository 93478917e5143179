package dev.podlab.core.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration file writes them: a number and a unit, largest unit first, each
 * unit at most once: {@code 500ms}, {@code 2s}, {@code 10m}, {@code 1h}, {@code 1m30s}. Units are
 * {@code h}, {@code m}, {@code s} and {@code ms}.
 */
public final class DurationText {
    private static final Pattern PART = Pattern.compile("([0-9]{1,9})(ms|h|m|s)");
    private static final String[] UNITS = {"h", "m", "s", "ms"};

    private DurationText() {}

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException when {@code text} is not such a duration; the message says why
     */
    public static Duration parse(String text) {
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int pos = 0;
        int lastUnit = -1;
        while (pos < text.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("not a duration: " + text);
            }
            int unit = unitIndex(m.group(2));
            if (unit <= lastUnit) {
                throw new IllegalArgumentException("units out of order or repeated: " + text);
            }
            lastUnit = unit;
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            pos = m.end();
        }
        if (pos == 0) {
            throw new IllegalArgumentException("empty duration");
        }
        return total;
    }

    /** The shortest text {@link #parse} reads back as {@code d} (whole milliseconds): "2s", "1m30s", "0s". */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long h = ms / 3_600_000;
        long m = ms / 60_000 % 60;
        long s = ms / 1000 % 60;
        long rest = ms % 1000;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (rest > 0) {
            b.append(rest).append("ms");
        }
        return b.toString();
    }

    private static int unitIndex(String unit) {
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i].equals(unit)) {
                return i;
            }
        }
        throw new IllegalStateException(unit);
    }
}
