package dev.podlab.cli;

import dev.podlab.api.v1.StopContainerRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "stop", description = "Send SIGTERM, then SIGKILL after the grace period.")
final class StopCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Grace period (default ${DEFAULT-VALUE}).")
    int seconds = 10;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> containers;

    @Override
    public Integer call() {
        for (String c : containers) {
            engine.client().containers().stop(StopContainerRequest.newBuilder().setId(c).setGraceSeconds(seconds)
                    .setHasGrace(true).build());
            System.out.println(c);
        }
        return 0;
    }
}
