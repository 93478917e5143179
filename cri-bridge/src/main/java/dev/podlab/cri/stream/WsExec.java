package dev.podlab.cri.stream;

import dev.podlab.core.container.ContainerEngine;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * remotecommand (exec and attach) over WebSocket ({@code v4.channel.k8s.io}, {@code v5.channel.k8s.io}): every binary
 * message starts with its channel byte (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5 adds 255 close, whose next
 * byte names the channel the client will not write to again). The error channel gets the metav1.Status, then the
 * close.
 */
final class WsExec {
    private final ContainerEngine engine;
    private final StreamRequest.Stdio x;
    private final WebSocket ws;
    private final boolean v5;
    private final Runnable done;

    WsExec(ContainerEngine engine, StreamRequest.Stdio x, WebSocket ws, boolean v5, Runnable done) {
        this.engine = engine;
        this.x = x;
        this.ws = ws;
        this.v5 = v5;
        this.done = done;
    }

    void serve() throws IOException {
        Inbox stdin = x.stdin() ? new Inbox() : null;
        Inbox resize = x.tty() ? new Inbox() : null;
        var gone = new java.util.concurrent.CompletableFuture<Void>();
        Thread.ofVirtual().name("podlab-cri-exec").start(() -> {
            byte[] status = ExecRunner.run(engine, x, stdin, x.stdout() ? channel(ws, Protocols.STDOUT) : null,
                    x.stderr() && !x.tty() ? channel(ws, Protocols.STDERR) : null, resize, gone);
            try {
                ws.sendBinary(prefixed(Protocols.ERROR, status, 0, status.length));
            } catch (IOException e) {
                // The client went away before the end: nobody to tell.
            }
            ws.close();
            done.run();
        });
        try {
            ws.serve(msg -> {
                if (msg.length == 0) {
                    return;
                }
                int ch = msg[0] & 0xff;
                byte[] data = Arrays.copyOfRange(msg, 1, msg.length);
                if (ch == Protocols.STDIN && stdin != null) {
                    stdin.offer(data);
                } else if (ch == Protocols.RESIZE && resize != null) {
                    resize.offer(data);
                } else if (ch == Protocols.CLOSE && v5 && data.length > 0 && data[0] == Protocols.STDIN
                        && stdin != null) {
                    stdin.end();
                }
            });
        } finally {
            gone.complete(null);
            if (stdin != null) {
                stdin.end();
            }
            if (resize != null) {
                resize.end();
            }
        }
    }

    /** Writes become messages on one channel. */
    static OutputStream channel(WebSocket ws, int channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ws.sendBinary(prefixed(channel, b, off, len));
            }
        };
    }

    static byte[] prefixed(int channel, byte[] b, int off, int len) {
        byte[] m = new byte[len + 1];
        m[0] = (byte) channel;
        System.arraycopy(b, off, m, 1, len);
        return m;
    }
}
