package dev.podlab.tui;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Short texts for cells. */
final class Format {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private Format() {}

    /** "42s", "5m", "3h", "2d" for a duration in nanoseconds. */
    /** A table view's title: what, rows shown of known, the sort key and direction, the filter. */
    static String tableTitle(String what, dev.podlab.api.view.KeyedTableModel<?, ?, ?> table) {
        String sort = table.sortKey().name().toLowerCase() + (table.descending() ? "↓" : "↑");
        return what + " " + table.rows().size() + "/" + table.total() + " [sort " + sort + "]"
                + (table.filter().isEmpty() ? "" : " /" + table.filter());
    }

    static String age(long nanos) {
        long s = Math.max(0, nanos / 1_000_000_000L);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s < 600 ? s % 60 + "s" : "");
        }
        if (s < 86_400) {
            return s / 3600 + "h" + (s < 36_000 ? (s % 3600) / 60 + "m" : "");
        }
        return s / 86_400 + "d";
    }

    /** Age of something created at {@code epochNanos}. */
    static String since(long epochNanos) {
        if (epochNanos <= 0) {
            return "-";
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        return age(now - epochNanos);
    }

    static String clock(long epochNanos) {
        return CLOCK.format(Instant.ofEpochSecond(0, epochNanos));
    }

    /** One decimal, without String.format: the table formats a few hundred numbers per frame. */
    static String percent(double v) {
        return Double.isNaN(v) ? "-" : oneDecimal(v);
    }

    static String oneDecimal(double v) {
        long tenths = Math.round(v * 10);
        String sign = tenths < 0 ? "-" : "";
        tenths = Math.abs(tenths);
        return sign + tenths / 10 + "." + tenths % 10;
    }

    /** "532 B", "4.0 KiB", "12.3 MiB" (as {@code dev.podlab.api.Bytes}, without String.format). */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return oneDecimal(v) + " " + units[u];
    }
}
