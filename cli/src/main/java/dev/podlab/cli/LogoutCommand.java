package dev.podlab.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "logout", description = "Forget podlab's stored credentials for a registry.")
final class LogoutCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(paramLabel = "REGISTRY")
    String registry;

    @Override
    public Integer call() {
        engine.images().credentials().remove(registry);
        System.out.println("Removed credentials for " + registry);
        return 0;
    }
}
