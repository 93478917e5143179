package dev.podlab.core.runtime.kvm;

import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.runtime.AttachSession;
import dev.podlab.core.state.ContainerStore;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An attach to a container in the guest: the agent's {@code attach} request relays the guest shim's
 * attach frames as lines ({@code out}, {@code err}, {@code exit}; docs/kvm.md, "Interactive exec and
 * attach"), and this side's input goes as {@code stdin}/{@code eof}/{@code resize} lines under the
 * request's tag. Closing sends {@code cancel}: the agent drops the connection, the shim sees the client go.
 */
final class KvmAttach implements AttachSession {
    private final AgentConnection.Request request;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KvmAttach(AgentConnection.Request request) {
        this.request = request;
    }

    /** Sends {@code attach ID} and returns once the guest shim accepted it; its refusal is a {@link ContainerException}. */
    static KvmAttach open(AgentConnection agent, String id, String name, Listener listener, Duration timeout) {
        String action = "attach to container " + name;
        AgentConnection.Request request = agent.begin("attach", List.of(id));
        var session = new KvmAttach(request);
        CompletableFuture<String> ready = new CompletableFuture<>(); // null once attached, else why not
        Thread.ofPlatform().daemon().name("kvm-attach-" + name).start(() -> {
            var exit = new AtomicReference<Optional<ExitRecord>>(Optional.empty());
            try (request) {
                AgentProtocol.Reply end = request.await(Duration.ofDays(365), r -> {
                    switch (r.kind()) {
                        case "attached" -> ready.complete(null);
                        case "out" -> listener.output(false, r.data());
                        case "err" -> listener.output(true, r.data());
                        case "exit" -> exit.set(parseExit(r.data()));
                        default -> { }
                    }
                });
                ready.complete(end.kind().equals("ok") ? "the agent ended the attach at once" : end.message());
            } catch (RuntimeException e) {
                ready.complete(PodlabException.describe(e));
            }
            session.closed.set(true);
            if (ready.join() == null) {
                listener.closed(exit.get());
            }
        });
        String why;
        try {
            why = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            why = "the guest agent did not answer within " + timeout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        if (why != null) {
            session.close();
            throw new ContainerException("failed to " + action + ": " + why);
        }
        return session;
    }

    private static Optional<ExitRecord> parseExit(byte[] json) {
        try {
            return Optional.of(ContainerStore.JSON.readValue(json, ExitRecord.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void write(byte[] data, int offset, int length) {
        for (int o = offset; o < offset + length; o += KvmExecProcess.STDIN_CHUNK) {
            byte[] chunk = Arrays.copyOfRange(data, o, Math.min(offset + length, o + KvmExecProcess.STDIN_CHUNK));
            send(() -> request.sendStdin(chunk));
        }
    }

    @Override
    public void closeStdin() {
        send(() -> request.send("eof", List.of()));
    }

    @Override
    public void resize(int rows, int columns) {
        int r = Math.clamp(rows, 1, 0xffff);
        int c = Math.clamp(columns, 1, 0xffff);
        send(() -> request.send("resize", List.of(Integer.toString(r), Integer.toString(c))));
    }

    private void send(Runnable line) {
        if (closed.get()) {
            return;
        }
        try {
            line.run();
        } catch (KvmException e) {
            throw new ContainerException("failed to write to attached container: " + e.getMessage(), e);
        }
    }

    /** Detaches: {@code cancel} makes the agent drop its connection to the guest shim. */
    @Override
    public void close() {
        if (!closed.getAndSet(true)) {
            try {
                request.send("cancel", List.of());
            } catch (KvmException gone) {
                // No channel, no attach left to end.
            }
        }
    }
}
