package dev.podlab.cli;

import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.concurrent.Callable;

@Command(name = "logs", description = "Print a container's log (stored in Kubernetes CRI format).")
final class LogsCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-f", "--follow"}, description = "Keep printing until the container exits.")
    boolean follow;

    @Option(names = {"-t", "--timestamps"}, description = "Show each line's timestamp.")
    boolean timestamps;

    @Parameters(paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws Exception {
        print(engine.open(), container, follow, timestamps);
        return 0;
    }

    static void print(ContainerEngine e, String ref, boolean follow, boolean timestamps) throws Exception {
        var path = e.logPath(ref);
        LogFollower.read(path, follow, () -> {
            ContainerStatus s = e.inspect(ref).status();
            return s == ContainerStatus.EXITED || s == ContainerStatus.UNKNOWN;
        }, line -> emit(line, timestamps));
        System.out.flush();
    }

    private static void emit(CriLogLine l, boolean timestamps) {
        PrintStream out = l.stream().equals("stderr") ? System.err : System.out;
        if (timestamps) {
            out.print(l.time() + " ");
        }
        out.print(l.text());
        if (!l.partial()) {
            out.print('\n');
        }
    }
}
