package dev.podlab.core.pod.manifest;

import java.util.Map;

/**
 * The metadata podlab keeps of an object.
 *
 * @param namespace "default" when not written
 * @param labels    in the order written
 */
public record ObjectMeta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {
    public static final String DEFAULT_NAMESPACE = "default";

    public ObjectMeta {
        labels = ManifestMaps.copy(labels);
        annotations = ManifestMaps.copy(annotations);
    }
}
