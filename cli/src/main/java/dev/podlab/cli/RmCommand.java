package dev.podlab.cli;

import dev.podlab.api.v1.RemoveContainerRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "rm", description = "Remove containers: their cgroups, rootfs snapshot and state.")
final class RmCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-f", "--force"}, description = "Kill running containers first.")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> containers;

    @Override
    public Integer call() {
        for (String c : containers) {
            engine.client().containers().remove(RemoveContainerRequest.newBuilder().setId(c).setForce(force).build());
            System.out.println(c);
        }
        return 0;
    }
}
