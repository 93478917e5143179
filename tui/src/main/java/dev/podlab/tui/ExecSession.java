package dev.podlab.tui;

import com.google.protobuf.ByteString;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.ExecInput;
import dev.podlab.api.v1.ExecOutput;
import dev.podlab.api.v1.ExecStart;
import io.grpc.stub.StreamObserver;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * An interactive {@code sh} in a container over the Exec stream, on the real terminal in raw mode, while
 * the workbench's screen is stopped (what {@code podlab exec -it ID sh} does).
 */
final class ExecSession {
    private ExecSession() {}

    /** Runs the shell until it exits; returns its exit status. */
    static int run(PodlabClient client, String id, String name) throws IOException {
        File tty = new File("/dev/tty");
        if (!tty.canRead()) {
            throw new IOException("a shell needs a real terminal (/dev/tty)");
        }
        System.out.print("\r\npodlab: shell in " + name + " (exit or Ctrl-D returns to the workbench)\r\n");
        System.out.flush();
        String saved = stty(tty, "-g").strip();
        stty(tty, "raw", "-echo");
        var exit = new CompletableFuture<Integer>();
        StreamObserver<ExecInput> in = client.containersAsync().exec(new StreamObserver<>() {
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
        try {
            in.onNext(ExecInput.newBuilder().setStart(ExecStart.newBuilder().setId(id).addCommand("sh").setTty(true)
                    .addEnv("TERM=" + System.getenv().getOrDefault("TERM", "xterm"))).build());
            Thread pump = Thread.ofPlatform().daemon(true).name("tui-exec-stdin").start(() -> pump(System.in, in, exit));
            try {
                return exit.get();
            } finally {
                pump.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        } finally {
            stty(tty, saved);
        }
    }

    /**
     * Copies the keyboard to the shell. It reads only what is available, so that no keystroke meant for the
     * workbench is swallowed by a read still blocked after the shell exited.
     */
    private static void pump(InputStream stdin, StreamObserver<ExecInput> in, CompletableFuture<Integer> exit) {
        byte[] buf = new byte[4096];
        try {
            while (!exit.isDone() && !Thread.currentThread().isInterrupted()) {
                int avail = stdin.available();
                if (avail <= 0) {
                    Thread.sleep(10);
                    continue;
                }
                int n = stdin.read(buf, 0, Math.min(buf.length, avail));
                if (n < 0) {
                    break;
                }
                in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFrom(buf, 0, n)).build());
            }
        } catch (IOException | RuntimeException e) {
            // The call ended under us: nothing more to send.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            in.onCompleted();
        } catch (RuntimeException e) {
            // Already closed by the server's end of the call.
        }
    }

    private static String stty(File tty, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("stty"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(tty).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }
}
