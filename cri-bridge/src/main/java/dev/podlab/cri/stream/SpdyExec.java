package dev.podlab.cri.stream;

import dev.podlab.core.container.ContainerEngine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * remotecommand v4 over SPDY, for exec and attach alike: the client opens one stream per {@code streamType} (error,
 * stdin, stdout, stderr, resize) as the request said; once all are there the command runs (or the attach begins); at
 * the end the stdout and stderr streams are closed and the error stream carries the metav1.Status (Success, or
 * NonZeroExitCode with the exit code).
 */
final class SpdyExec {
    /** Streams must all be opened within this (kubelet allows 30 s too). */
    static final long STREAM_CREATION_TIMEOUT_MS = 30_000;

    private final ContainerEngine engine;
    private final StreamRequest.Stdio x;
    private final SpdyConnection conn;
    private final Runnable done;
    private final Map<String, SpdyStream> streams = new ConcurrentHashMap<>();
    private final Set<String> expected = new HashSet<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<Void> gone = new CompletableFuture<>();

    SpdyExec(ContainerEngine engine, StreamRequest.Stdio x, SpdyConnection conn, Runnable done) {
        this.engine = engine;
        this.x = x;
        this.conn = conn;
        this.done = done;
        expected.add("error");
        if (x.stdin()) {
            expected.add("stdin");
        }
        if (x.stdout()) {
            expected.add("stdout");
        }
        if (x.stderr() && !x.tty()) {
            expected.add("stderr");
        }
        if (x.tty()) {
            expected.add("resize");
        }
    }

    void serve() throws IOException {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(STREAM_CREATION_TIMEOUT_MS);
            } catch (InterruptedException e) {
                return;
            }
            if (!started.get()) {
                conn.close();
                done.run();
            }
        });
        try {
            serveStreams();
        } finally {
            gone.complete(null);
        }
    }

    private void serveStreams() throws IOException {
        conn.serve(st -> {
            String type = st.header("streamtype");
            if (!expected.contains(type) || streams.putIfAbsent(type, st) != null) {
                try {
                    conn.send(new SpdyFrame.RstStream(st.id(), SpdyFrame.RST_PROTOCOL_ERROR));
                } catch (IOException e) {
                    // The client is gone; the reader notices.
                }
                return;
            }
            if (streams.keySet().containsAll(expected) && started.compareAndSet(false, true)) {
                Thread.ofVirtual().name("podlab-cri-exec").start(this::run);
            }
        });
    }

    private void run() {
        SpdyStream error = streams.get("error");
        InputStream stdin = in("stdin");
        InputStream resize = in("resize");
        OutputStream stdout = out("stdout");
        OutputStream stderr = out("stderr");
        byte[] status = ExecRunner.run(engine, x, stdin, stdout, stderr, resize, gone);
        try {
            for (String t : new String[] {"stdout", "stderr"}) {
                if (streams.containsKey(t)) {
                    streams.get(t).finish();
                }
            }
            error.output().write(status);
            error.finish();
        } catch (IOException e) {
            // The client went away before the end: nobody to tell.
        }
        conn.close();
        done.run();
    }

    private InputStream in(String type) {
        SpdyStream s = streams.get(type);
        return s == null ? null : s.input();
    }

    private OutputStream out(String type) {
        SpdyStream s = streams.get(type);
        return s == null ? null : s.output();
    }
}
