package dev.podlab.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "kill", description = "Send a signal to a container's init process.")
final class KillCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-s", "--signal"}, description = "Signal number or name (default ${DEFAULT-VALUE}).")
    String signal = "KILL";

    @Parameters(paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() {
        engine.open().kill(container, Signals.parse(signal));
        return 0;
    }
}
