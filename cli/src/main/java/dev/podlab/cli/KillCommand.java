package dev.podlab.cli;

import dev.podlab.api.v1.KillContainerRequest;
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
        int number = Signals.parse(signal);
        engine.client().containers().kill(KillContainerRequest.newBuilder().setId(container).setSignal(number).build());
        return 0;
    }
}
