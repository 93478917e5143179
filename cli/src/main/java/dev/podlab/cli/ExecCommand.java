package dev.podlab.cli;

import dev.podlab.core.container.ExecRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "exec", description = "Run a command inside a running container (its namespaces, cgroups and limits).")
final class ExecCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Extra environment variable.")
    List<String> env = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory.")
    String workdir;

    @Option(names = {"-t", "--tty"}, description = "Allocate a terminal.")
    boolean tty;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        var req = new ExecRequest(command, env, workdir, null, null, tty);
        Process p = engine.open().execProcess(container, req, ProcessBuilder.Redirect.INHERIT,
                ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT);
        return p.waitFor();
    }
}
