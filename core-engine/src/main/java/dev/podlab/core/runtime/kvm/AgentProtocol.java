package dev.podlab.core.runtime.kvm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The line protocol between the engine and the guest agent (docs/kvm.md). Requests are
 * {@code TAG VERB ARG...}; answers {@code TAG KIND REST}, the last one of a request being
 * {@code ok} or {@code error}. Tokens escape bytes {@code <= 0x20}, {@code 0x7f} and {@code %} as
 * {@code %XX} (the launch plan's rules); {@code %00} alone is the empty token, except in the
 * payload of {@code out}/{@code err} lines, which is never empty and where it is a NUL byte. The agent's first
 * line is {@code hello PROTOCOL KERNEL_RELEASE BOOT_MILLIS [PHASE=MS,...]}, the phases being the agent's own
 * boot steps (the first, {@code kernel}, the guest uptime when the agent started). Lines are bytes: this class holds them
 * as ISO-8859-1 strings (one char per byte), so escaped tokens carrying UTF-8 or binary output survive.
 */
public final class AgentProtocol {
    /** The protocol version this engine speaks. */
    public static final int VERSION = 1;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private AgentProtocol() {}

    /** One answer line. {@code text} is the rest of the line after the kind, as sent. */
    public record Reply(String tag, String kind, String text) {
        public boolean isFinal() {
            return kind.equals("ok") || kind.equals("error") || kind.equals("fatal");
        }

        /** The text of {@code error} and {@code warn} lines (the agent writes UTF-8). */
        public String message() {
            return new String(text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        }

        /** The payload of {@code out} and {@code err} lines (never empty, so {@code %00} is a NUL byte there). */
        public byte[] data() {
            return decode(text, true);
        }
    }

    /**
     * The agent's greeting: protocol version, guest kernel release, guest uptime when it was sent, and
     * how long each of the agent's boot steps took, in order (empty when the agent did not say).
     */
    public record Hello(int protocol, String kernelRelease, long bootMillis, List<BootPhase> phases) {
        public Hello {
            phases = List.copyOf(phases);
        }

        /** Guest uptime when the agent (PID 1) started: the kernel's own share of the boot; -1 when unknown. */
        public long agentStartMillis() {
            return phases.isEmpty() || !phases.get(0).name().equals("kernel") ? -1 : phases.get(0).millis();
        }
    }

    /** One boot step of the agent and its duration. */
    public record BootPhase(String name, long millis) {}

    /** A request line (ISO-8859-1, see the class comment), newline included. */
    public static String request(String tag, String verb, List<String> args) {
        StringBuilder sb = new StringBuilder(tag).append(' ').append(verb);
        for (String a : args) {
            sb.append(' ').append(escape(a.getBytes(StandardCharsets.UTF_8)));
        }
        return sb.append('\n').toString();
    }

    /** Parses an answer line (without its newline); null when it is not one. */
    public static Reply parseReply(String line) {
        int a = line.indexOf(' ');
        if (a <= 0) {
            return null;
        }
        int b = line.indexOf(' ', a + 1);
        String kind = b < 0 ? line.substring(a + 1) : line.substring(a + 1, b);
        return kind.isEmpty() ? null : new Reply(line.substring(0, a), kind, b < 0 ? "" : line.substring(b + 1));
    }

    /** Parses the greeting; null when the line is not one. */
    public static Hello parseHello(String line) {
        String[] f = line.split(" ");
        if (f.length < 4 || f.length > 5 || !f[0].equals("hello")) {
            return null;
        }
        try {
            List<BootPhase> phases = f.length == 5 ? parsePhases(f[4]) : List.of();
            return phases == null ? null : new Hello(Integer.parseInt(f[1]), f[2], Long.parseLong(f[3]), phases);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Steps and their milliseconds as the agent writes them, {@code NAME=MS,...} (the hello's fifth
     * field, the setup's answer); null when a part is not one.
     */
    public static List<BootPhase> parsePhases(String text) {
        List<BootPhase> phases = new ArrayList<>();
        if (text.isEmpty()) {
            return phases;
        }
        for (String p : text.split(",")) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                return null;
            }
            try {
                phases.add(new BootPhase(p.substring(0, eq), Long.parseLong(p.substring(eq + 1))));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return phases;
    }

    public static String escape(byte[] data) {
        if (data.length == 0) {
            return "%00";
        }
        StringBuilder sb = new StringBuilder(data.length + 16);
        for (byte x : data) {
            int c = x & 0xff;
            if (c <= 0x20 || c == 0x7f || c == '%') {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** Inverse of {@link #escape}; a malformed escape is an {@link IllegalArgumentException}. */
    public static byte[] unescape(String token) {
        return decode(token, false);
    }

    private static byte[] decode(String token, boolean data) {
        if (token.equals("%00") && !data) {
            return new byte[0];
        }
        byte[] in = token.getBytes(StandardCharsets.ISO_8859_1);
        var out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] != '%') {
                out.write(in[i]);
                continue;
            }
            if (i + 2 >= in.length) {
                throw new IllegalArgumentException("truncated escape at " + i + " in \"" + token + "\"");
            }
            int hi = Character.digit(in[i + 1], 16);
            int lo = Character.digit(in[i + 2], 16);
            if (hi < 0 || lo < 0 || hi == 0 && lo == 0 && !data) {
                throw new IllegalArgumentException("bad escape at " + i + " in \"" + token + "\"");
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        return out.toByteArray();
    }
}
