package dev.podlab.cli;

import dev.podlab.core.container.InvalidConfigException;

import java.util.Locale;

/** Parses the human forms users type: "64m", "1.5g", "0.5" CPUs. */
final class Sizes {
    private Sizes() {}

    static long bytes(String flag, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        if (!s.isEmpty()) {
            char u = s.charAt(s.length() - 1);
            int shift = switch (u) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            if (shift > 0) {
                mult = 1L << shift;
                s = s.substring(0, s.length() - 1);
            }
        }
        try {
            double d = Double.parseDouble(s);
            if (d <= 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return (long) (d * mult);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException("failed to parse " + flag + " \"" + v
                    + "\": expected a positive size such as 64m, 512k or 1g");
        }
    }

    /** CPUs as a CFS quota (microseconds per 100 ms period). */
    static long cpuQuota(String v) {
        try {
            double cpus = Double.parseDouble(v.trim());
            if (cpus <= 0 || cpus > 1024 || Double.isNaN(cpus)) {
                throw new NumberFormatException();
            }
            return Math.max(1000, Math.round(cpus * 100_000));
        } catch (NumberFormatException e) {
            throw new InvalidConfigException("failed to parse --cpus \"" + v
                    + "\": expected a positive number of CPUs such as 0.5 or 2");
        }
    }
}
