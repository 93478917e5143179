package dev.podlab.core.image.analysis;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.unpack.LayerPaths;
import dev.podlab.core.image.unpack.LayerStreams;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Computes what dive shows for an image, straight from its layer blobs: no root, nothing
 * unpacked, file contents streamed through (only a CRC32C per file is kept, to tell a
 * re-written but identical file from a modified one).
 *
 * <p>Efficiency follows dive's definition: every layer's file tree is visited leaf by leaf
 * (files, symlinks, empty directories, whiteouts; a directory with children in that layer is
 * not a leaf); each visit adds the leaf's size to its path's cumulative size and keeps the
 * smallest size seen. A whiteout counts 0, or, when it removes a directory, that directory's
 * content size in the layers below. Score = sum of smallest sizes / sum of cumulative sizes;
 * wasted bytes = sum of cumulative sizes of paths visited more than once. Opaque markers do
 * not take part (dive does not model them); they do hide lower files in the merged tree.
 */
public final class ImageAnalyzer {
    private ImageAnalyzer() {}

    /** One layer to read. */
    public record LayerInput(Digest digest, String mediaType, long compressedSize, Digest expectedDiffId,
                             ContentStore.StreamSource data) {}

    /** The image's layers from the content store, matched with its config's diff ids and history. */
    public static ImageAnalysis analyze(ContentStore content, ImageRecord image) {
        return analyze(content, image.layers(), image.config());
    }

    public static ImageAnalysis analyze(ContentStore content, List<Descriptor> layers, ImageConfig config) {
        List<String> diffIds = config != null && config.rootfs() != null && config.rootfs().diffIds() != null
                ? config.rootfs().diffIds() : List.of();
        List<LayerInput> inputs = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor d = layers.get(i);
            Digest digest = d.parsedDigest();
            inputs.add(new LayerInput(digest, d.mediaType(), d.size(), i < diffIds.size() ? Digest.parse(diffIds.get(i)) : null,
                    () -> content.open(digest)));
        }
        return analyze(inputs, config != null ? config.history() : null);
    }

    /** The history entries that made layers: {@code empty_layer} entries are skipped. */
    public static List<ImageConfig.History> layerHistory(List<ImageConfig.History> history) {
        if (history == null) {
            return List.of();
        }
        return history.stream().filter(h -> !Boolean.TRUE.equals(h.emptyLayer())).toList();
    }

    public static ImageAnalysis analyze(List<LayerInput> layers, List<ImageConfig.History> history) {
        List<ImageConfig.History> made = layerHistory(history);
        NavigableMap<String, Node> merged = new TreeMap<>();
        Map<String, long[]> efficiency = new HashMap<>(); // path -> {cumulative, min, count}
        List<LayerAnalysis> out = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            LayerInput in = layers.get(i);
            LayerAnalysis la = analyzeLayer(i, in, i < made.size() ? made.get(i) : null, merged, efficiency);
            out.add(la);
            total += la.unpackedSize();
        }
        long minSum = 0;
        long cumSum = 0;
        long wasted = 0;
        List<ImageAnalysis.Inefficiency> waste = new ArrayList<>();
        for (var e : efficiency.entrySet()) {
            long[] d = e.getValue();
            cumSum += d[0];
            minSum += d[1];
            if (d[2] >= 2) {
                wasted += d[0];
                waste.add(new ImageAnalysis.Inefficiency(e.getKey(), (int) d[2], d[0]));
            }
        }
        waste.sort(Comparator.comparingLong(ImageAnalysis.Inefficiency::cumulativeSize).reversed()
                .thenComparing(ImageAnalysis.Inefficiency::path));
        double score = cumSum == 0 ? 1.0 : (double) minSum / cumSum;
        NavigableMap<String, FileNode> tree = new TreeMap<>();
        merged.forEach((p, n) -> tree.put(p, n.toFileNode(p)));
        return new ImageAnalysis(out, tree, total, wasted, score, waste);
    }

    /** A path as one layer lists it, or as the merged tree holds it. */
    private record Node(FileNode.Type type, long size, int mode, long uid, long gid, String link, long crc, int layer,
                        boolean whiteout, boolean implicit) {
        FileNode toFileNode(String path) {
            return new FileNode(path, type, size, mode, uid, gid, link, layer, implicit);
        }

        boolean sameAs(Node o) {
            return type == o.type && size == o.size && mode == o.mode && uid == o.uid && gid == o.gid
                    && java.util.Objects.equals(link, o.link) && crc == o.crc;
        }
    }

    private static LayerAnalysis analyzeLayer(int index, LayerInput in, ImageConfig.History history,
                                              NavigableMap<String, Node> merged, Map<String, long[]> efficiency) {
        String layerName = "layer " + in.digest();
        Map<String, Node> entries = new LinkedHashMap<>();
        Set<String> opaque = new LinkedHashSet<>();
        List<String> notes = new ArrayList<>();
        long unpacked = 0;
        long files = 0;
        Digest diffId;
        long compressed;
        try (InputStream blob = in.data().open(); LayerStreams ls = LayerStreams.open(blob, MediaTypes.layerCompression(in.mediaType()))) {
            TarArchiveEntry e;
            byte[] buf = new byte[1 << 16];
            while ((e = ls.tar().getNextEntry()) != null) {
                String rel;
                try {
                    rel = LayerPaths.normalize(e.getName());
                } catch (LayerPaths.BadPathException bad) {
                    notes.add("entry \"" + e.getName().replace("\0", "\\0") + "\" left out: " + bad.getMessage());
                    continue;
                }
                if (rel.isEmpty()) {
                    continue;
                }
                String parent = LayerPaths.parent(rel);
                String base = LayerPaths.baseName(rel);
                if (base.equals(LayerPaths.OPAQUE)) {
                    opaque.add(parent);
                    continue;
                }
                if (base.startsWith(LayerPaths.WHITEOUT_META_PREFIX)) {
                    continue;
                }
                if (base.startsWith(LayerPaths.WHITEOUT_PREFIX)) {
                    String victim = base.substring(LayerPaths.WHITEOUT_PREFIX.length());
                    if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
                        notes.add("entry \"" + e.getName() + "\" left out: whiteout of '" + victim + "'");
                        continue;
                    }
                    String vrel = LayerPaths.join(parent, victim);
                    if (!entries.containsKey(vrel)) {
                        entries.put(vrel, new Node(FileNode.Type.FILE, 0, 0, 0, 0, null, 0, index, true, false));
                    }
                    continue;
                }
                FileNode.Type type = typeOf(e);
                long size = 0;
                long crc = 0;
                if (type == FileNode.Type.FILE) {
                    CRC32C c = new CRC32C();
                    int n;
                    while ((n = ls.tar().read(buf)) > 0) {
                        c.update(buf, 0, n);
                        size += n;
                    }
                    crc = c.getValue();
                    unpacked += size;
                }
                if (type != FileNode.Type.DIRECTORY) {
                    files++;
                }
                String link = type == FileNode.Type.SYMLINK || type == FileNode.Type.HARDLINK ? e.getLinkName() : null;
                entries.remove(rel); // a later entry for the same path replaces the earlier one, in tar order
                entries.put(rel, new Node(type, size, e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), link,
                        crc, index, false, false));
            }
            diffId = ls.finish();
            compressed = in.compressedSize() > 0 ? in.compressedSize() : ls.compressedBytes();
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageException("failed to analyse " + layerName + ": " + e.getMessage(), e);
        }
        if (in.expectedDiffId() != null && !in.expectedDiffId().equals(diffId)) {
            throw new ImageException("failed to analyse " + layerName + ": diff id mismatch: the image config says "
                    + in.expectedDiffId() + ", the content is " + diffId);
        }

        // Marks against the layers below (merged still holds only those).
        List<FileChange> changes = new ArrayList<>();
        for (String dir : opaque) {
            for (var n : directChildren(merged, dir).entrySet()) {
                if (!entries.containsKey(n.getKey())) {
                    changes.add(new FileChange(n.getKey(), FileChange.Kind.REMOVED, subtreeSize(merged, n.getKey()),
                            n.getValue().type() == FileNode.Type.DIRECTORY, null));
                }
            }
        }
        for (var en : entries.entrySet()) {
            String path = en.getKey();
            Node n = en.getValue();
            Node below = merged.get(path);
            if (n.whiteout()) {
                boolean dir = below != null && below.type() == FileNode.Type.DIRECTORY;
                long size = below == null ? 0 : dir ? subtreeSize(merged, path) : below.size();
                changes.add(new FileChange(path, FileChange.Kind.REMOVED, size, dir, null));
            } else {
                FileChange.Kind kind = below == null ? FileChange.Kind.ADDED
                        : below.sameAs(n) ? FileChange.Kind.UNCHANGED : FileChange.Kind.MODIFIED;
                changes.add(new FileChange(path, kind, n.size(), n.type() == FileNode.Type.DIRECTORY, n.link()));
            }
        }

        // dive's efficiency: visit this layer's leaves.
        Set<String> ancestors = new HashSet<>();
        for (String p : entries.keySet()) {
            for (String a = LayerPaths.parent(p); !a.isEmpty() && ancestors.add(a); a = LayerPaths.parent(a)) {
                // every ancestor of a listed path has children in this layer
            }
        }
        for (var en : entries.entrySet()) {
            String path = en.getKey();
            if (ancestors.contains(path)) {
                continue;
            }
            Node n = en.getValue();
            long size;
            if (n.whiteout()) {
                Node below = merged.get(path);
                size = below != null && below.type() == FileNode.Type.DIRECTORY ? subtreeSize(merged, path) : 0;
            } else {
                size = n.size();
            }
            long[] d = efficiency.computeIfAbsent(path, k -> new long[] {0, -1, 0});
            d[0] += size;
            d[1] = d[1] < 0 ? size : Math.min(d[1], size);
            d[2]++;
        }

        // Apply to the merged tree: deletions first (they only hide lower layers), then this layer's entries.
        for (String dir : opaque) {
            removeBelow(merged, dir);
        }
        for (var en : entries.entrySet()) {
            if (en.getValue().whiteout()) {
                merged.remove(en.getKey());
                removeBelow(merged, en.getKey());
            }
        }
        for (var en : entries.entrySet()) {
            String path = en.getKey();
            Node n = en.getValue();
            if (n.whiteout()) {
                continue;
            }
            for (String a = LayerPaths.parent(path); !a.isEmpty(); a = LayerPaths.parent(a)) {
                Node p = merged.get(a);
                if (p != null && p.type() == FileNode.Type.DIRECTORY) {
                    break;
                }
                if (p != null) {
                    removeBelow(merged, a);
                }
                merged.put(a, new Node(FileNode.Type.DIRECTORY, 0, 0755, 0, 0, null, 0, index, false, true));
            }
            Node old = merged.get(path);
            if (old != null && old.type() == FileNode.Type.DIRECTORY && n.type() != FileNode.Type.DIRECTORY) {
                removeBelow(merged, path);
            }
            merged.put(path, n);
        }
        return new LayerAnalysis(index, in.digest(), diffId, in.mediaType(), compressed, unpacked, history, files,
                changes, notes);
    }

    private static FileNode.Type typeOf(TarArchiveEntry e) {
        if (e.isSymbolicLink()) {
            return FileNode.Type.SYMLINK;
        }
        if (e.isLink()) {
            return FileNode.Type.HARDLINK;
        }
        if (e.isCharacterDevice()) {
            return FileNode.Type.CHAR_DEVICE;
        }
        if (e.isBlockDevice()) {
            return FileNode.Type.BLOCK_DEVICE;
        }
        if (e.isFIFO()) {
            return FileNode.Type.FIFO;
        }
        if (e.isDirectory()) {
            return FileNode.Type.DIRECTORY;
        }
        return FileNode.Type.FILE;
    }

    private static NavigableMap<String, Node> below(NavigableMap<String, Node> merged, String dir) {
        return dir.isEmpty() ? merged : merged.subMap(dir + "/", true, dir + "0", false); // '0' follows '/'
    }

    private static Map<String, Node> directChildren(NavigableMap<String, Node> merged, String dir) {
        int from = dir.isEmpty() ? 0 : dir.length() + 1;
        Map<String, Node> out = new LinkedHashMap<>();
        for (var e : below(merged, dir).entrySet()) {
            if (e.getKey().indexOf('/', from) < 0) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static long subtreeSize(NavigableMap<String, Node> merged, String path) {
        Node self = merged.get(path);
        long sum = self != null ? self.size() : 0;
        for (Node n : below(merged, path).values()) {
            sum += n.size();
        }
        return sum;
    }

    private static void removeBelow(NavigableMap<String, Node> merged, String dir) {
        below(merged, dir).clear();
    }
}
