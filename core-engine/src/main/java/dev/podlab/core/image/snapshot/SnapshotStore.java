package dev.podlab.core.image.snapshot;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Unpacked image layers, each unpacked once and shared by every image and container that
 * has it at the same place in its layer chain (keyed by chain id, see {@link ChainIds}).
 * Each layer is one directory in overlayfs form: a container rootfs is an overlay of these
 * directories (top first, see {@link OverlayMounts}) plus the container's own upper dir.
 */
public interface SnapshotStore {

    /**
     * One layer to prepare.
     *
     * @param blobDigest     the compressed blob's digest (named in errors)
     * @param mediaType      the layer media type (gives the compression)
     * @param expectedDiffId the image config's {@code rootfs.diff_ids} entry: the unpacked tar must hash to it
     * @param data           opens the blob
     */
    record LayerSource(Digest blobDigest, String mediaType, Digest expectedDiffId, ContentStore.StreamSource data) {}

    /**
     * One unpacked layer.
     *
     * @param id           the short numeric name of its directory
     * @param chainId      the key: this layer and everything below it
     * @param diffId       sha256 of the layer's uncompressed tar
     * @param parent       chain id of the layer below, null for a bottom layer
     * @param blobDigest   the blob it was unpacked from
     * @param size         bytes of file content written
     * @param created      when it was unpacked
     * @param overlayReady whiteouts and opaque directories are in overlay form (false when unpacked
     *                     without root: then build the rootfs with {@link #applyAll} instead of mounting)
     * @param dir          the layer directory ({@code <root>/<id>/fs}), to be used read-only
     */
    record Snapshot(int id, Digest chainId, Digest diffId, Digest parent, Digest blobDigest, long size,
                    Instant created, boolean overlayReady, Path dir) {}

    /** The layers of one image, bottom first. */
    record Prepared(List<Snapshot> layers) {
        public Prepared {
            layers = List.copyOf(layers);
        }

        /** The layer directories, bottom first. */
        public List<Path> dirs() {
            return layers.stream().map(Snapshot::dir).toList();
        }

        /** All layers are in overlay form: the rootfs can be an overlay mount. */
        public boolean overlayReady() {
            return layers.stream().allMatch(Snapshot::overlayReady);
        }

        /** Chain id of the top layer (null for an image without layers). */
        public Digest chainId() {
            return layers.isEmpty() ? null : layers.get(layers.size() - 1).chainId();
        }
    }

    /** What prune removed. */
    record PruneReport(List<Digest> removed, long bytes) {}

    Path root();

    /**
     * Unpacks the layers that are missing, bottom-up, each into a temporary directory renamed
     * into place on success, verifying each diff id (a mismatch fails and keeps nothing of that
     * layer). Concurrent prepares of the same chain do each layer once; the others wait for it.
     */
    Prepared prepare(List<LayerSource> layers);

    Optional<Snapshot> get(Digest chainId);

    /** Every snapshot, by id. */
    List<Snapshot> list();

    /** Deletes a snapshot (the caller makes sure no container mounts it). False when there was none. */
    boolean remove(Digest chainId);

    /** Removes every snapshot whose chain id is not in {@code keep} nor below one that is. */
    PruneReport prune(Set<Digest> keepChainIds);

    /**
     * The copy fallback when overlay cannot be used (no root, too many layers for the mount
     * data): applies every layer's blob, bottom first, onto the empty directory {@code rootfs}.
     * On failure {@code rootfs} is partial and the caller deletes it.
     */
    void applyAll(List<LayerSource> layers, Path rootfs);
}
