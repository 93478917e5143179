package dev.podlab.cli.relay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A command as {@code podlab-client} sends it (wire format in docs/cli-relay.md): "PLC1", a big-endian u32
 * length, then entries of one tag byte and a NUL-terminated UTF-8 string.
 *
 * @param cwd  the client's working directory (absolute)
 * @param env  the environment variables it forwarded
 * @param ttys whether its stdin, stdout and stderr are terminals, as "010" (unused so far: relayed verbs print
 *             the same to a terminal and a pipe)
 * @param args the command line after the program name
 */
record RelayRequest(Path cwd, Map<String, String> env, String ttys, List<String> args) {
    static final int MAX_LENGTH = 4 << 20;
    private static final byte[] MAGIC = {'P', 'L', 'C', '1'};

    RelayRequest {
        env = Map.copyOf(env);
        args = List.copyOf(args);
    }

    /** Reads one request; a malformed one is a {@link RelayException} naming what is wrong and where. */
    static RelayRequest read(InputStream in) throws IOException {
        byte[] header = in.readNBytes(8);
        if (header.length < 8) {
            throw new RelayException("failed to read the relay request: it ends after " + header.length + " bytes of its header");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (header[i] != MAGIC[i]) {
                throw new RelayException("failed to read the relay request: it does not start with PLC1 (a client of another version?)");
            }
        }
        long length = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
        if (length > MAX_LENGTH) {
            throw new RelayException("failed to read the relay request: its length " + length + " is over " + MAX_LENGTH);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new RelayException("failed to read the relay request: it ends at byte " + body.length + " of " + length);
        }
        return parse(body);
    }

    static RelayRequest parse(byte[] body) {
        Path cwd = null;
        Map<String, String> env = new HashMap<>();
        String ttys = "000";
        List<String> args = new ArrayList<>();
        int at = 0;
        while (at < body.length) {
            byte tag = body[at];
            int end = at + 1;
            while (end < body.length && body[end] != 0) {
                end++;
            }
            if (end == body.length) {
                throw new RelayException("failed to read the relay request: the entry at byte " + at + " has no terminating NUL");
            }
            String value = new String(body, at + 1, end - at - 1, StandardCharsets.UTF_8);
            switch (tag) {
                case 'c' -> cwd = directory(value, at);
                case 'e' -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new RelayException("failed to read the relay request: the environment entry at byte " + at
                                + " is not NAME=VALUE");
                    }
                    env.put(value.substring(0, eq), value.substring(eq + 1));
                }
                case 't' -> ttys = value;
                case 'a' -> args.add(value);
                // Unknown tags are a newer client's additions: ignored, so old engines keep serving new clients.
                default -> { }
            }
            at = end + 1;
        }
        if (cwd == null) {
            throw new RelayException("failed to read the relay request: it names no working directory");
        }
        return new RelayRequest(cwd, env, ttys, args);
    }

    private static Path directory(String value, int at) {
        try {
            Path p = Path.of(value);
            if (!p.isAbsolute()) {
                throw new RelayException("failed to read the relay request: the working directory at byte " + at
                        + " is not absolute: " + value);
            }
            return p;
        } catch (InvalidPathException e) {
            throw new RelayException("failed to read the relay request: the working directory at byte " + at
                    + " is not a path: " + e.getMessage());
        }
    }
}
