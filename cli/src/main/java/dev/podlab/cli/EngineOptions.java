package dev.podlab.cli;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.config.EngineSettingsLoader;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.image.ImageService;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Options every engine command shares, and the one place that reaches the engine: a client of the engine
 * service for this state root, started on demand.
 */
public final class EngineOptions {
    /** Clients opened by the commands of this CLI invocation; {@link Main} closes them at the end. */
    private static final List<PodlabClient> OPEN = new ArrayList<>();

    @Option(names = "--root", paramLabel = "DIR",
            description = "State root (default: $PODLAB_ROOT, else stateRoot of the configuration, else /var/lib/podlab).")
    Path root;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Engine configuration (default: $PODLAB_CONFIG, else /etc/podlab/podlab.yaml when present).")
    Path config;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "The engine's API socket (default: the configuration's, or <root>/podlab.sock with --root).")
    Path socket;

    private EngineSettings settings;
    private PodlabClient client;

    /**
     * The configuration file with the command line on top; read once per command. A state root given on the
     * command line (or in $PODLAB_ROOT) brings its own socket and run directory inside it, so that a second
     * root never talks to the service of the first.
     */
    EngineSettings settings() {
        if (settings == null && Invocation.current() != null) {
            // Relayed by the engine: the relay declines commands that name another root, config or socket.
            settings = Invocation.current().settings();
        }
        if (settings == null) {
            EngineSettings file = config != null ? EngineSettingsLoader.loadRequired(config) : EngineSettingsLoader.loadDefault();
            Path stateRoot = root;
            String env = Invocation.getenv("PODLAB_ROOT");
            if (stateRoot == null && env != null && !env.isBlank()) {
                stateRoot = Path.of(env);
            }
            var o = EngineSettings.Overrides.builder().stateRoot(stateRoot).socket(socket);
            if (stateRoot != null) {
                Path abs = stateRoot.toAbsolutePath().normalize();
                o.runRoot(abs.resolve("run"));
                if (socket == null) {
                    o.socket(abs.resolve("podlab.sock"));
                }
            }
            settings = file.withOverrides(o.build());
        }
        return settings;
    }

    Path root() {
        return settings().stateRoot();
    }

    /** The engine service of this state root; started in the background when none runs (root only). */
    PodlabClient client() {
        if (client == null && Invocation.current() != null) {
            // The engine's own shared client: not opened per command, so not closed with them either.
            client = Invocation.current().client();
        }
        if (client == null) {
            EngineSettings s = settings();
            if (isRoot()) {
                client = PodlabClient.connectOrStart(s, config);
            } else {
                client = PodlabClient.connect(s.socket());
                if (client.ping(java.time.Duration.ofSeconds(2)) == null) {
                    client.close();
                    throw new ContainerException("failed to reach the podlab engine on " + s.socket()
                            + ": none is running, and starting one needs root (run it with sudo)");
                }
            }
            var v = client.ping(java.time.Duration.ofSeconds(5));
            if (v != null && !Path.of(v.getStateRoot()).toAbsolutePath().normalize()
                    .equals(s.stateRoot().toAbsolutePath().normalize())) {
                client.close();
                throw new ContainerException("failed to use the engine on " + s.socket() + ": it serves state root "
                        + v.getStateRoot() + ", not " + s.stateRoot() + " (give --socket or --root consistently)");
            }
            synchronized (OPEN) {
                OPEN.add(client);
            }
        }
        return client;
    }

    /**
     * How a long-lived client (the workbench) starts the engine again when it lost it and finds none answering:
     * the same start-on-demand as {@link #client()}; null when not root (starting one needs root).
     */
    Runnable engineStarter() {
        PodlabClient c = client();
        return isRoot() ? () -> c.startIfAbsent(settings(), config) : null;
    }

    /** The image store and snapshots of the same state root (for the image verbs not yet in the API). */
    ImageService images() {
        requireRoot();
        return new ImageService(root(), settings().registryConfig());
    }

    static void closeClients() {
        synchronized (OPEN) {
            OPEN.forEach(PodlabClient::close);
            OPEN.clear();
        }
    }

    /**
     * Whether the effective uid is 0, from /proc/self/status: a client command should not pay for loading a
     * native-call library (JNA runs {@code ldconfig -p} to find libc) just to ask.
     */
    static boolean isRoot() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (java.io.IOException e) {
            // No procfs: assume not root; the engine says what it needs.
        }
        return false;
    }

    private static void requireRoot() {
        if (!isRoot()) {
            throw new ContainerException("failed to open the image store: podlab needs root for namespaces, mounts "
                    + "and cgroups (run it with sudo)");
        }
    }
}
