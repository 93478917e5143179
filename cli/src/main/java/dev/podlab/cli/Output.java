package dev.podlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.podlab.core.container.InvalidConfigException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Machine-readable output of API messages: {@code -o json} and {@code -o yaml} (field names in lowerCamelCase). */
final class Output {
    /** Built on first use: a table-printing command should not pay for loading Jackson (~400 classes). */
    private static final class Mappers {
        static final ObjectMapper JSON = new ObjectMapper();
        static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
        static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    }

    private Output() {}

    /** Checks {@code -o} against the formats a command offers, before any work is done. */
    static String check(String format, String action, String... allowed) {
        if (!List.of(allowed).contains(format)) {
            throw new InvalidConfigException("failed to " + action + ": unknown output \"" + format + "\" ("
                    + String.join(", ", allowed) + ")");
        }
        return format;
    }

    static JsonNode tree(MessageOrBuilder m) {
        try {
            return Mappers.JSON.readTree(Mappers.PRINTER.print(m));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("failed to encode " + m.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode tree(List<? extends MessageOrBuilder> list) {
        var array = Mappers.JSON.createArrayNode();
        list.forEach(m -> array.add(tree(m)));
        return array;
    }

    /** Prints the tree as pretty JSON or as YAML. */
    static void print(JsonNode node, String format) {
        try {
            System.out.println(format.equals("yaml") ? Mappers.YAML.writeValueAsString(node).stripTrailing()
                    : Mappers.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
