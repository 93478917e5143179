package dev.podlab.core.image;

import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;

import java.util.List;

/**
 * One stored image as the engine and the UIs see it.
 *
 * @param reference the name it is stored under (full form)
 * @param target    what the name points at in index.json: an index or a manifest
 * @param manifest  the manifest for this host's platform (the target itself when not an index)
 * @param id        the image id: the digest of its config blob, as docker shows it
 * @param config    the parsed config blob
 * @param layers    layer descriptors, bottom first
 * @param size      sum of the compressed layer sizes plus config and manifest
 */
public record ImageRecord(ImageReference reference, Descriptor target, Descriptor manifest, Digest id,
                          ImageConfig config, List<Descriptor> layers, long size) {}
