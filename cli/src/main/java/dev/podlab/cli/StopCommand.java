package dev.podlab.cli;

import dev.podlab.core.container.ContainerEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
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
        ContainerEngine e = engine.open();
        for (String c : containers) {
            e.stop(c, Duration.ofSeconds(seconds));
            System.out.println(c);
        }
        return 0;
    }
}
