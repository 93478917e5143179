package dev.podlab.core.image;

import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.Platform;

import java.util.List;
import java.util.Optional;

/**
 * Named images over a {@link ContentStore}, kept in the OCI layout's {@code index.json}:
 * each name is a descriptor annotated with {@code org.opencontainers.image.ref.name} (the
 * tag, as skopeo and umoci expect) and {@code dev.podlab.image.name} (the full reference).
 * index.json is replaced atomically under a lock, so concurrent writers never lose a name.
 */
public interface ImageStore {

    ContentStore content();

    /** Every named image, resolved for this host's platform. */
    List<ImageRecord> list();

    /**
     * Finds an image by reference text ("busybox", "localhost:5000/demo:v1", "...@sha256:..."),
     * by image id or by a unique id prefix of at least 4 hex digits.
     */
    Optional<ImageRecord> find(String text);

    /** Points {@code reference} at a manifest or index already in the content store. */
    ImageRecord tag(ImageReference reference, Descriptor target);

    /** Removes a name; the blobs stay until {@link #prune()}. Returns false when it did not exist. */
    boolean untag(ImageReference reference);

    /** The manifest of {@code target} for {@code platform}, going through an index when needed. */
    Manifest manifest(Descriptor target, Platform platform);

    ImageConfig config(Manifest manifest);

    /** What prune removed. */
    record PruneReport(List<Digest> blobs, long bytes) {}

    /** Deletes every blob not reachable from a name (manifests, configs, layers of indexes). */
    PruneReport prune();
}
