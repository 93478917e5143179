package dev.podlab.core.image.archive;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON of archives: strict on duplicate keys and trailing garbage, errors as one line with line and column. */
final class ArchiveJson {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ArchiveJson() {}

    /** Parses {@code bytes}; a problem becomes "corrupt JSON in member M: ... at line L, column C". */
    static <T> T parse(ArchiveSource source, String member, byte[] bytes, Class<T> type) {
        try {
            T value = JSON.readValue(bytes, type);
            if (value == null) {
                throw source.error("corrupt JSON in member " + member + ": it is JSON null");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw source.error("corrupt JSON in member " + member + ": " + describe(e), e);
        } catch (IOException e) {
            throw source.error(PodlabException.failed("parse member", member, e), e);
        }
    }

    static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Jackson error as one line: "unexpected character ... at line 3, column 7". */
    static String describe(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        msg = msg == null ? e.getClass().getSimpleName() : msg.lines().findFirst().orElse(msg);
        JsonLocation loc = e.getLocation();
        if (loc != null && loc.getLineNr() > 0) {
            msg += " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        }
        return msg;
    }
}
