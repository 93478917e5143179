package dev.podlab.api.client;

import com.google.protobuf.ByteString;
import dev.podlab.api.v1.ExecInput;
import dev.podlab.api.v1.ExecOutput;
import dev.podlab.api.v1.ExecStart;
import dev.podlab.api.v1.TerminalSize;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * An interactive exec over {@code Containers.Exec}: the command's output is copied to the given streams as it
 * arrives, input is sent with {@link #send}, and {@link #await} returns its exit status. Used by
 * {@code podlab exec} and by the workbenches' shells.
 */
public final class ExecStream {
    private final StreamObserver<ExecInput> in;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private ExecStream(PodlabClient client, OutputStream out, OutputStream err) {
        this.in = client.containersAsync().exec(new StreamObserver<>() {
            @Override
            public void onNext(ExecOutput o) {
                try {
                    switch (o.getOutputCase()) {
                        case STDOUT -> {
                            o.getStdout().writeTo(out);
                            out.flush();
                        }
                        case STDERR -> {
                            o.getStderr().writeTo(err);
                            err.flush();
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
    }

    /** Starts {@code start}'s command in its container. */
    public static ExecStream open(PodlabClient client, ExecStart start, OutputStream out, OutputStream err) {
        ExecStream s = new ExecStream(client, out, err);
        s.in.onNext(ExecInput.newBuilder().setStart(start).build());
        return s;
    }

    /** Sends input to the command (thread-safe). */
    public synchronized void send(byte[] data, int offset, int length) {
        in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFrom(data, offset, length)).build());
    }

    /** Gives the command's terminal a new size (with tty; thread-safe; ignored once the call ended). */
    public synchronized void resize(int rows, int columns) {
        try {
            in.onNext(ExecInput.newBuilder().setResize(TerminalSize.newBuilder().setRows(rows).setColumns(columns))
                    .build());
        } catch (RuntimeException e) {
            // The call already ended: there is no terminal left to size.
        }
    }

    /** Ends the command's input and our side of the call (thread-safe, idempotent in effect). */
    public synchronized void closeStdin() {
        try {
            in.onNext(ExecInput.newBuilder().setCloseStdin(true).build());
            in.onCompleted();
        } catch (RuntimeException e) {
            // The call already ended (the command exited): there is nothing left to close.
        }
    }

    public boolean done() {
        return exit.isDone();
    }

    /** Waits for the exit status; a failed call surfaces as its runtime exception. */
    public int await() throws IOException, InterruptedException {
        return outcome(exit);
    }

    /** The call's outcome; a failed call surfaces as its runtime exception (attach and exec alike). */
    static <T> T outcome(java.util.concurrent.CompletableFuture<T> end) throws IOException, InterruptedException {
        try {
            return end.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        }
    }
}
