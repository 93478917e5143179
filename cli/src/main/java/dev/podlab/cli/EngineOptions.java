package dev.podlab.cli;

import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.config.EngineSettingsLoader;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.sys.LibC;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every engine command shares, and the one place that opens the engine. */
public final class EngineOptions {
    @Option(names = "--root", paramLabel = "DIR",
            description = "State root (default: $PODLAB_ROOT, else stateRoot of the configuration, else /var/lib/podlab).")
    Path root;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Engine configuration (default: $PODLAB_CONFIG, else /etc/podlab/podlab.yaml when present).")
    Path config;

    private EngineSettings settings;

    /** The configuration file with the command line on top; read once per command. */
    EngineSettings settings() {
        if (settings == null) {
            EngineSettings file = config != null ? EngineSettingsLoader.loadRequired(config) : EngineSettingsLoader.loadDefault();
            Path stateRoot = root;
            String env = System.getenv("PODLAB_ROOT");
            if (stateRoot == null && env != null && !env.isBlank()) {
                stateRoot = Path.of(env);
            }
            settings = file.withOverrides(EngineSettings.Overrides.builder().stateRoot(stateRoot).build());
        }
        return settings;
    }

    Path root() {
        return settings().stateRoot();
    }

    /** The image store and snapshots of the same state root, with the configured registries. */
    ImageService images() {
        requireRoot();
        return new ImageService(root(), settings().registryConfig());
    }

    ContainerEngine open() {
        requireRoot();
        return new ContainerEngine(settings().engineConfig(CgroupManagers.host()));
    }

    private static void requireRoot() {
        if (LibC.INSTANCE.geteuid() != 0) {
            throw new ContainerException("failed to open the engine: podlab needs root for namespaces, mounts and "
                    + "cgroups (run it with sudo)");
        }
    }
}
