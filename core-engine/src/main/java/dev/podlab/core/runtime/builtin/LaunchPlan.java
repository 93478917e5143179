package dev.podlab.core.runtime.builtin;

import java.util.ArrayList;
import java.util.List;

/**
 * The flat list of directives podlab-shim executes (docs/shim.md). Rendering escapes every
 * byte the shim's tokenizer treats specially, so any path or argument survives the trip.
 */
public record LaunchPlan(List<Directive> directives) {

    public record Directive(String keyword, List<String> args) {
        public Directive {
            args = List.copyOf(args);
        }
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public LaunchPlan {
        directives = List.copyOf(directives);
    }

    public String render() {
        StringBuilder sb = new StringBuilder(4096);
        for (Directive d : directives) {
            sb.append(d.keyword());
            for (String a : d.args()) {
                sb.append(' ');
                escape(a, sb);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The first argument lists of every directive with this keyword. */
    public List<List<String>> all(String keyword) {
        List<List<String>> out = new ArrayList<>();
        for (Directive d : directives) {
            if (d.keyword().equals(keyword)) {
                out.add(d.args());
            }
        }
        return out;
    }

    static void escape(String arg, StringBuilder out) {
        if (arg.isEmpty()) {
            out.append("%00");
            return;
        }
        // Only ASCII is special; UTF-8 sequences of other characters never contain ASCII bytes.
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c <= 0x20 || c == 0x7f || c == '%') {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                out.append(c);
            }
        }
    }

    /** Inverse of the rendering, for tests and for reading plans back in inspect. */
    static String unescape(String token) {
        if (token.equals("%00")) {
            return "";
        }
        StringBuilder sb = new StringBuilder(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '%') {
                sb.append((char) Integer.parseInt(token.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public static final class Builder {
        private final List<Directive> list = new ArrayList<>();

        public Builder add(String keyword, String... args) {
            list.add(new Directive(keyword, List.of(args)));
            return this;
        }

        public Builder add(String keyword, List<String> args) {
            list.add(new Directive(keyword, args));
            return this;
        }

        public LaunchPlan build() {
            return new LaunchPlan(list);
        }
    }
}
