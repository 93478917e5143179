package dev.podlab.core.config;

import dev.podlab.core.config.YamlTree.Entry;
import dev.podlab.core.config.YamlTree.Kind;
import dev.podlab.core.config.YamlTree.ListNode;
import dev.podlab.core.config.YamlTree.MapNode;
import dev.podlab.core.config.YamlTree.Node;
import dev.podlab.core.config.YamlTree.Problem;
import dev.podlab.core.config.YamlTree.Scalar;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns a {@link YamlTree} into {@link EngineSettings}, key by key, with a path for every key so that
 * each refusal names the key, its position and what was expected. Keys that are absent keep their
 * default; a section written with nothing after it ({@code cri:}) is an empty section.
 */
final class SettingsBinder {
    static final List<String> TOP_KEYS = List.of("stateRoot", "runRoot", "socket", "cri", "defaultRuntime",
            "runtimeClasses", "registries", "cni", "metrics", "cgroupParent", "seccompProfileRoot");
    static final List<String> CRI_KEYS = List.of("enabled", "socket", "streamingPort");
    static final List<String> RUNTIME_CLASS_KEYS = List.of("handler", "options");
    static final List<String> REGISTRIES_KEYS = List.of("parallelDownloads", "insecure", "mirrors");
    static final List<String> CNI_KEYS = List.of("confDir", "binDirs");
    static final List<String> METRICS_KEYS = List.of("interval", "history");

    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,18}");
    private static final Set<String> BOOLEAN_WORDS = Set.of("true", "True", "TRUE", "false", "False", "FALSE");

    private SettingsBinder() {}

    /** {@code root} null is an empty document: every default. */
    static EngineSettings bind(Node root) {
        EngineSettings d = EngineSettings.defaults();
        if (root == null) {
            return d;
        }
        if (!(root instanceof MapNode)) {
            throw new Problem(root.loc(), "", "expected a mapping of settings at the top level, got "
                    + describe(root), null);
        }
        Section top = Section.of(root, "", TOP_KEYS);

        Path stateRoot = top.value("stateRoot", d.stateRoot(), (n, p) -> string(n, p, Values.ABSOLUTE_PATH, Values::absolutePath));
        Path runRoot = top.value("runRoot", d.runRoot(), (n, p) -> string(n, p, Values.ABSOLUTE_PATH, Values::absolutePath));
        Path socket = top.value("socket", d.socket(), (n, p) -> string(n, p, Values.ABSOLUTE_PATH, Values::socketPath));
        EngineSettings.Cri cri = cri(top.section("cri", CRI_KEYS), d.cri());
        Map<String, EngineSettings.RuntimeClass> classes = runtimeClasses(top, d.runtimeClasses());
        String defaultRuntime = defaultRuntime(top, d.defaultRuntime(), classes);
        EngineSettings.Registries registries = registries(top.section("registries", REGISTRIES_KEYS), d.registries());
        EngineSettings.Cni cni = cni(top.section("cni", CNI_KEYS), d.cni());
        EngineSettings.Metrics metrics = metrics(top.section("metrics", METRICS_KEYS), d.metrics());
        String cgroupParent = top.value("cgroupParent", d.cgroupParent(),
                (n, p) -> string(n, p, Values.CGROUP_PARENT, Values::cgroupParent));
        // Absent: under this file's stateRoot (the record derives it from null).
        Path seccompProfileRoot = top.value("seccompProfileRoot", null,
                (n, p) -> string(n, p, Values.ABSOLUTE_PATH, Values::absolutePath));
        return new EngineSettings(stateRoot, runRoot, socket, cri, defaultRuntime, classes, registries, cni, metrics,
                cgroupParent, seccompProfileRoot);
    }

    private static EngineSettings.Cri cri(Section s, EngineSettings.Cri d) {
        boolean enabled = s.value("enabled", d.enabled(), SettingsBinder::bool);
        Path socket = s.value("socket", d.socket(), (n, p) -> string(n, p, Values.ABSOLUTE_PATH, Values::socketPath));
        int port = s.value("streamingPort", d.streamingPort(), SettingsBinder::port);
        return new EngineSettings.Cri(enabled, socket, port);
    }

    /** A TCP port, 0 to 65535 (0: any free one), plain decimal. */
    private static int port(Node n, String path) {
        if (n instanceof Scalar s && s.kind() == Kind.INT && DECIMAL.matcher(s.text()).matches()
                && !s.text().matches("-?0[0-9]+")) {
            long v = Long.parseLong(s.text());
            if (v >= 0 && v <= 65535) {
                return (int) v;
            }
        }
        throw fail(n, path, "expected a TCP port (0 to 65535), got " + describe(n));
    }

    /** The defaults (builtin) plus the file's classes; a class of the same name replaces the default. */
    private static Map<String, EngineSettings.RuntimeClass> runtimeClasses(Section top,
            Map<String, EngineSettings.RuntimeClass> defaults) {
        Map<String, EngineSettings.RuntimeClass> out = new LinkedHashMap<>(defaults);
        Entry e = top.entry("runtimeClasses");
        if (e == null) {
            return out;
        }
        String path = KeyPath.child("", "runtimeClasses");
        for (Entry c : mapping(e.value(), path).values()) {
            String classPath = KeyPath.child(path, c.key());
            String name = check(c.keyLoc(), classPath, () -> Values.runtimeClassName(c.key()));
            Section cs = Section.of(c.value(), classPath, RUNTIME_CLASS_KEYS);
            String handler = cs.required("handler", (n, p) -> string(n, p, Values.HANDLER, Values::handler));
            Map<String, String> options = new LinkedHashMap<>();
            Entry o = cs.entry("options");
            if (o != null) {
                String optionsPath = KeyPath.child(classPath, "options");
                for (Entry opt : mapping(o.value(), optionsPath).values()) {
                    options.put(opt.key(), scalarText(opt.value(), KeyPath.child(optionsPath, opt.key())));
                }
            }
            out.put(name, new EngineSettings.RuntimeClass(handler, options));
        }
        return out;
    }

    private static String defaultRuntime(Section top, String d, Map<String, EngineSettings.RuntimeClass> classes) {
        Entry e = top.entry("defaultRuntime");
        if (e == null) {
            return d;
        }
        String path = KeyPath.child("", "defaultRuntime");
        String name = string(e.value(), path, Values.RUNTIME_CLASS, Function.identity());
        if (!classes.containsKey(name)) {
            throw fail(e.value(), path, "unknown runtime class " + Values.quote(name) + " (known: "
                    + String.join(", ", classes.keySet()) + ")");
        }
        return name;
    }

    private static EngineSettings.Registries registries(Section s, EngineSettings.Registries d) {
        int parallel = s.value("parallelDownloads", d.parallelDownloads(), SettingsBinder::positiveInt);
        List<String> insecure = s.value("insecure", d.insecure(), (n, p) -> {
            Set<String> hosts = new LinkedHashSet<>();
            List<Node> items = list(n, p);
            for (int i = 0; i < items.size(); i++) {
                hosts.add(string(items.get(i), KeyPath.index(p, i), Values.REGISTRY, Values::registryName));
            }
            return List.copyOf(hosts);
        });
        Map<String, List<URI>> mirrors = s.value("mirrors", d.mirrors(), (n, p) -> {
            Map<String, List<URI>> out = new LinkedHashMap<>();
            Map<String, Entry> firstOf = new LinkedHashMap<>();
            for (Entry r : mapping(n, p).values()) {
                String registryPath = KeyPath.child(p, r.key());
                String registry = check(r.keyLoc(), registryPath, () -> Values.registryName(r.key()));
                Entry first = firstOf.putIfAbsent(registry, r);
                if (first != null) {
                    throw new Problem(r.keyLoc(), registryPath, registryPath + ": the same registry as "
                            + Values.quote(first.key()) + " (line " + first.keyLoc().line() + ")", null);
                }
                List<URI> urls = new ArrayList<>();
                List<Node> items = list(r.value(), registryPath);
                for (int i = 0; i < items.size(); i++) {
                    urls.add(string(items.get(i), KeyPath.index(registryPath, i), Values.MIRROR_URL, Values::mirrorUrl));
                }
                out.put(registry, urls);
            }
            return out;
        });
        return new EngineSettings.Registries(parallel, insecure, mirrors);
    }

    private static EngineSettings.Cni cni(Section s, EngineSettings.Cni d) {
        Path confDir = s.value("confDir", d.confDir(), (n, p) -> string(n, p, Values.ABSOLUTE_PATH, Values::absolutePath));
        List<Path> binDirs = s.value("binDirs", d.binDirs(), (n, p) -> {
            List<Node> items = list(n, p);
            if (items.isEmpty()) {
                throw fail(n, p, "expected a list of at least one directory, got " + describe(n));
            }
            List<Path> dirs = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                dirs.add(string(items.get(i), KeyPath.index(p, i), Values.ABSOLUTE_PATH, Values::absolutePath));
            }
            return dirs;
        });
        return new EngineSettings.Cni(confDir, binDirs);
    }

    private static EngineSettings.Metrics metrics(Section s, EngineSettings.Metrics d) {
        Duration interval = s.value("interval", d.interval(),
                (n, p) -> string(n, p, Values.DURATION, Values::metricsInterval));
        Duration history = s.value("history", d.history(), (n, p) -> string(n, p, Values.DURATION, Values::duration));
        if (history.compareTo(interval) < 0) {
            Entry h = s.entry("history");
            if (h != null) {
                throw fail(h.value(), s.path("history"), "must be at least metrics.interval ("
                        + DurationText.format(interval) + "), got " + DurationText.format(history));
            }
            throw fail(s.entry("interval").value(), s.path("interval"), "must be at most metrics.history ("
                    + DurationText.format(history) + "), got " + DurationText.format(interval));
        }
        return new EngineSettings.Metrics(interval, history);
    }

    // ---- value readers: each takes the node and its key path ----

    /** A non-empty string scalar, then {@code check}. Numbers and booleans are not strings here. */
    private static <T> T string(Node n, String path, String expected, Function<String, T> check) {
        if (!(n instanceof Scalar s) || s.kind() != Kind.STRING || s.text().isEmpty()) {
            throw fail(n, path, expected + ", got " + describe(n));
        }
        return check(n.loc(), path, () -> check.apply(s.text()));
    }

    private static boolean bool(Node n, String path) {
        if (n instanceof Scalar s && s.kind() == Kind.BOOL && BOOLEAN_WORDS.contains(s.text())) {
            return Boolean.parseBoolean(s.text().toLowerCase(java.util.Locale.ROOT));
        }
        throw fail(n, path, Values.BOOLEAN + ", got " + describe(n));
    }

    /** Plain decimal only: {@code 0x10}, {@code 010} and {@code 1_000} are refused rather than guessed at. */
    private static int positiveInt(Node n, String path) {
        if (n instanceof Scalar s && s.kind() == Kind.INT && DECIMAL.matcher(s.text()).matches()
                && !s.text().matches("-?0[0-9]+")) {
            long v = Long.parseLong(s.text());
            return check(n.loc(), path, () -> Values.parallelDownloads(v));
        }
        throw fail(n, path, Values.POSITIVE_INT + ", got " + describe(n));
    }

    /** Any non-empty scalar, as written ({@code true}, {@code 3}, {@code fast}). */
    private static String scalarText(Node n, String path) {
        if (n instanceof Scalar s && !s.isNothing()) {
            return s.text();
        }
        throw fail(n, path, Values.SCALAR + ", got " + describe(n));
    }

    /** A list; nothing ({@code key:}) is an empty list. */
    private static List<Node> list(Node n, String path) {
        if (n instanceof ListNode l) {
            return l.items();
        }
        if (n instanceof Scalar s && s.isNothing()) {
            return List.of();
        }
        throw fail(n, path, "expected a list, got " + describe(n));
    }

    /** A mapping's entries; nothing is an empty mapping. */
    private static Map<String, Entry> mapping(Node n, String path) {
        if (n instanceof MapNode m) {
            return m.entries();
        }
        if (n instanceof Scalar s && s.isNothing()) {
            return Map.of();
        }
        throw fail(n, path, "expected a mapping, got " + describe(n));
    }

    private static <T> T check(YamlTree.Loc loc, String path, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (Values.Invalid e) {
            throw new Problem(loc, path, path + ": " + e.getMessage(), null);
        }
    }

    private static Problem fail(Node n, String path, String detail) {
        return new Problem(n.loc(), path, path + ": " + detail, null);
    }

    /** How a value shows in "got ...": strings quoted, numbers and booleans as written. */
    static String describe(Node n) {
        return switch (n) {
            case MapNode m -> "a mapping";
            case ListNode l -> "a list";
            case Scalar s when s.isNothing() -> "nothing";
            case Scalar s when s.kind() == Kind.STRING -> Values.quote(s.text());
            case Scalar s -> s.text();
        };
    }

    /** A mapping with a fixed set of keys; unknown keys are refused when it is made. */
    private static final class Section {
        private final Map<String, Entry> entries;
        private final String path;
        private final YamlTree.Loc loc;

        private Section(Map<String, Entry> entries, String path, YamlTree.Loc loc) {
            this.entries = entries;
            this.path = path;
            this.loc = loc;
        }

        static Section of(Node n, String path, List<String> known) {
            Map<String, Entry> entries = mapping(n, path);
            for (Entry e : entries.values()) {
                if (!known.contains(e.key())) {
                    throw new Problem(e.keyLoc(), KeyPath.child(path, e.key()), "unknown key "
                            + KeyPath.child(path, e.key()) + " (known: " + String.join(", ", new TreeSet<>(known)) + ")",
                            null);
                }
            }
            return new Section(entries, path, n.loc());
        }

        /** The sub-section under {@code key}; an empty one when the key is absent. */
        Section section(String key, List<String> known) {
            Entry e = entries.get(key);
            String p = path(key);
            return e == null ? new Section(Map.of(), p, loc) : of(e.value(), p, known);
        }

        Entry entry(String key) {
            return entries.get(key);
        }

        String path(String key) {
            return KeyPath.child(path, key);
        }

        <T> T value(String key, T absent, Reader<T> reader) {
            Entry e = entries.get(key);
            return e == null ? absent : reader.read(e.value(), path(key));
        }

        <T> T required(String key, Reader<T> reader) {
            Entry e = entries.get(key);
            if (e == null) {
                throw new Problem(loc, path, path + ": missing key " + key, null);
            }
            return reader.read(e.value(), path(key));
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read(Node n, String path);
    }
}
