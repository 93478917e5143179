package dev.podlab.core.runtime.kvm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The engine's end of the control channel: QEMU's unix socket behind the guest's virtio-serial
 * port. One reader thread hands answer lines to the request that owns their tag, so requests
 * from many threads share the one channel (the agent serves each in a process of its own).
 */
final class AgentConnection implements AutoCloseable {
    private final SocketChannel channel;
    private final BlockingQueue<String> hello = new LinkedBlockingQueue<>();
    private final Map<String, Request> pending = new ConcurrentHashMap<>();
    private final AtomicLong tags = new AtomicLong();
    // Tags differ between connections: an exec left running by an earlier engine still answers
    // under its old tag, which must not land on a new request.
    private final String tagPrefix = java.util.HexFormat.of().toHexDigits(
            java.util.concurrent.ThreadLocalRandom.current().nextInt()) + "-";
    private final Thread reader;
    private volatile String closedBecause;
    private volatile boolean closing;

    private AgentConnection(SocketChannel channel, String name) {
        this.channel = channel;
        this.reader = Thread.ofPlatform().daemon().name("kvm-agent-" + name).start(this::readLoop);
    }

    /** Connects to QEMU's socket (QEMU creates it at start-up, before the guest boots). */
    static AgentConnection connect(Path socket, Duration timeout, String name) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return new AgentConnection(ch, name);
            } catch (IOException e) {
                ch.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    /** The agent's greeting, or null when it did not come within {@code timeout}. */
    AgentProtocol.Hello awaitHello(Duration timeout) throws InterruptedException {
        String line = hello.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return line == null ? null : AgentProtocol.parseHello(line);
    }

    /**
     * Sends one request and returns its final answer ({@code ok} or {@code error}); every line
     * before it goes to {@code progress}. A timeout or a closed channel is a {@link KvmException}.
     */
    AgentProtocol.Reply call(String verb, List<String> args, Duration timeout, Consumer<AgentProtocol.Reply> progress) {
        try (Request r = begin(verb, args)) {
            return r.await(timeout, progress);
        }
    }

    /**
     * Sends one request and returns at once: the caller sends more lines under its tag
     * ({@link Request#send}, e.g. an exec's stdin) and then waits for the answer.
     */
    Request begin(String verb, List<String> args) {
        String tag = tagPrefix + tags.incrementAndGet();
        Request r = new Request(tag, verb, new LinkedBlockingQueue<>());
        pending.put(tag, r);
        try {
            r.send(verb, args);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    private void write(String line, String verb) {
        if (closedBecause != null) {
            throw new KvmException("failed to send " + verb + " to the guest agent: " + closedBecause);
        }
        ByteBuffer out = ByteBuffer.wrap(line.getBytes(StandardCharsets.ISO_8859_1));
        try {
            synchronized (channel) {
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            }
        } catch (IOException e) {
            throw new KvmException("failed to send " + verb + " to the guest agent: " + e.getMessage(), e);
        }
    }

    /**
     * One request in flight: its tag, the lines sent under it, its answers. An exec or attach with
     * stdin gets credit for its input: the agent announces a window ({@code TAG window BYTES}) and
     * acknowledges what the process's pipe took ({@code TAG ack BYTES}); {@link #sendStdin} waits
     * while a window's worth is unacknowledged, so a process that does not read its input holds up
     * its writer instead of filling the guest's memory (docs/kvm.md, "Interactive exec and attach").
     */
    final class Request implements AutoCloseable {
        private final String tag;
        private final String verb;
        private final BlockingQueue<AgentProtocol.Reply> answers;
        /** Input bytes the agent lets be unacknowledged; -1 until it says (an older agent never does). */
        private long window = -1;
        private long inFlight;
        private boolean ended;

        private Request(String tag, String verb, BlockingQueue<AgentProtocol.Reply> answers) {
            this.tag = tag;
            this.verb = verb;
            this.answers = answers;
        }

        /** Sends {@code TAG KIND ARG...} (arguments escaped as tokens). */
        void send(String kind, List<String> args) {
            write(AgentProtocol.request(tag, kind, args), verb);
        }

        /** Sends {@code TAG KIND DATA} with a data payload ({@code %00} is a NUL byte; never empty). */
        void sendData(String kind, byte[] data) {
            write(tag + " " + kind + " " + AgentProtocol.escape(data) + "\n", verb);
        }

        /**
         * Sends one {@code stdin} line, first waiting until the agent's window has room for it (woken
         * by its acks, the request's end or the channel's). Throws when the request ended meanwhile.
         */
        void sendStdin(byte[] chunk) {
            synchronized (this) {
                try {
                    while (!ended && window >= 0 && inFlight > 0 && inFlight + chunk.length > window) {
                        wait();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KvmException("failed to send stdin to the guest: interrupted", e);
                }
                if (ended) {
                    throw new KvmException("failed to send stdin to the guest: the " + verb + " ended");
                }
                inFlight += chunk.length;
            }
            sendData("stdin", chunk);
        }

        /** The agent's {@code window} and {@code ack} lines. */
        private synchronized void credit(AgentProtocol.Reply r) {
            try {
                long n = Long.parseLong(r.text().strip());
                if (r.kind().equals("window")) {
                    window = n;
                } else {
                    inFlight = Math.max(0, inFlight - n);
                }
            } catch (NumberFormatException e) {
                return; // not a number: ignored, as any unknown line
            }
            notifyAll();
        }

        private synchronized void end() {
            ended = true;
            notifyAll();
        }

        /** Waits for the final answer; every line before it goes to {@code progress}. */
        AgentProtocol.Reply await(Duration timeout, Consumer<AgentProtocol.Reply> progress) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    AgentProtocol.Reply r = left > 0 ? answers.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (r == null) {
                        throw new KvmException("failed to " + verb + " in the guest: no answer within " + timeout);
                    }
                    if (r.isFinal()) {
                        return r;
                    }
                    progress.accept(r);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvmException("failed to " + verb + " in the guest: interrupted", e);
            }
        }

        @Override
        public void close() {
            pending.remove(tag);
            end();
        }
    }

    boolean isOpen() {
        return closedBecause == null;
    }

    /**
     * Whether the channel ended without this side closing it: QEMU drops the socket only when it
     * exits, so a lost channel means the VM is gone or cannot be controlled any more.
     */
    boolean lost() {
        return closedBecause != null && !closing;
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        var line = new ByteArrayOutputStream(256);
        String why = "the VM closed the control channel";
        try {
            while (channel.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    dispatch(line.toString(StandardCharsets.ISO_8859_1));
                    line.reset();
                }
                buf.clear();
            }
        } catch (IOException e) {
            why = "the control channel failed: " + e.getMessage();
        }
        closedBecause = why;
        for (var e : pending.entrySet()) {
            e.getValue().answers.add(new AgentProtocol.Reply(e.getKey(), "error", why));
            e.getValue().end();
        }
    }

    private void dispatch(String line) {
        if (line.startsWith("hello ")) {
            hello.add(line);
            return;
        }
        AgentProtocol.Reply r = AgentProtocol.parseReply(line);
        if (r == null) {
            return;
        }
        Request req = pending.get(r.tag());
        if (req == null) {
            return;
        }
        if (r.kind().equals("window") || r.kind().equals("ack")) {
            req.credit(r);
            return;
        }
        if (r.isFinal()) {
            req.end(); // a writer waiting for credit gives up: nobody reads any more
        }
        req.answers.add(r);
    }

    @Override
    public void close() {
        closing = true;
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket whose peer (QEMU) is gone: nothing to do.
        }
    }
}
