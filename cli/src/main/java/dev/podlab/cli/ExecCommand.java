package dev.podlab.cli;

import dev.podlab.api.client.ExecStream;
import dev.podlab.api.client.RawTerminal;
import dev.podlab.api.v1.ExecStart;
import dev.podlab.api.v1.TerminalSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
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

    @Option(names = {"-i", "--interactive"}, description = "Pass standard input to the command.")
    boolean interactive;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        var start = ExecStart.newBuilder().setId(container).addAllCommand(command).addAllEnv(env).setTty(tty);
        if (workdir != null) {
            start.setWorkingDir(workdir);
        }
        boolean feed = interactive || tty;
        boolean terminal = tty && System.console() != null;
        int[] size = terminal ? RawTerminal.size() : null;
        if (size != null) {
            start.setSize(TerminalSize.newBuilder().setRows(size[0]).setColumns(size[1]));
        }
        try (RawTerminal raw = terminal ? RawTerminal.enter() : null) {
            ExecStream exec = ExecStream.open(engine.client(), start.build(), System.out, System.err);
            RawTerminal.Subscription resizes = terminal ? RawTerminal.onResize(s -> exec.resize(s[0], s[1])) : null;
            if (feed) {
                Thread.ofPlatform().daemon(true).name("exec-stdin").start(() -> pump(System.in, exec));
            } else {
                exec.closeStdin();
            }
            try {
                return exec.await();
            } finally {
                if (resizes != null) {
                    resizes.close();
                }
            }
        }
    }

    private static void pump(InputStream stdin, ExecStream exec) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = stdin.read(buf)) > 0) {
                exec.send(buf, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            // The call ended (the command exited) or our stdin broke: nothing more to send.
        }
        exec.closeStdin();
    }
}
