package dev.podlab.api.client;

import com.google.protobuf.ByteString;
import dev.podlab.api.v1.AttachInput;
import dev.podlab.api.v1.AttachOutput;
import dev.podlab.api.v1.AttachStart;
import dev.podlab.api.v1.TerminalSize;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.OutputStream;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * An attach over {@code Containers.Attach}: the container's output is copied to the given streams as it arrives,
 * input goes with {@link #send}, and {@link #await} returns its exit code, or empty when the stream was detached.
 * Used by {@code podlab attach}.
 */
public final class AttachStream {
    private final StreamObserver<AttachInput> in;
    private final CompletableFuture<OptionalInt> end = new CompletableFuture<>();
    private volatile OptionalInt exit = OptionalInt.empty();

    private AttachStream(PodlabClient client, OutputStream out, OutputStream err) {
        this.in = client.containersAsync().attach(new StreamObserver<>() {
            @Override
            public void onNext(AttachOutput o) {
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
                        case EXIT_CODE -> exit = OptionalInt.of(o.getExitCode());
                        default -> { }
                    }
                } catch (IOException e) {
                    end.completeExceptionally(e);
                }
            }

            @Override
            public void onError(Throwable t) {
                end.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                end.complete(exit);
            }
        });
    }

    /** Attaches to container {@code id} (name or id). */
    public static AttachStream open(PodlabClient client, String id, OutputStream out, OutputStream err) {
        AttachStream s = new AttachStream(client, out, err);
        s.in.onNext(AttachInput.newBuilder().setStart(AttachStart.newBuilder().setId(id)).build());
        return s;
    }

    /** Sends input to the container's stdin (thread-safe). */
    public synchronized void send(byte[] data, int offset, int length) {
        in.onNext(AttachInput.newBuilder().setStdin(ByteString.copyFrom(data, offset, length)).build());
    }

    /** This client's input ended (with stdinOnce the container's stdin closes). */
    public synchronized void closeStdin() {
        in.onNext(AttachInput.newBuilder().setCloseStdin(true).build());
    }

    /** The terminal's size changed. */
    public synchronized void resize(int rows, int columns) {
        in.onNext(AttachInput.newBuilder().setResize(TerminalSize.newBuilder().setRows(rows).setColumns(columns))
                .build());
    }

    /** Detaches: the container keeps running. */
    public synchronized void detach() {
        try {
            in.onCompleted();
        } catch (RuntimeException e) {
            // The call already ended (the container exited): nothing to detach from.
        }
    }

    public boolean done() {
        return end.isDone();
    }

    /** Waits for the end: the exit code when the container exited, empty when detached. */
    public OptionalInt await() throws IOException, InterruptedException {
        return ExecStream.outcome(end);
    }
}
