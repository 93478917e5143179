package dev.podlab.cli;

import dev.podlab.api.server.EngineMain;
import dev.podlab.core.config.EngineSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "engine", description = {
        "Run the engine service in the foreground (SIGTERM or Ctrl-C stops it; containers keep running).",
        "Every other command is a client of this service and starts one in the background when none runs."})
final class EngineCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--cri", description = "Also serve the Kubernetes CRI v1 (kubelet, crictl) on its own socket.")
    boolean cri;

    @Option(names = "--cri-socket", paramLabel = "PATH",
            description = "The CRI socket (default: the configuration's cri.socket, /run/podlab/cri.sock).")
    Path criSocket;

    @Override
    public Integer call() {
        EngineMain.run(settings());
        return 0;
    }

    /** The configuration with --root/--socket and the CRI switches on top. */
    EngineSettings settings() {
        EngineSettings s = engine.settings();
        if (cri || criSocket != null) {
            s = s.withOverrides(EngineSettings.Overrides.builder().criEnabled(cri ? Boolean.TRUE : null)
                    .criSocket(criSocket).build());
        }
        return s;
    }
}
