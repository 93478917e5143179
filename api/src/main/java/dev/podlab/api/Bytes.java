package dev.podlab.api;

/** Sizes for people: "532 B", "4.0 KiB", "12.3 MiB". */
public final class Bytes {
    private Bytes() {}

    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }

    /** A rate for people: "0 B/s", "512 B/s", "1.5 MiB/s"; "-" when unknown (NaN) or negative. */
    public static String rate(double bytesPerSecond) {
        if (Double.isNaN(bytesPerSecond) || bytesPerSecond < 0) {
            return "-";
        }
        return human(Math.round(bytesPerSecond)) + "/s";
    }
}
