package dev.podlab.cli;

import com.google.protobuf.ByteString;
import dev.podlab.api.v1.ExecInput;
import dev.podlab.api.v1.ExecOutput;
import dev.podlab.api.v1.ExecStart;
import io.grpc.stub.StreamObserver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

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
        var exit = new CompletableFuture<Integer>();
        StreamObserver<ExecInput> in = engine.client().containersAsync().exec(new StreamObserver<>() {
            @Override
            public void onNext(ExecOutput o) {
                try {
                    switch (o.getOutputCase()) {
                        case STDOUT -> {
                            o.getStdout().writeTo(System.out);
                            System.out.flush();
                        }
                        case STDERR -> {
                            o.getStderr().writeTo(System.err);
                            System.err.flush();
                        }
                        case EXIT_CODE -> exit.complete(o.getExitCode());
                        default -> { }
                    }
                } catch (IOException e) {
                    exit.completeExceptionally(e);
                }
            }

            @Override
            public void onError(Throwable t) {
                exit.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                exit.complete(exit.getNow(0));
            }
        });
        in.onNext(ExecInput.newBuilder().setStart(start).build());
        boolean feed = interactive || tty;
        try (RawTerminal raw = tty ? RawTerminal.enter() : RawTerminal.NONE) {
            if (feed) {
                Thread.ofPlatform().daemon(true).name("exec-stdin").start(() -> pump(System.in, in));
            } else {
                in.onNext(ExecInput.newBuilder().setCloseStdin(true).build());
                in.onCompleted();
            }
            return exit.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private static void pump(InputStream stdin, StreamObserver<ExecInput> in) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = stdin.read(buf)) > 0) {
                synchronized (in) {
                    in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFrom(buf, 0, n)).build());
                }
            }
            synchronized (in) {
                in.onNext(ExecInput.newBuilder().setCloseStdin(true).build());
                in.onCompleted();
            }
        } catch (IOException | RuntimeException e) {
            // The call ended (the command exited) or our stdin broke: nothing more to send.
        }
    }

    /** The caller's terminal in raw mode for the duration of a tty exec (keys go to the container unprocessed). */
    static final class RawTerminal implements AutoCloseable {
        static final RawTerminal NONE = new RawTerminal(null);
        private final String saved;

        private RawTerminal(String saved) {
            this.saved = saved;
        }

        static RawTerminal enter() {
            if (System.console() == null) {
                return NONE;
            }
            try {
                String saved = stty("-g").strip();
                stty("raw", "-echo");
                return new RawTerminal(saved);
            } catch (IOException | InterruptedException e) {
                return NONE;
            }
        }

        private static String stty(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("stty"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        }

        @Override
        public void close() {
            if (saved != null) {
                try {
                    stty(saved);
                } catch (IOException | InterruptedException e) {
                    // Leave the terminal as it is; `reset` repairs it.
                }
            }
        }
    }
}
