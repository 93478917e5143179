package dev.podlab.api.view;

import dev.podlab.api.v1.FileChangeEntry;
import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.ImageLayersResponse;
import dev.podlab.api.v1.Layer;
import dev.podlab.api.v1.WastedPath;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One image's layers as dive shows them (from Images.Layers with files): sizes, what made each layer, the
 * efficiency score and wasted bytes, and for the selected layer a file tree whose lines carry added (+),
 * modified (~) and removed (-) marks. Directories that only lead to changed files are shown unmarked.
 */
public final class ImageLayersModel extends ViewModel {
    /** How a file changed in the selected layer. */
    public enum Mark {
        ADDED('+'), MODIFIED('~'), REMOVED('-'), UNCHANGED(' ');

        public final char symbol;

        Mark(char symbol) {
            this.symbol = symbol;
        }

        static Mark of(String kind) {
            return switch (kind) {
                case "added" -> ADDED;
                case "modified" -> MODIFIED;
                case "removed" -> REMOVED;
                default -> UNCHANGED;
            };
        }
    }

    /** One line of the tree: {@code name} is the last path element, indented by {@code depth}. */
    public record TreeLine(int depth, String name, String path, Mark mark, long size, boolean directory,
                           String linkTarget) {}

    private ImageLayersResponse data;
    private int selected = -1;
    private List<TreeLine> tree = List.of();

    public ImageLayersModel(Dispatcher ui) {
        super(ui);
    }

    public void load(ImageLayersResponse response) {
        checkUiThread();
        data = response;
        selected = response.getLayersCount() == 0 ? -1 : 0;
        rebuildTree();
    }

    public boolean loaded() {
        return data != null;
    }

    public Image image() {
        return data == null ? Image.getDefaultInstance() : data.getImage();
    }

    public List<Layer> layers() {
        return data == null ? List.of() : data.getLayersList();
    }

    public double efficiency() {
        return data == null ? 0 : data.getEfficiency();
    }

    public long wastedBytes() {
        return data == null ? 0 : data.getWastedBytes();
    }

    public long totalSize() {
        return data == null ? 0 : data.getTotalSize();
    }

    public List<WastedPath> wasted() {
        return data == null ? List.of() : data.getWastedList();
    }

    public int selectedLayer() {
        return selected;
    }

    public void selectLayer(int index) {
        checkUiThread();
        if (data == null || data.getLayersCount() == 0) {
            return;
        }
        selected = Math.max(0, Math.min(data.getLayersCount() - 1, index));
        rebuildTree();
    }

    /** The selected layer's changes as a tree, depth-first, names sorted. */
    public List<TreeLine> tree() {
        return tree;
    }

    private void rebuildTree() {
        tree = selected < 0 ? List.of() : buildTree(data.getLayers(selected).getChangesList());
        changed();
    }

    /** Builds the tree lines for a list of changes (public for views that show other change lists). */
    public static List<TreeLine> buildTree(List<FileChangeEntry> changes) {
        Node root = new Node("", "");
        for (FileChangeEntry c : changes) {
            String path = c.getPath().startsWith("/") ? c.getPath().substring(1) : c.getPath();
            if (path.isEmpty()) {
                continue;
            }
            Node n = root;
            StringBuilder sofar = new StringBuilder();
            for (String part : path.split("/")) {
                sofar.append('/').append(part);
                n = n.children.computeIfAbsent(part, k -> new Node(k, sofar.toString()));
            }
            n.entry = c;
        }
        List<TreeLine> out = new ArrayList<>();
        root.children.values().forEach(child -> flatten(child, 0, out));
        return List.copyOf(out);
    }

    private static void flatten(Node n, int depth, List<TreeLine> out) {
        FileChangeEntry e = n.entry;
        boolean dir = e == null ? true : e.getDirectory() || !n.children.isEmpty();
        out.add(new TreeLine(depth, n.name, n.path, e == null ? Mark.UNCHANGED : Mark.of(e.getKind()),
                e == null ? 0 : e.getSize(), dir, e == null ? "" : e.getLinkTarget()));
        n.children.values().forEach(child -> flatten(child, depth + 1, out));
    }

    private static final class Node {
        final String name;
        final String path;
        final Map<String, Node> children = new TreeMap<>();
        FileChangeEntry entry;

        Node(String name, String path) {
            this.name = name;
            this.path = path;
        }
    }
}
