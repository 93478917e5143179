package dev.podlab.api.server;

import dev.podlab.core.config.EngineSettings;

/**
 * A part of the engine process that lives in another module and starts with the service when its settings enable
 * it: the CRI bridge ({@code cri-bridge}, name {@code cri}). Found with {@link java.util.ServiceLoader}, so the
 * api module does not depend on it.
 */
public interface EngineExtension {
    /** Short name; {@code cri} is required when {@code settings.cri().enabled()}. */
    String name();

    boolean enabled(EngineSettings settings);

    /** Starts serving; the result is closed (before the API server) when the service closes. */
    AutoCloseable start(EngineService service);
}
