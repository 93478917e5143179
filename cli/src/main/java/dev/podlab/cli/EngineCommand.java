package dev.podlab.cli;

import dev.podlab.api.server.EngineMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "engine", description = {
        "Run the engine service in the foreground (SIGTERM or Ctrl-C stops it; containers keep running).",
        "Every other command is a client of this service and starts one in the background when none runs."})
final class EngineCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        EngineMain.run(engine.settings());
        return 0;
    }
}
