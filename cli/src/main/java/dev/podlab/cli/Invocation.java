package dev.podlab.cli;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.core.config.EngineSettings;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * On whose behalf a command runs when it does not run in a process of its own: the engine's relay runs a
 * verb for a {@code podlab-client} on one of its threads, with the client's working directory and environment,
 * and with the engine's own settings and a shared client of its API. Commands ask here for environment
 * variables and relative paths so that both ways behave the same.
 *
 * @param cwd      the client's working directory (relative paths on its command line are relative to it)
 * @param env      the environment variables the client forwarded
 * @param settings the engine's settings (a relayed command never names another engine)
 * @param client   the engine's API, shared by every relayed command
 */
public record Invocation(Path cwd, Map<String, String> env, EngineSettings settings, PodlabClient client) {
    private static final ThreadLocal<Invocation> CURRENT = new ThreadLocal<>();

    public Invocation {
        Objects.requireNonNull(cwd, "cwd");
        env = Map.copyOf(env);
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(client, "client");
    }

    /** Runs the CLI with {@code args} on this thread on behalf of {@code invocation}; returns the exit status. */
    public static int execute(Invocation invocation, String... args) {
        return run(invocation, () -> Main.execute(args));
    }

    static int run(Invocation invocation, IntSupplier command) {
        Invocation outer = CURRENT.get();
        CURRENT.set(invocation);
        try {
            return command.getAsInt();
        } finally {
            CURRENT.set(outer);
        }
    }

    /** The relayed call this thread runs, or null in a CLI process of its own. */
    static Invocation current() {
        return CURRENT.get();
    }

    /** An environment variable of whoever gave the command. */
    static String getenv(String name) {
        Invocation i = CURRENT.get();
        return i == null ? System.getenv(name) : i.env.get(name);
    }

    /** A path from the command line, relative to the working directory of whoever gave the command. */
    static Path path(String given) {
        Invocation i = CURRENT.get();
        return i == null ? Path.of(given) : i.cwd.resolve(given);
    }
}
