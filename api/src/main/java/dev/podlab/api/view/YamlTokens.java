package dev.podlab.api.view;

import java.util.ArrayList;
import java.util.List;

/**
 * A line-at-a-time YAML highlighter for editors: splits one line into styled spans (keys, strings, numbers and
 * booleans, comments, list dashes, document markers). It reads lines, not documents, so block scalars are
 * shown as plain text: good enough for colour, never used to understand the YAML (the engine's parser does that).
 */
public final class YamlTokens {
    /** What a span is. */
    public enum Style { PLAIN, KEY, STRING, NUMBER, COMMENT, PUNCT, DOCUMENT }

    /** Characters [start, end) of a line. */
    public record Span(int start, int end, Style style) {}

    private YamlTokens() {}

    /** The spans of {@code line}, in order, covering it completely. */
    public static List<Span> spans(String line) {
        List<Span> out = new ArrayList<>();
        int n = line.length();
        int i = 0;
        if (line.startsWith("---") || line.startsWith("...")) {
            int c = commentStart(line, 3);
            add(out, 0, c, Style.DOCUMENT);
            add(out, c, n, Style.COMMENT);
            return out;
        }
        // Indentation and list dashes.
        while (i < n) {
            int ws = i;
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            add(out, ws, i, Style.PLAIN);
            if (i < n && line.charAt(i) == '-' && (i + 1 == n || line.charAt(i + 1) == ' ')) {
                add(out, i, i + 1, Style.PUNCT);
                i++;
            } else {
                break;
            }
        }
        int comment = commentStart(line, i);
        int colon = keyEnd(line, i, comment);
        if (colon > i) {
            add(out, i, colon, Style.KEY);
            add(out, colon, colon + 1, Style.PUNCT);
            i = colon + 1;
        }
        int vs = i;
        while (vs < comment && line.charAt(vs) == ' ') {
            vs++;
        }
        add(out, i, vs, Style.PLAIN);
        add(out, vs, comment, valueStyle(line.substring(vs, comment).strip()));
        add(out, comment, n, Style.COMMENT);
        return out;
    }

    private static Style valueStyle(String v) {
        if (v.isEmpty()) {
            return Style.PLAIN;
        }
        if (v.startsWith("\"") || v.startsWith("'")) {
            return Style.STRING;
        }
        if (v.matches("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?|true|false|null|~|yes|no")) {
            return Style.NUMBER;
        }
        if (v.equals("|") || v.equals(">") || v.startsWith("|") || v.startsWith(">") || v.startsWith("&")
                || v.startsWith("*") || v.startsWith("[") || v.startsWith("{")) {
            return Style.PUNCT;
        }
        return Style.STRING;
    }

    /** Where a "key:" ends (the colon), or -1: a colon followed by a space or the end, outside quotes. */
    private static int keyEnd(String line, int from, int limit) {
        char quote = 0;
        for (int k = from; k < limit; k++) {
            char c = line.charAt(k);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                if (k != from) {
                    return -1; // a quote inside a plain value: not a key
                }
                quote = c;
            } else if (c == ':' && (k + 1 == limit || line.charAt(k + 1) == ' ')) {
                return k;
            }
        }
        return -1;
    }

    /** Where a comment starts: '#' at the start or after a space, outside quotes; else the line's length. */
    private static int commentStart(String line, int from) {
        char quote = 0;
        for (int k = from; k < line.length(); k++) {
            char c = line.charAt(k);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#' && (k == 0 || line.charAt(k - 1) == ' ')) {
                return k;
            }
        }
        return line.length();
    }

    private static void add(List<Span> out, int start, int end, Style style) {
        if (end > start) {
            out.add(new Span(start, end, style));
        }
    }
}
