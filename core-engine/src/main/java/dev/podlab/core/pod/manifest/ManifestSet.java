package dev.podlab.core.pod.manifest;

import java.util.List;
import java.util.Optional;

/**
 * Everything a manifest file holds once parsed and validated: its pods (Pods and workload
 * templates), the ConfigMaps and Secrets they may refer to, and the {@link Report} (warnings and
 * notes; errors never reach a ManifestSet, they raise {@link ManifestException}).
 *
 * @param source the source name as shown in the report ({@code web.yaml}, {@code <stdin>})
 */
public record ManifestSet(String source, List<PodManifest> pods, List<ConfigMapManifest> configMaps,
                          List<SecretManifest> secrets, Report report) {
    public ManifestSet {
        pods = List.copyOf(pods);
        configMaps = List.copyOf(configMaps);
        secrets = List.copyOf(secrets);
    }

    public Optional<ConfigMapManifest> configMap(String namespace, String name) {
        return configMaps.stream().filter(c -> c.metadata().namespace().equals(namespace)
                && c.metadata().name().equals(name)).findFirst();
    }

    public Optional<SecretManifest> secret(String namespace, String name) {
        return secrets.stream().filter(s -> s.metadata().namespace().equals(namespace)
                && s.metadata().name().equals(name)).findFirst();
    }

    public Optional<PodManifest> pod(String name) {
        return pods.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
