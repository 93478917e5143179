package dev.podlab.core.runtime.builtin;

import dev.podlab.core.container.ContainerException;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.runtime.AttachSession;
import dev.podlab.core.state.ContainerStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Talks to one container's podlab-shim: launches it for create, then speaks the line
 * protocol of docs/shim.md over {@code ctl.sock}.
 */
public final class ShimClient {
    private final Path shim;
    private final Path dir;

    public ShimClient(Path shimBinary, Path containerDir) {
        this.shim = shimBinary;
        this.dir = containerDir;
    }

    /** What create reported: pids, step timings and warnings. */
    public record Created(int initPid, int shimPid, List<TraceEvent> steps, List<String> warnings) {}

    /** Exit status 127/126 from the shim means the command could not be run. */
    public Created create(String containerName) {
        ProcessBuilder pb = new ProcessBuilder(shim.toString(), "create", dir.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true);
        List<TraceEvent> steps = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> other = new ArrayList<>();
        try {
            Process p = pb.start();
            String created = null;
            String error = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("step ")) {
                        steps.add(parseStep(line));
                    } else if (line.startsWith("warn ")) {
                        warnings.add(line.substring(5));
                    } else if (line.startsWith("created ")) {
                        created = line;
                    } else if (line.startsWith("error ")) {
                        error = line.substring(6);
                    } else if (!line.isBlank()) {
                        other.add(line);
                    }
                }
            }
            int status = p.waitFor();
            if (created != null && status == 0) {
                String[] f = created.split(" ");
                return new Created(Integer.parseInt(f[1]), Integer.parseInt(f[2]), steps, warnings);
            }
            String why = error != null ? error : (other.isEmpty() ? "podlab-shim exited with status " + status
                    : String.join("; ", other));
            int code = why.contains("not found in $PATH") || why.contains("No such file or directory") && why.contains("executable") ? 127
                    : why.contains("Permission denied") && why.contains("executable") ? 126 : 125;
            throw new ContainerException("failed to create container " + containerName + ": " + why, null, code);
        } catch (IOException e) {
            throw new ContainerException("failed to run podlab-shim " + shim + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("failed to create container " + containerName + ": interrupted", e);
        }
    }

    static TraceEvent parseStep(String line) {
        String[] f = line.split(" ", 5);
        return new TraceEvent(Long.parseLong(f[2]), Long.parseLong(f[3]), "shim", f[1], f.length > 4 ? f[4] : "");
    }

    /** Lets init exec the user's command; returns the shim's step timings. */
    public List<TraceEvent> start(String containerName) {
        List<String> lines = request("start", null, "start container " + containerName);
        List<TraceEvent> steps = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("step ")) {
                steps.add(parseStep(l));
            }
        }
        return steps;
    }

    public void kill(int signal, String containerName) {
        request("kill " + signal, null, "signal container " + containerName);
    }

    /** The shim opens its CRI log path again: lines after this land in the file now at that path. */
    public void reopenLog(String containerName) {
        request("reopen-log", Duration.ofSeconds(5), "reopen the log of container " + containerName);
    }

    /**
     * Attaches to the container's stdio: the {@code attach} request, then frames both ways (docs/shim.md). A daemon
     * thread reads output until the container exits or the session is closed.
     */
    public AttachSession attach(String containerName, AttachSession.Listener listener) {
        String action = "attach to container " + containerName;
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new ContainerException("failed to " + action + ": " + e.getMessage(), e);
        }
        try {
            try {
                ch.connect(UnixDomainSocketAddress.of(dir.resolve("ctl.sock")));
            } catch (IOException e) {
                throw new ShimUnreachable("failed to " + action + ": the shim is not running (" + e.getMessage() + ")", e);
            }
            ch.write(ByteBuffer.wrap("attach\n".getBytes(StandardCharsets.US_ASCII)));
            // The answer line, byte by byte: frames may follow it in the same segment.
            var line = new java.io.ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (true) {
                one.clear();
                if (ch.read(one) < 0) {
                    throw new ContainerException("failed to " + action + ": the shim closed the connection");
                }
                if (one.get(0) == '\n') {
                    break;
                }
                line.write(one.get(0));
            }
            String answer = line.toString(StandardCharsets.UTF_8);
            if (!answer.equals("ok")) {
                throw new ContainerException("failed to " + action + ": "
                        + (answer.startsWith("error ") ? answer.substring(6) : "unexpected answer \"" + answer + "\""));
            }
            return new ShimAttach(ch, listener, containerName);
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Closing after a failed attach: nothing more to undo.
            }
            if (e instanceof ContainerException ce) {
                throw ce;
            }
            throw new ContainerException("failed to " + action + ": " + e.getMessage(), e);
        }
    }

    /** The client side of an attach stream. */
    private static final class ShimAttach implements AttachSession {
        private final SocketChannel ch;
        private final Object writeLock = new Object();
        private volatile boolean closed;

        ShimAttach(SocketChannel ch, AttachSession.Listener listener, String name) {
            this.ch = ch;
            Thread.ofPlatform().daemon().name("attach-" + name).start(() -> read(listener));
        }

        private void read(AttachSession.Listener listener) {
            Optional<ExitRecord> exit = Optional.empty();
            try {
                ByteBuffer head = ByteBuffer.allocate(5);
                while (true) {
                    head.clear();
                    if (!fill(head)) {
                        break;
                    }
                    byte type = head.get(0);
                    int len = head.getInt(1);
                    if (len < 0 || len > 16 << 20) {
                        break;
                    }
                    ByteBuffer body = ByteBuffer.allocate(len);
                    if (!fill(body)) {
                        break;
                    }
                    switch (type) {
                        case 'o' -> listener.output(false, body.array());
                        case 'e' -> listener.output(true, body.array());
                        case 'x' -> exit = Optional.of(ContainerStore.JSON.readValue(body.array(), ExitRecord.class));
                        default -> { }
                    }
                }
            } catch (IOException e) {
                // A closed session or a shim that went away: the listener hears "closed" either way.
            } finally {
                close();
                listener.closed(exit);
            }
        }

        private boolean fill(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    return false;
                }
            }
            return true;
        }

        private void frame(char type, byte[] data, int off, int len) {
            ByteBuffer b = ByteBuffer.allocate(5 + len);
            b.put((byte) type).putInt(len).put(data, off, len).flip();
            synchronized (writeLock) {
                try {
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                } catch (IOException e) {
                    throw new ContainerException("failed to write to attached container: " + e.getMessage(), e);
                }
            }
        }

        @Override
        public void write(byte[] data, int offset, int length) {
            // The shim takes frames of at most 32 KiB.
            for (int o = offset; o < offset + length; o += 32768) {
                frame('i', data, o, Math.min(32768, offset + length - o));
            }
        }

        @Override
        public void closeStdin() {
            frame('c', new byte[0], 0, 0);
        }

        @Override
        public void resize(int rows, int columns) {
            byte[] p = {(byte) (rows >> 8), (byte) rows, (byte) (columns >> 8), (byte) columns};
            frame('r', p, 0, 4);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                ch.close();
            } catch (IOException e) {
                // Already gone: detaching has nothing more to do.
            }
        }
    }

    /** True while the shim answers on its control socket. */
    public boolean alive() {
        return Files.exists(dir.resolve("ctl.sock")) && tryRequest("state").isPresent();
    }

    /**
     * Waits for the container to exit and returns its record; empty when {@code timeout}
     * passes first. Blocks on the shim's answer: no polling.
     */
    public Optional<ExitRecord> awaitExit(Duration timeout) {
        Optional<ExitRecord> done = readExit();
        if (done.isPresent()) {
            return done;
        }
        try {
            request("wait", timeout, "wait for container in " + dir);
        } catch (ShimUnreachable gone) {
            // The shim exited between our check and the connect, or while closing its socket
            // (pending connections are reset): either way the record is on disk by now.
        } catch (WaitTimedOut t) {
            return Optional.empty();
        }
        return readExit();
    }

    public Optional<ExitRecord> readExit() {
        try {
            byte[] b = Files.readAllBytes(dir.resolve("exit.json"));
            return Optional.of(ContainerStore.JSON.readValue(b, ExitRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ContainerException("failed to read exit record in " + dir + ": " + e.getMessage(), e);
        }
    }

    private Optional<List<String>> tryRequest(String req) {
        try {
            return Optional.of(request(req, Duration.ofSeconds(5), "query shim"));
        } catch (ContainerException e) {
            return Optional.empty();
        }
    }

    /** The shim is not listening (it has exited). */
    public static final class ShimUnreachable extends ContainerException {
        public ShimUnreachable(String m, Throwable c) {
            super(m, c);
        }
    }

    static final class WaitTimedOut extends ContainerException {
        WaitTimedOut(String m) {
            super(m);
        }
    }

    private List<String> request(String req, Duration timeout, String action) {
        Path sock = dir.resolve("ctl.sock");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(sock));
            } catch (IOException e) {
                throw new ShimUnreachable("failed to " + action + ": the shim is not running (" + e.getMessage() + ")", e);
            }
            ByteBuffer out = ByteBuffer.wrap((req + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (IOException e) {
                // EPIPE/ECONNRESET: the shim exited while we connected; its exit record tells the rest.
                throw new ShimUnreachable("failed to " + action + ": the shim went away (" + e.getMessage() + ")", e);
            }
            String answer;
            try {
                answer = readAll(ch, timeout);
            } catch (IOException e) {
                throw new ShimUnreachable("failed to " + action + ": the shim went away (" + e.getMessage() + ")", e);
            }
            if (answer == null) {
                throw new WaitTimedOut("failed to " + action + ": no answer within " + timeout);
            }
            List<String> lines = answer.lines().toList();
            String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            if (last.startsWith("ok")) {
                return lines;
            }
            String why = last.startsWith("error ") ? last.substring(6) : "unexpected answer \"" + answer.strip() + "\"";
            throw new ContainerException("failed to " + action + ": " + why,
                    null, why.contains("not found") ? 127 : why.contains("ermission denied") ? 126 : 125);
        } catch (IOException e) {
            throw new ContainerException("failed to " + action + ": " + e.getMessage(), e);
        }
    }

    /** Reads until the shim closes the connection; null on timeout. */
    private static String readAll(SocketChannel ch, Duration timeout) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        if (timeout == null) {
            while (ch.read(buf) >= 0) {
                bytes.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ch.configureBlocking(false);
        try (Selector sel = Selector.open()) {
            ch.register(sel, SelectionKey.OP_READ);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                if (Thread.currentThread().isInterrupted()) {
                    // select() returns at once while the interrupt flag is set: without this check an
                    // interrupted waiter (an engine service closing its exit watchers) spins on a carrier for ever.
                    throw new java.io.InterruptedIOException("interrupted while waiting for the shim");
                }
                sel.select(Math.max(1, left / 1_000_000));
                sel.selectedKeys().clear();
                int n;
                while ((n = ch.read(buf)) > 0) {
                    bytes.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                if (n < 0) {
                    return bytes.toString(StandardCharsets.UTF_8);
                }
            }
        }
    }
}
