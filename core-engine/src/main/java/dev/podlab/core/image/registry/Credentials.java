package dev.podlab.core.image.registry;

import java.util.Map;
import java.util.Optional;

/** Looks up what to log in to a registry with, by registry host ({@code docker.io}, {@code localhost:5000}). */
@FunctionalInterface
public interface Credentials {

    Optional<Credential> find(String registry);

    /** Anonymous everywhere. */
    static Credentials none() {
        return registry -> Optional.empty();
    }

    /** Fixed credentials by host, for tests and embedders. */
    static Credentials of(Map<String, Credential> byHost) {
        Map<String, Credential> copy = Map.copyOf(byHost);
        return registry -> Optional.ofNullable(copy.get(RegistryConfig.normalise(registry)))
                .or(() -> Optional.ofNullable(copy.get(registry)));
    }
}
