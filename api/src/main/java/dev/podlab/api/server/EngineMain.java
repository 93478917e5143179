package dev.podlab.api.server;

import dev.podlab.core.PodlabException;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.config.EngineSettingsLoader;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the engine service in the foreground until SIGTERM or SIGINT: what {@code podlab engine} does and
 * what a client starts in the background when it finds no service. Options: {@code --config FILE},
 * {@code --root DIR}, {@code --run-root DIR}, {@code --socket PATH}, {@code --cgroup-parent PATH},
 * {@code --cri} (serve the CRI bridge too; takes no value), {@code --cri-socket PATH}.
 */
public final class EngineMain {
    private EngineMain() {}

    public static void main(String[] args) {
        try {
            run(parse(args));
        } catch (PodlabException | IllegalArgumentException e) {
            System.err.println("podlab engine: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Settings from the configuration file with the command line on top. */
    static EngineSettings parse(String[] args) {
        Path config = null;
        var o = EngineSettings.Overrides.builder();
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            if (key.equals("--cri")) {
                o.criEnabled(true);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("failed to parse arguments: " + key + " needs a value");
            }
            String value = args[++i];
            switch (key) {
                case "--config" -> config = Path.of(value);
                case "--root" -> o.stateRoot(Path.of(value));
                case "--run-root" -> o.runRoot(Path.of(value));
                case "--socket" -> o.socket(Path.of(value));
                case "--cgroup-parent" -> o.cgroupParent(value);
                case "--cri-socket" -> o.criSocket(Path.of(value));
                default -> throw new IllegalArgumentException("failed to parse arguments: unknown option " + key
                        + " (known: --config, --root, --run-root, --socket, --cgroup-parent, --cri, --cri-socket)");
            }
        }
        EngineSettings file = config != null ? EngineSettingsLoader.loadRequired(config)
                : EngineSettingsLoader.loadDefault();
        return file.withOverrides(o.build());
    }

    /** Serves until the JVM is asked to stop; the shutdown hook closes the service gracefully. */
    public static void run(EngineSettings settings) {
        EngineService service = EngineService.start(settings);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            closed.countDown();
        }, "podlab-engine-shutdown"));
        System.out.println("podlab engine " + Versions.podlab() + " (pid " + ProcessHandle.current().pid()
                + ") serving " + settings.stateRoot() + " on " + settings.socket()
                + (settings.cri().enabled() ? " and CRI v1 on " + settings.cri().socket() : "")
                + (service.repaired().isEmpty() ? "" : "; repaired at start: " + String.join("; ", service.repaired())));
        System.out.flush();
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
