package dev.podlab.core.image.analysis;

import dev.podlab.core.image.unpack.LayerPaths;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * An image's layers, merged tree and space efficiency, as dive computes them.
 *
 * @param layers          bottom first
 * @param tree            the merged tree: every path the image's rootfs has, sorted
 * @param totalSize       sum of the layers' unpacked sizes
 * @param wastedBytes     dive's "potential wasted space": the summed sizes of every path that more than
 *                        one layer lists (overwritten, removed, duplicated)
 * @param efficiency      dive's score: for each path the smallest size any layer gave it, summed, divided by
 *                        the summed sizes of all its occurrences (1.0 for an image without content)
 * @param inefficiencies  the paths behind {@code wastedBytes}, biggest first
 */
public record ImageAnalysis(List<LayerAnalysis> layers, NavigableMap<String, FileNode> tree, long totalSize,
                            long wastedBytes, double efficiency, List<Inefficiency> inefficiencies) {

    /** A path several layers list. */
    public record Inefficiency(String path, int occurrences, long cumulativeSize) {}

    public ImageAnalysis {
        layers = List.copyOf(layers);
        tree = Collections.unmodifiableNavigableMap(tree);
        inefficiencies = List.copyOf(inefficiencies);
    }

    /** The node at {@code path} ("/etc/passwd" or "etc/passwd"). */
    public Optional<FileNode> node(String path) {
        return Optional.ofNullable(tree.get(clean(path)));
    }

    /** The layer that provides {@code path} in the merged tree; empty when the image has no such path. */
    public Optional<LayerAnalysis> providerOf(String path) {
        return node(path).map(n -> layers.get(n.layer()));
    }

    /** Direct children of a directory of the merged tree ("" or "/" for the root), sorted. */
    public List<FileNode> children(String dir) {
        String d = clean(dir);
        String prefix = d.isEmpty() ? "" : d + "/";
        List<FileNode> out = new ArrayList<>();
        var sub = prefix.isEmpty() ? tree : tree.subMap(prefix, true, d + "0", false); // '0' follows '/'
        for (FileNode n : sub.values()) {
            if (n.path().indexOf('/', prefix.length()) < 0) {
                out.add(n);
            }
        }
        return out;
    }

    private static String clean(String path) {
        return path == null || path.isEmpty() || path.equals("/") ? "" : LayerPaths.normalize(path);
    }
}
