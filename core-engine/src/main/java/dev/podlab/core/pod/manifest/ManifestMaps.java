package dev.podlab.core.pod.manifest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable copies that keep the order the user wrote (Map.copyOf would not). */
final class ManifestMaps {
    private ManifestMaps() {}

    static <K, V> Map<K, V> copy(Map<K, V> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
