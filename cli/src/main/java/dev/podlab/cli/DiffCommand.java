package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.Change;
import dev.podlab.api.v1.ContainerRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "diff", description = "Files a container added (A), changed (C) or deleted (D) in its writable layer.")
final class DiffCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() {
        for (Change c : engine.client().containers().changes(ContainerRef.newBuilder().setId(container).build())
                .getChangesList()) {
            System.out.println(c.getKind() + " " + c.getPath() + (c.getSize() > 0 ? "  (" + Bytes.human(c.getSize()) + ")" : ""));
        }
        return 0;
    }
}
