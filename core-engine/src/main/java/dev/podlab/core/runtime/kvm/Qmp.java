package dev.podlab.core.runtime.kvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podlab.core.state.ContainerStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A QEMU Machine Protocol client on QEMU's unix socket: JSON objects, one per line. After the
 * greeting, {@code qmp_capabilities} leaves negotiation mode; each {@code execute} is answered by
 * one {@code return} or {@code error} object, and asynchronous {@code event} objects may come in
 * between. Used one command at a time, from one thread.
 */
final class Qmp implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;

    private Qmp(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    /** Connects (QEMU creates the socket at start-up), reads the greeting and leaves negotiation mode. */
    static Qmp connect(Path socket, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                Qmp qmp = new Qmp(ch);
                JsonNode greeting = qmp.next();
                if (!greeting.has("QMP")) {
                    qmp.close();
                    throw new IOException("QEMU's monitor did not greet with QMP: " + greeting);
                }
                qmp.execute("qmp_capabilities", Map.of());
                return qmp;
            } catch (IOException e) {
                ch.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    /** Runs one command and returns its {@code return} value; an {@code error} answer is an IOException. */
    JsonNode execute(String command, Map<String, ?> arguments) throws IOException {
        ObjectNode req = ContainerStore.JSON.createObjectNode().put("execute", command);
        if (!arguments.isEmpty()) {
            req.set("arguments", ContainerStore.JSON.valueToTree(arguments));
        }
        ByteBuffer out = ByteBuffer.wrap((ContainerStore.JSON.writeValueAsString(req) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        while (true) {
            JsonNode answer = next();
            if (answer.has("return")) {
                return answer.get("return");
            }
            if (answer.has("error")) {
                throw new IOException(command + ": " + answer.path("error").path("desc").asText(answer.toString()));
            }
            // An asynchronous event: not the answer.
        }
    }

    /**
     * Waits until {@code query-migrate} reports the migration finished, woken by QEMU's
     * {@code MIGRATION} events (the {@code events} capability must be on); returns the final
     * {@code query-migrate} answer, or throws when it failed or took longer than {@code timeout}.
     */
    JsonNode awaitMigration(Duration timeout) throws IOException, InterruptedException {
        CompletableFuture<String> done = CompletableFuture.supplyAsync(() -> {
            try {
                while (true) {
                    JsonNode ev = next();
                    String status = ev.path("data").path("status").asText("");
                    if (ev.path("event").asText().equals("MIGRATION")
                            && (status.equals("completed") || status.equals("failed") || status.equals("cancelled"))) {
                        return status;
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        String status;
        try {
            status = done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("migration did not finish within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IOException("lost QEMU's monitor during the migration: " + e.getCause().getMessage(), e);
        }
        JsonNode info = execute("query-migrate", Map.of());
        if (!status.equals("completed")) {
            throw new IOException("migration " + status + ": " + info.path("error-desc").asText(info.toString()));
        }
        return info;
    }

    private JsonNode next() throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IOException("QEMU closed its monitor");
        }
        return ContainerStore.JSON.readTree(line);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // QEMU is gone: nothing to close.
        }
    }
}
