package dev.podlab.core.runtime.kvm;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process running inside the guest, seen from the engine as a {@link Process}: its output
 * arrives as {@code out}/{@code err} lines of the agent's answer and its exit code as the final
 * {@code ok}. With {@code stdin}, what is written to {@link #getOutputStream} goes to the guest as
 * {@code stdin} lines and closing it sends {@code eof}; otherwise the process reads /dev/null.
 * {@code destroy} sends {@code cancel} (the agent kills the exec and answers {@code ok 137});
 * {@code destroyForcibly} also stops waiting for that answer.
 */
final class KvmExecProcess extends Process {
    /** Raw bytes per stdin line: escaped (at most x3) it stays under the port's 32 KiB per write. */
    static final int STDIN_CHUNK = 8192;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AgentConnection.Request request;
    private final OutputStream stdin;
    private final Sink out;
    private final Sink err;

    private final FileInputStream sizes;

    /**
     * {@code resizeFifo}: the host-side {@link dev.podlab.core.runtime.ResizeFifo} of a terminal exec
     * (or null); its records are relayed as {@code resize} lines, the first one at once, so it reaches the
     * guest's FIFO before the process starts (the exec line went out already).
     */
    KvmExecProcess(AgentConnection.Request request, boolean stdin, java.nio.file.Path resizeFifo,
                   ProcessBuilder.Redirect outRedirect, ProcessBuilder.Redirect errRedirect) throws IOException {
        this.request = request;
        this.stdin = stdin ? new StdinStream() : OutputStream.nullOutputStream();
        this.out = new Sink(outRedirect);
        this.err = new Sink(errRedirect);
        // The engine holds the FIFO open read-write, so this open does not block.
        this.sizes = resizeFifo == null ? null : new FileInputStream(resizeFifo.toFile());
        if (sizes != null) {
            relayResizes();
            Thread.ofVirtual().name("kvm-exec-resize").start(this::pollResizes);
        }
    }

    /**
     * Sends the size records waiting in the FIFO. Called every 100 ms and before each stdin write,
     * so a resize made before some input reaches the guest before that input (as on the host, where
     * the exec shim applies sizes before relaying input). {@code available()} is FIONREAD: no read blocks.
     */
    private synchronized void relayResizes() {
        if (sizes == null || exit.isDone()) {
            return;
        }
        try {
            while (sizes.available() >= 4) {
                byte[] rec = sizes.readNBytes(4);
                int rows = (rec[0] & 0xff) << 8 | rec[1] & 0xff;
                int columns = (rec[2] & 0xff) << 8 | rec[3] & 0xff;
                request.send("resize", java.util.List.of(Integer.toString(rows), Integer.toString(columns)));
            }
        } catch (IOException | KvmException e) {
            // The FIFO or the channel is gone, and the exec with it.
        }
    }

    private void pollResizes() {
        try {
            while (!exit.isDone()) {
                relayResizes();
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stdout(byte[] b) {
        out.write(b);
    }

    void stderr(byte[] b) {
        err.write(b);
    }

    synchronized void exited(int code) {
        if (exit.isDone()) {
            return;
        }
        out.close();
        err.close();
        exit.complete(code);
        if (sizes != null) {
            try {
                sizes.close();
            } catch (IOException e) {
                // Only read from: nothing is lost.
            }
        }
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return out.reader;
    }

    @Override
    public InputStream getErrorStream() {
        return err.reader;
    }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            return 137;
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            exit.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    @Override
    public int exitValue() {
        if (!exit.isDone()) {
            throw new IllegalThreadStateException("the process in the guest has not exited");
        }
        return exit.join();
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    @Override
    public void destroy() {
        if (!exit.isDone() && !cancel()) {
            exited(137);
        }
    }

    @Override
    public Process destroyForcibly() {
        if (!exit.isDone()) {
            cancel();
            exited(137);
        }
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    private boolean cancel() {
        try {
            request.send("cancel", java.util.List.of());
            return true;
        } catch (KvmException e) {
            return false;
        }
    }

    /** The process's stdin: {@code stdin} lines, {@code eof} on close. */
    private final class StdinStream extends OutputStream {
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (closed || exit.isDone()) {
                throw new IOException("the process in the guest does not take input any more");
            }
            relayResizes();
            for (int i = off; i < off + len; i += STDIN_CHUNK) {
                try {
                    request.sendStdin(java.util.Arrays.copyOfRange(b, i, Math.min(off + len, i + STDIN_CHUNK)));
                } catch (KvmException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }

        @Override
        public synchronized void close() {
            if (!closed && !exit.isDone()) {
                try {
                    request.send("eof", java.util.List.of());
                } catch (KvmException e) {
                    // The channel is gone: so is the process's other end.
                }
            }
            closed = true;
        }
    }

    /** Where one stream goes: a pipe the caller reads, a file, or nowhere. */
    private static final class Sink {
        private final QueueInputStream reader;
        private final OutputStream file;

        Sink(ProcessBuilder.Redirect r) throws IOException {
            File f = r.file();
            if (r.type() == ProcessBuilder.Redirect.Type.PIPE) {
                reader = new QueueInputStream();
                file = null;
            } else if (f != null && (r.type() == ProcessBuilder.Redirect.Type.WRITE
                    || r.type() == ProcessBuilder.Redirect.Type.APPEND)) {
                reader = QueueInputStream.empty();
                file = new FileOutputStream(f, r.type() == ProcessBuilder.Redirect.Type.APPEND);
            } else {
                reader = QueueInputStream.empty();
                file = null;
            }
        }

        synchronized void write(byte[] b) {
            if (file != null) {
                try {
                    file.write(b);
                } catch (IOException e) {
                    // The caller's file failed: the output is lost, the exit code still arrives.
                }
            } else {
                reader.offer(b);
            }
        }

        synchronized void close() {
            reader.finish();
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    // Nothing more to write anyway.
                }
            }
        }
    }

    /** An unbounded stream fed by the connection's reader thread, which must never block on a slow consumer. */
    private static final class QueueInputStream extends InputStream {
        private static final byte[] EOF = new byte[0];
        private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private byte[] current = new byte[0];
        private int pos;
        private boolean done;

        static QueueInputStream empty() {
            QueueInputStream q = new QueueInputStream();
            q.finish();
            return q;
        }

        void offer(byte[] b) {
            if (b.length > 0) {
                chunks.add(b);
            }
        }

        void finish() {
            chunks.add(EOF);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            while (pos >= current.length) {
                if (done) {
                    return -1;
                }
                try {
                    current = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                pos = 0;
                if (current == EOF) {
                    done = true;
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
