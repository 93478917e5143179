package dev.podlab.core.image.analysis;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.ImageConfig;

import java.util.List;

/**
 * One layer as dive shows it.
 *
 * @param index          0 = bottom
 * @param digest         blob digest
 * @param diffId         sha256 of the uncompressed tar
 * @param mediaType      layer media type
 * @param compressedSize blob size
 * @param unpackedSize   bytes of regular file content in the layer
 * @param history        the config history entry that made it (empty_layer entries skipped), or null
 * @param fileCount      entries that are not directories or whiteouts
 * @param changes        every path the layer lists, with its mark against the layers below, in tar order
 * @param notes          entries that were left out (unsafe paths), if any
 */
public record LayerAnalysis(int index, Digest digest, Digest diffId, String mediaType, long compressedSize,
                            long unpackedSize, ImageConfig.History history, long fileCount, List<FileChange> changes,
                            List<String> notes) {
    public LayerAnalysis {
        changes = List.copyOf(changes);
        notes = List.copyOf(notes);
    }

    public long count(FileChange.Kind kind) {
        return changes.stream().filter(c -> c.kind() == kind).count();
    }

    /** The Dockerfile-ish command that made the layer, or "". */
    public String createdBy() {
        return history != null && history.createdBy() != null ? history.createdBy() : "";
    }
}
