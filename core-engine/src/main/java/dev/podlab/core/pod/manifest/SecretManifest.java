package dev.podlab.core.pod.manifest;

import java.util.Map;

/**
 * A Secret of the manifest file with its values decoded: {@code data} is base64 in the file,
 * {@code stringData} is plain text and wins over {@code data} for the same key (as in Kubernetes).
 *
 * @param type the Secret type as written ("Opaque" when absent); podlab treats every type alike
 */
public record SecretManifest(ObjectMeta metadata, String type, Map<String, Bytes> data, Location location) {
    public SecretManifest {
        data = ManifestMaps.copy(data);
    }
}
