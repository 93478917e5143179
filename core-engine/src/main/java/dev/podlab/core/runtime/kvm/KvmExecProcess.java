package dev.podlab.core.runtime.kvm;

import java.io.File;
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
 * {@code ok}. stdin is not forwarded (reads see end of file). {@code destroy} stops waiting and
 * reports 137; the guest process itself runs on until it ends (no remote kill yet).
 */
final class KvmExecProcess extends Process {
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final Sink out;
    private final Sink err;

    KvmExecProcess(ProcessBuilder.Redirect outRedirect, ProcessBuilder.Redirect errRedirect) throws IOException {
        this.out = new Sink(outRedirect);
        this.err = new Sink(errRedirect);
    }

    void stdout(byte[] b) {
        out.write(b);
    }

    void stderr(byte[] b) {
        err.write(b);
    }

    void exited(int code) {
        out.close();
        err.close();
        exit.complete(code);
    }

    @Override
    public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
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
        exited(137);
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
