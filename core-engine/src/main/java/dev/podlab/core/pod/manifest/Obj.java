package dev.podlab.core.pod.manifest;

import dev.podlab.core.config.YamlTree.Entry;
import dev.podlab.core.config.YamlTree.Kind;
import dev.podlab.core.config.YamlTree.ListNode;
import dev.podlab.core.config.YamlTree.Loc;
import dev.podlab.core.config.YamlTree.MapNode;
import dev.podlab.core.config.YamlTree.Node;
import dev.podlab.core.config.YamlTree.Scalar;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A YAML mapping being bound, with its field path. Every getter marks its key as known and reports
 * a wrongly typed value at the value's position (returning null, so binding goes on and every
 * problem of the file is found); {@link #finish()} reports the keys nobody asked for as unknown.
 * A key written with nothing after it counts as absent, as in Kubernetes.
 */
final class Obj {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    final MapNode map;
    final String path;
    final Diag d;
    private final Set<String> seen = new HashSet<>();

    private Obj(MapNode map, String path, Diag d) {
        this.map = map;
        this.path = path;
        this.d = d;
    }

    /** A list element or other value that must be a mapping; null (reported) when it is not. */
    static Obj of(Node n, String path, Diag d) {
        if (n instanceof MapNode m) {
            return new Obj(m, path, d);
        }
        if (n instanceof Scalar s && s.isNothing()) {
            return null;
        }
        d.error(n.loc(), path, "expected a mapping, got " + describe(n));
        return null;
    }

    /** An empty mapping standing for an absent one, so callers need no null checks. */
    static Obj empty(Loc at, String path, Diag d) {
        return new Obj(new MapNode(Map.of(), at), path, d);
    }

    Loc loc() {
        return map.loc();
    }

    String at(String key) {
        return child(path, key);
    }

    static String child(String parent, String key) {
        if (PLAIN_KEY.matcher(key).matches()) {
            return parent.isEmpty() ? key : parent + "." + key;
        }
        return parent + "[" + Names.quote(key) + "]";
    }

    static String index(String parent, int i) {
        return parent + "[" + i + "]";
    }

    boolean has(String key) {
        return node(key) != null;
    }

    /** The entry (key position and value); null when absent or written with nothing. */
    Entry entry(String key) {
        seen.add(key);
        Entry e = map.entries().get(key);
        // null and ~ are absent; "" stays a value (an explicitly empty medium) for the typed getters.
        if (e == null || (e.value() instanceof Scalar s && s.kind() == Kind.NULL)) {
            return null;
        }
        return e;
    }

    Node node(String key) {
        Entry e = entry(key);
        return e == null ? null : e.value();
    }

    Loc valueLoc(String key) {
        Node n = node(key);
        return n != null ? n.loc() : loc();
    }

    Loc keyLoc(String key) {
        Entry e = map.entries().get(key);
        return e != null ? e.keyLoc() : loc();
    }

    /** A string; null when absent or empty or of another type (reported). */
    String str(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        String s = asString(n, at(key), d);
        return s == null || s.isEmpty() ? null : s;
    }

    String str(String key, String dflt) {
        String s = str(key);
        return s == null ? dflt : s;
    }

    /** A string that must be there: "required value" at this mapping when it is not. */
    String reqStr(String key) {
        Node n = node(key);
        if (n == null || (n instanceof Scalar s && s.isNothing())) {
            d.error(loc(), at(key), "required value");
            return null;
        }
        return str(key);
    }

    static String asString(Node n, String path, Diag d) {
        if (n instanceof Scalar s) {
            if (s.kind() == Kind.STRING) {
                return s.text();
            }
            d.error(n.loc(), path, "expected a string, got " + describe(n) + " (quote it)");
            return null;
        }
        d.error(n.loc(), path, "expected a string, got " + describe(n));
        return null;
    }

    /** An integer; null when absent or not an integer (reported). */
    Long integer(String key) {
        Node n = node(key);
        return n == null ? null : asInteger(n, at(key), d);
    }

    long integer(String key, long dflt) {
        Long v = integer(key);
        return v == null ? dflt : v;
    }

    /** An integer that must be at least {@code min}; null when absent or reported. */
    Long integerAtLeast(String key, long min) {
        Long v = integer(key);
        if (v != null && v < min) {
            d.error(valueLoc(key), at(key), min == 0 ? "must be greater than or equal to 0, got " + v
                    : "must be greater than or equal to " + min + ", got " + v);
            return null;
        }
        return v;
    }

    static Long asInteger(Node n, String path, Diag d) {
        if (n instanceof Scalar s && s.kind() == Kind.INT) {
            Long v = parseInt(s.text());
            if (v != null) {
                return v;
            }
            d.error(n.loc(), path, "integer out of range: " + s.text());
            return null;
        }
        d.error(n.loc(), path, "expected an integer, got " + describe(n));
        return null;
    }

    /** YAML 1.1 integers as Kubernetes (go-yaml) reads them: 0644 is octal, 0x1F hex, '_' ignored. */
    static Long parseInt(String text) {
        String t = text.replace("_", "");
        boolean neg = t.startsWith("-");
        if (neg || t.startsWith("+")) {
            t = t.substring(1);
        }
        try {
            long v;
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = Long.parseLong(t.substring(2), 16);
            } else if (t.startsWith("0o")) {
                v = Long.parseLong(t.substring(2), 8);
            } else if (t.length() > 1 && t.startsWith("0")) {
                v = Long.parseLong(t.substring(1), 8);
            } else {
                v = Long.parseLong(t);
            }
            return neg ? -v : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    Boolean bool(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof Scalar s && s.kind() == Kind.BOOL) {
            return Boolean.parseBoolean(s.text().toLowerCase(java.util.Locale.ROOT));
        }
        d.error(n.loc(), at(key), "expected true or false, got " + describe(n));
        return null;
    }

    boolean bool(String key, boolean dflt) {
        Boolean b = bool(key);
        return b == null ? dflt : b;
    }

    /** A nested mapping; null when absent or not a mapping (reported). */
    Obj obj(String key) {
        Node n = node(key);
        return n == null ? null : of(n, at(key), d);
    }

    /** A nested mapping, or an empty stand-in when absent. */
    Obj objOrEmpty(String key) {
        Obj o = obj(key);
        return o != null ? o : empty(valueLoc(key), at(key), d);
    }

    /** One element of a list, with its path. */
    record Item(Node node, String path, int index) {}

    /** A list's elements; empty when absent or not a list (reported). */
    List<Item> list(String key) {
        Node n = node(key);
        if (n == null) {
            return List.of();
        }
        if (!(n instanceof ListNode l)) {
            d.error(n.loc(), at(key), "expected a list, got " + describe(n));
            return List.of();
        }
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < l.items().size(); i++) {
            out.add(new Item(l.items().get(i), index(at(key), i), i));
        }
        return out;
    }

    /** A list of strings; elements of other types are reported and left out. */
    List<String> strList(String key) {
        List<String> out = new ArrayList<>();
        for (Item it : list(key)) {
            if (it.node() instanceof Scalar s && s.kind() == Kind.NULL) {
                out.add("");
                continue;
            }
            String s = asString(it.node(), it.path(), d);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** A mapping of strings to strings (labels, ConfigMap data), in the order written. */
    Map<String, String> strMap(String key) {
        return strMap(obj(key));
    }

    /** The entries of {@code o} (null: none) as strings; other values reported and left out. */
    Map<String, String> strMap(Obj o) {
        Map<String, String> out = new LinkedHashMap<>();
        if (o == null) {
            return out;
        }
        for (Entry e : o.map.entries().values()) {
            o.seen.add(e.key());
            String p = child(o.path, e.key());
            String v = e.value() instanceof Scalar s && s.kind() == Kind.NULL ? "" : asString(e.value(), p, d);
            if (v != null) {
                out.put(e.key(), v);
            }
        }
        return out;
    }

    /** Every entry of this mapping, marking all as known. */
    List<Entry> entries() {
        seen.addAll(map.entries().keySet());
        return List.copyOf(map.entries().values());
    }

    /** A recognised field podlab does not honour: warned at its key, never an error. */
    void ignored(String key, String reason) {
        if (seen.add(key) && map.entries().containsKey(key)) {
            d.warn(keyLoc(key), at(key), "ignored (" + reason + ")");
        }
    }

    /** Marks keys as known without reading them (a sub-binder reads them). */
    void known(String... keys) {
        seen.addAll(List.of(keys));
    }

    /** Reports every key not read as an unknown field. */
    void finish() {
        for (Entry e : map.entries().values()) {
            if (!seen.contains(e.key())) {
                d.warn(e.keyLoc(), child(path, e.key()), "unknown field");
            }
        }
    }

    static String describe(Node n) {
        if (n instanceof MapNode) {
            return "a mapping";
        }
        if (n instanceof ListNode) {
            return "a list";
        }
        Scalar s = (Scalar) n;
        return switch (s.kind()) {
            case STRING -> "a string " + Names.quote(s.text());
            case INT, FLOAT -> "a number " + s.text();
            case BOOL -> "a boolean " + s.text();
            case NULL -> "nothing";
        };
    }
}
