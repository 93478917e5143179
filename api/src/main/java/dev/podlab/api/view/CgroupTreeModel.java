package dev.podlab.api.view;

import dev.podlab.api.v1.CgroupNode;
import dev.podlab.api.v1.CgroupValue;
import dev.podlab.api.v1.PodCgroupsResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's cgroups as they are: the pod cgroup with its containers' cgroups below it, each with the raw values
 * of its controllers' files (Pods.Cgroups), as rows of a tree ready to draw. Values that changed since the
 * previous answer are marked, and one controller can be shown alone. Fed by {@link EngineFeeds#watchCgroups}
 * on each metrics round; toolkit-free (the GUI binds to it as the TUI does). Mutators run on the UI thread.
 */
public final class CgroupTreeModel extends ViewModel {
    /** What a row is: a cgroup directory, one controller's hierarchy of it, or one value. */
    public enum Kind { CGROUP, CONTROLLER, VALUE }

    /**
     * One row of the tree.
     *
     * @param depth   indentation level (a container's cgroup is one deeper than the pod's)
     * @param label   CGROUP: "pod cgroup" or "container NAME"; CONTROLLER: the controller; VALUE: "file" or "file key"
     * @param value   CGROUP: the path below the hierarchy roots; CONTROLLER: its directory; VALUE: the raw value
     * @param changed VALUE only: different from the previous answer
     */
    public record Row(int depth, Kind kind, String label, String value, boolean changed) {}

    private final String podRef;
    private PodCgroupsResponse last = PodCgroupsResponse.getDefaultInstance();
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, Boolean> changed = new HashMap<>();
    private List<String> controllers = List.of();
    private String only = "";
    private List<Row> rows = List.of();
    private long updates;

    /** @param podRef the pod's id, name or namespace/name, as Pods.Cgroups takes it */
    public CgroupTreeModel(Dispatcher ui, String podRef) {
        super(ui);
        this.podRef = podRef;
    }

    public String podRef() {
        return podRef;
    }

    /** A fresh Pods.Cgroups answer. */
    public void update(PodCgroupsResponse response) {
        checkUiThread();
        boolean first = updates == 0;
        Map<String, String> now = new HashMap<>();
        changed.clear();
        List<String> seen = new ArrayList<>();
        for (CgroupNode n : response.getNodesList()) {
            if (!seen.contains(n.getController())) {
                seen.add(n.getController());
            }
            for (CgroupValue v : n.getValuesList()) {
                String k = key(n.getPath(), n.getController(), v.getFile(), v.getKey());
                now.put(k, v.getValue());
                String before = values.get(k);
                changed.put(k, !first && before != null && !before.equals(v.getValue()));
            }
        }
        values.clear();
        values.putAll(now);
        controllers = List.copyOf(seen);
        if (!only.isEmpty() && !controllers.contains(only)) {
            only = "";
        }
        last = response;
        updates++;
        rebuild();
        changed();
    }

    /** "v1", "v1 hybrid" or "v2"; empty before the first answer. */
    public String version() {
        return last.getVersion();
    }

    /** How many answers arrived. */
    public long updates() {
        return updates;
    }

    /** The controllers present, in the engine's order. */
    public List<String> controllers() {
        return controllers;
    }

    /** The one controller shown, or empty when all are. */
    public String onlyController() {
        return only;
    }

    /** Shows all controllers, then each one alone in turn, then all again. */
    public void cycleController() {
        checkUiThread();
        int i = controllers.indexOf(only);
        only = only.isEmpty() ? (controllers.isEmpty() ? "" : controllers.get(0))
                : i + 1 < controllers.size() ? controllers.get(i + 1) : "";
        rebuild();
        changed();
    }

    public List<Row> rows() {
        return rows;
    }

    /**
     * One raw value of the last answer.
     *
     * @param container the container's name, or empty for the pod's own cgroup
     * @param key       the key in a keyed file, empty for a single-value file
     */
    public Optional<String> value(String container, String controller, String file, String key) {
        for (CgroupNode n : last.getNodesList()) {
            if (n.getContainer().equals(container) && n.getController().equals(controller)) {
                for (CgroupValue v : n.getValuesList()) {
                    if (v.getFile().equals(file) && v.getKey().equals(key)) {
                        return Optional.of(v.getValue());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private void rebuild() {
        // Nodes grouped by cgroup path, in the answer's order (the pod first).
        Map<String, List<CgroupNode>> byPath = new LinkedHashMap<>();
        last.getNodesList().forEach(n -> byPath.computeIfAbsent(n.getPath(), p -> new ArrayList<>()).add(n));
        List<Row> out = new ArrayList<>();
        byPath.forEach((path, nodes) -> {
            int depth = 0;
            for (String other : byPath.keySet()) {
                if (path.startsWith(other + "/")) {
                    depth++;
                }
            }
            String who = nodes.get(0).getContainer();
            out.add(new Row(depth, Kind.CGROUP, who.isEmpty() ? "pod cgroup" : "container " + who, path, false));
            for (CgroupNode n : nodes) {
                if (!only.isEmpty() && !only.equals(n.getController())) {
                    continue;
                }
                out.add(new Row(depth + 1, Kind.CONTROLLER, n.getController(), n.getDirectory(), false));
                for (CgroupValue v : n.getValuesList()) {
                    out.add(new Row(depth + 2, Kind.VALUE, v.getKey().isEmpty() ? v.getFile() : v.getFile() + " " + v.getKey(),
                            v.getValue(), changed.getOrDefault(key(path, n.getController(), v.getFile(), v.getKey()), false)));
                }
            }
        });
        rows = List.copyOf(out);
    }

    private static String key(String path, String controller, String file, String key) {
        return path + '\u0000' + controller + '\u0000' + file + '\u0000' + key;
    }
}
