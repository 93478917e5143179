package dev.podlab.core.image.build;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.Platform;

import java.util.List;

/**
 * One platform's manifest of a {@link BuiltImage}.
 *
 * @param platform    the platform its config names
 * @param descriptor  the manifest's descriptor (with the platform when it is an index entry)
 * @param manifest    the manifest as written
 * @param config      the config blob's descriptor
 * @param imageConfig the config as written
 * @param layers      the layer blob descriptors, bottom first
 * @param diffIds     the digests of the uncompressed layer tars, bottom first
 */
public record BuiltManifest(Platform platform, Descriptor descriptor, Manifest manifest, Descriptor config,
                            ImageConfig imageConfig, List<Descriptor> layers, List<Digest> diffIds) {
    public BuiltManifest {
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
    }

    public Digest digest() {
        return descriptor.parsedDigest();
    }

    /** The image id. */
    public Digest configDigest() {
        return config.parsedDigest();
    }

    public List<Digest> layerDigests() {
        return layers.stream().map(Descriptor::parsedDigest).toList();
    }
}
