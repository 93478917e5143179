package dev.podlab.core.pod.manifest;

import java.util.Map;

/**
 * A ConfigMap of the manifest file: text values and binary ones, keys unique across both.
 */
public record ConfigMapManifest(ObjectMeta metadata, Map<String, String> data, Map<String, Bytes> binaryData,
                                Location location) {
    public ConfigMapManifest {
        data = ManifestMaps.copy(data);
        binaryData = ManifestMaps.copy(binaryData);
    }

    /** The value under {@code key} as bytes, text or binary; null when absent. */
    public Bytes get(String key) {
        String s = data.get(key);
        return s != null ? Bytes.utf8(s) : binaryData.get(key);
    }

    public boolean containsKey(String key) {
        return data.containsKey(key) || binaryData.containsKey(key);
    }
}
