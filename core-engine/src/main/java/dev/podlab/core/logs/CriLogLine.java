package dev.podlab.core.logs;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One line of a Kubernetes CRI container log: {@code <RFC3339Nano> <stream> <F|P> <text>}.
 *
 * @param partial true for a "P" piece of a longer line (text continues in the next record)
 */
public record CriLogLine(Instant time, String stream, boolean partial, String text) {

    /** Parses one record; throws {@link IllegalArgumentException} naming what is wrong. */
    public static CriLogLine parse(String line) {
        int a = line.indexOf(' ');
        int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
        int c = b < 0 ? -1 : line.indexOf(' ', b + 1);
        if (c < 0 && b > 0 && b + 2 == line.length()) {
            c = line.length(); // an empty line: "<time> stdout F"
        }
        if (a < 0 || b < 0 || c < 0) {
            throw new IllegalArgumentException("failed to parse CRI log line \"" + abbreviate(line)
                    + "\": expected <time> <stream> <F|P> <text>");
        }
        Instant time;
        try {
            time = Instant.parse(line.substring(0, a));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("failed to parse CRI log line \"" + abbreviate(line)
                    + "\": bad timestamp " + line.substring(0, a), e);
        }
        String stream = line.substring(a + 1, b);
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            throw new IllegalArgumentException("failed to parse CRI log line \"" + abbreviate(line)
                    + "\": unknown stream " + stream);
        }
        String tag = line.substring(b + 1, Math.min(c, line.length()));
        if (!tag.equals("F") && !tag.equals("P")) {
            throw new IllegalArgumentException("failed to parse CRI log line \"" + abbreviate(line)
                    + "\": unknown tag " + tag);
        }
        String text = c >= line.length() ? "" : line.substring(c + 1);
        return new CriLogLine(time, stream, tag.equals("P"), text);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
