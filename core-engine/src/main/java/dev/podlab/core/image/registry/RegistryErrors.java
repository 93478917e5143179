package dev.podlab.core.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Turns a registry's error response into one line: "404 Not Found: MANIFEST_UNKNOWN: manifest unknown". */
final class RegistryErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistryErrors() {}

    static String describe(int status, byte[] body) {
        String head = status + (reason(status).isEmpty() ? "" : " " + reason(status));
        String detail = detail(body);
        return detail.isEmpty() ? head : head + ": " + detail;
    }

    /** The registry's own words: the {@code errors} array of the distribution spec, else a short text body. */
    static String detail(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            JsonNode root = JSON.readTree(body);
            List<String> parts = new ArrayList<>();
            if (root != null && root.get("errors") != null && root.get("errors").isArray()) {
                for (JsonNode e : root.get("errors")) {
                    String code = e.path("code").asText("");
                    String message = e.path("message").asText("");
                    parts.add(code.isEmpty() ? message : message.isEmpty() ? code : code + ": " + message);
                }
            } else if (root != null && root.isObject()) {
                for (String field : List.of("error_description", "error", "message", "details")) {
                    if (root.path(field).isTextual()) {
                        parts.add(root.get(field).asText());
                        break;
                    }
                }
            }
            if (!parts.isEmpty()) {
                return oneLine(String.join("; ", parts));
            }
        } catch (Exception e) {
            // Not JSON: fall through and show the start of the text, which is all there is.
        }
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        return text.startsWith("<") ? "" : oneLine(text);
    }

    static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
