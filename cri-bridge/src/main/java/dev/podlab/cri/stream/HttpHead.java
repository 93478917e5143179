package dev.podlab.cri.stream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request line and headers of an HTTP/1.1 request, read byte by byte so that nothing after the blank line is
 * consumed (the upgraded protocol starts right there). Header names are kept lower-case.
 */
record HttpHead(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers) {
    /** A bigger head than this is refused: upgrade requests are small. */
    static final int MAX_HEAD = 16 * 1024;

    HttpHead {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
    }

    /** The first value of a header, or "". */
    String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    /** Every value of a header, comma-separated lists split. */
    List<String> headerTokens(String name) {
        List<String> out = new ArrayList<>();
        for (String v : headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of())) {
            for (String t : v.split(",")) {
                if (!t.isBlank()) {
                    out.add(t.strip());
                }
            }
        }
        return out;
    }

    static HttpHead read(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        var line = new ByteArrayOutputStream();
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("failed to read the request: the connection closed in its head");
            }
            if (++total > MAX_HEAD) {
                throw new IOException("failed to read the request: head longer than " + MAX_HEAD + " bytes");
            }
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                line.reset();
                if (s.endsWith("\r")) {
                    s = s.substring(0, s.length() - 1);
                }
                if (s.isEmpty()) {
                    break;
                }
                lines.add(s);
            } else {
                line.write(b);
            }
        }
        if (lines.isEmpty()) {
            throw new IOException("failed to read the request: no request line");
        }
        String[] rl = lines.get(0).split(" ");
        if (rl.length != 3 || !rl[2].startsWith("HTTP/1.")) {
            throw new IOException("failed to read the request: bad request line \"" + lines.get(0) + "\"");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String h : lines.subList(1, lines.size())) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new IOException("failed to read the request: bad header line \"" + h + "\"");
            }
            headers.computeIfAbsent(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).strip());
        }
        String target = rl[1];
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (q >= 0) {
            for (String kv : target.substring(q + 1).split("&")) {
                if (kv.isEmpty()) {
                    continue;
                }
                int eq = kv.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }
        headers.replaceAll((k, v) -> List.copyOf(v));
        query.replaceAll((k, v) -> List.copyOf(v));
        return new HttpHead(rl[0], path, query, headers);
    }
}
