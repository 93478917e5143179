package dev.podlab.core.image.build;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.Platform;

import java.util.List;

/**
 * What {@link ImageBuilder} wrote.
 *
 * @param target    the image's root: the index when built for several platforms, else the manifest; without
 *                  annotations, ready for {@code ImageStore.tag}
 * @param manifests one per platform, in the order given
 * @param blobs     every blob written, in order: layers, then per platform config and manifest, then the index
 */
public record BuiltImage(Descriptor target, List<BuiltManifest> manifests, List<Digest> blobs) {
    public BuiltImage {
        manifests = List.copyOf(manifests);
        blobs = List.copyOf(blobs);
    }

    public Digest targetDigest() {
        return target.parsedDigest();
    }

    /** The first (or only) manifest. */
    public BuiltManifest manifest() {
        return manifests.get(0);
    }

    /** The manifest for {@code platform}; IllegalArgumentException when the image was not built for it. */
    public BuiltManifest manifest(Platform platform) {
        return manifests.stream().filter(m -> m.platform().equals(platform)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no manifest for " + platform));
    }

    /** The image id of the first manifest. */
    public Digest configDigest() {
        return manifest().configDigest();
    }

    public List<Digest> layerDigests() {
        return manifest().layerDigests();
    }

    public List<Digest> diffIds() {
        return manifest().diffIds();
    }
}
