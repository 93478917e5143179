package dev.podlab.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into plain nodes that remember where they were written, so every later
 * check can name a line and column. Built from Jackson's streaming YAML parser rather than its
 * tree model because the tree model reads an alias ({@code *name}) as the string "name" and keeps
 * the last of two equal keys: here both are refused with their position, and so are tags
 * ({@code !!str}) and, unless {@link #readAll} is used, second documents.
 *
 * <p>Public so that other strict YAML readers (pod manifests in {@code dev.podlab.core.pod.manifest})
 * share the same position-keeping nodes instead of copying them.
 */
public final class YamlTree {
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
    private static final String CORE_TAG_PREFIX = "tag:yaml.org,2002:";

    private YamlTree() {}

    /** 1-based position in the text. */
    public record Loc(int line, int column) {}

    public sealed interface Node permits MapNode, ListNode, Scalar {
        Loc loc();
    }

    /** One key of a mapping, with where the key itself was written. */
    public record Entry(String key, Loc keyLoc, Node value) {}

    /** Entries in document order. */
    public record MapNode(Map<String, Entry> entries, Loc loc) implements Node {}

    public record ListNode(List<Node> items, Loc loc) implements Node {}

    public enum Kind { STRING, INT, FLOAT, BOOL, NULL }

    /** A scalar as written: the kind the YAML parser resolved and its text ({@code 0x10}, {@code True}). */
    public record Scalar(Kind kind, String text, Loc loc) implements Node {
        /** {@code key:} with nothing after it, {@code ~}, {@code null}. */
        public boolean isNothing() {
            return kind == Kind.NULL || (kind == Kind.STRING && text.isEmpty());
        }
    }

    /** A problem at a position; the loader adds the file name. */
    public static final class Problem extends RuntimeException {
        final Loc loc;
        final String keyPath;

        /** Where the problem is. */
        public Loc loc() {
            return loc;
        }

        /** The key path at fault; empty for syntax errors. */
        public String keyPath() {
            return keyPath;
        }

        /** The problem without position or file name. */
        public String detail() {
            return getMessage();
        }

        Problem(Loc loc, String keyPath, String detail, Throwable cause) {
            super(detail, cause);
            this.loc = loc;
            this.keyPath = keyPath;
        }
    }

    /**
     * Reads the one document in {@code yaml}; null when there is none (an empty file, only
     * comments, a bare {@code ---}).
     */
    public static Node read(String yaml) {
        try (YAMLParser p = (YAMLParser) FACTORY.createParser(yaml)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return null;
            }
            Node root = node(p, t, "");
            JsonToken extra = p.nextToken();
            if (extra != null) {
                throw new Problem(loc(p.currentTokenLocation()), "",
                        "only one YAML document is allowed, found a second one", null);
            }
            if (root instanceof Scalar s && s.isNothing()) {
                return null;
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntax(e);
        } catch (IOException e) {
            // Reading from a String: there is no I/O to fail.
            throw new UncheckedIOException(e);
        }
    }

    /** One document of a multi-document stream: its root (null when empty) and where it starts. */
    public record Document(Node root, Loc loc) {}

    /**
     * Reads every document of a {@code ---} separated stream, in order. Empty documents are kept
     * with a null root so that callers can number documents as the user sees them.
     *
     * @throws Problem at the first syntax error, alias, tag or duplicate key (the parser cannot
     *     resynchronise after a syntax error, so later documents are not read)
     */
    public static List<Document> readAll(String yaml) {
        List<Document> docs = new ArrayList<>();
        try (YAMLParser p = FACTORY.createParser(yaml)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                Node root = node(p, t, "");
                docs.add(new Document(root instanceof Scalar s && s.isNothing() ? null : root, root.loc()));
            }
            return List.copyOf(docs);
        } catch (JsonProcessingException e) {
            throw syntax(e);
        } catch (IOException e) {
            // Reading from a String: there is no I/O to fail.
            throw new UncheckedIOException(e);
        }
    }

    private static Node node(YAMLParser p, JsonToken t, String path) throws IOException {
        Loc at = loc(p.currentTokenLocation());
        if (p.isCurrentAlias()) {
            throw new Problem(at, path, describePath(path) + "aliases (*" + p.getText()
                    + ") are not supported; write the value out in full", null);
        }
        Object tag = p.getTypeId();
        if (tag != null) {
            String shown = tag.toString().startsWith(CORE_TAG_PREFIX)
                    ? "!!" + tag.toString().substring(CORE_TAG_PREFIX.length()) : tag.toString();
            throw new Problem(at, path, describePath(path) + "YAML tags (" + shown
                    + ") are not supported; quote the value if it must be a string", null);
        }
        return switch (t) {
            case START_OBJECT -> mapping(p, at, path);
            case START_ARRAY -> sequence(p, at, path);
            case VALUE_STRING -> new Scalar(Kind.STRING, p.getText(), at);
            case VALUE_NUMBER_INT -> new Scalar(Kind.INT, p.getText(), at);
            case VALUE_NUMBER_FLOAT -> new Scalar(Kind.FLOAT, p.getText(), at);
            case VALUE_TRUE, VALUE_FALSE -> new Scalar(Kind.BOOL, p.getText(), at);
            case VALUE_NULL -> new Scalar(Kind.NULL, p.getText(), at);
            // Binary (!!binary) arrives as VALUE_EMBEDDED_OBJECT but carries a tag, refused above.
            default -> throw new Problem(at, path, describePath(path) + "unexpected YAML content (" + t + ")", null);
        };
    }

    private static MapNode mapping(YAMLParser p, Loc at, String path) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            Loc keyLoc = loc(p.currentTokenLocation());
            String keyPath = KeyPath.child(path, key);
            if (p.isCurrentAlias()) {
                throw new Problem(keyLoc, keyPath, "aliases (*" + key + ") are not supported as keys", null);
            }
            Entry first = entries.get(key);
            if (first != null) {
                throw new Problem(keyLoc, keyPath, "duplicate key " + keyPath + " (first at line "
                        + first.keyLoc().line() + ")", null);
            }
            Node value = node(p, p.nextToken(), keyPath);
            entries.put(key, new Entry(key, keyLoc, value));
        }
        if (t != JsonToken.END_OBJECT) {
            throw new Problem(loc(p.currentTokenLocation()), path, "unexpected YAML content (" + t + ")", null);
        }
        return new MapNode(Collections.unmodifiableMap(entries), at);
    }

    private static ListNode sequence(YAMLParser p, Loc at, String path) throws IOException {
        List<Node> items = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new Problem(at, path, "unexpected end of the YAML list", null);
            }
            items.add(node(p, t, KeyPath.index(path, items.size())));
        }
        return new ListNode(List.copyOf(items), at);
    }

    private static String describePath(String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    /** A syntax error as one line: SnakeYAML's problem text at its own mark (not Jackson's multi-line dump). */
    private static Problem syntax(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m) {
            Mark mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
            String problem = m.getProblem() != null ? m.getProblem() : m.getContext();
            Loc at = mark != null ? new Loc(mark.getLine() + 1, mark.getColumn() + 1) : loc(e.getLocation());
            return new Problem(at, "", "invalid YAML: " + oneLine(problem), e);
        }
        String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        if (msg.startsWith("Expected a field name")) {
            msg = "a key must be a plain value, not a list or mapping";
        }
        return new Problem(loc(e.getLocation()), "", "invalid YAML: " + oneLine(msg), e);
    }

    private static String oneLine(String s) {
        String line = s.strip();
        int nl = line.indexOf('\n');
        return (nl < 0 ? line : line.substring(0, nl)).replace("\t", "\\t");
    }

    private static Loc loc(JsonLocation l) {
        return l == null ? new Loc(1, 1) : new Loc(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    }
}
