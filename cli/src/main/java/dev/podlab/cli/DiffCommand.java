package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.core.rootfs.WritableLayer;
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
        for (WritableLayer.Change c : engine.open().changes(container)) {
            System.out.println(c.kind() + " " + c.path() + (c.size() > 0 ? "  (" + Bytes.human(c.size()) + ")" : ""));
        }
        return 0;
    }
}
