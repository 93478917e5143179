package dev.podlab.cli;

import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.container.EngineConfig;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.sys.LibC;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every engine command shares, and the one place that opens the engine. */
public final class EngineOptions {
    @Option(names = "--root", paramLabel = "DIR",
            description = "State root (default: $PODLAB_ROOT or /var/lib/podlab).")
    Path root;

    Path root() {
        return root != null ? root : EngineConfig.rootFromEnvironment();
    }

    /** The image store and snapshots of the same state root. */
    ImageService images() {
        requireRoot();
        return ImageService.forRoot(root());
    }

    private static void requireRoot() {
        if (LibC.INSTANCE.geteuid() != 0) {
            throw new ContainerException("failed to open the engine: podlab needs root for namespaces, mounts and "
                    + "cgroups (run it with sudo)");
        }
    }

    ContainerEngine open() {
        requireRoot();
        return new ContainerEngine(EngineConfig.forRoot(root()));
    }
}
