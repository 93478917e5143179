package dev.podlab.cri.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * portforward.k8s.io over SPDY: per forwarded connection the client opens an error stream and a data stream with
 * the same {@code port} and {@code requestID} headers; the pair becomes one TCP connection to that port inside the
 * pod's network namespace. Failures go to the error stream as text.
 */
final class SpdyPortForward {
    private final StreamRequest.PortForward req;
    private final SpdyConnection conn;
    private final Map<String, SpdyStream[]> pairs = new ConcurrentHashMap<>();

    SpdyPortForward(StreamRequest.PortForward req, SpdyConnection conn) {
        this.req = req;
        this.conn = conn;
    }

    void serve() throws IOException {
        conn.serve(st -> {
            String type = st.header("streamtype");
            // requestID pairs the two streams; clients before Kubernetes 1.6 sent none: pair by port then.
            String key = st.header("requestid").isEmpty() ? "port " + st.header("port") : st.header("requestid");
            int slot = type.equals("error") ? 0 : type.equals("data") ? 1 : -1;
            if (slot < 0) {
                reset(st);
                return;
            }
            SpdyStream[] pair = pairs.computeIfAbsent(key, k -> new SpdyStream[2]);
            synchronized (pair) {
                if (pair[slot] != null) {
                    reset(st);
                    return;
                }
                pair[slot] = st;
                if (pair[0] != null && pair[1] != null) {
                    pairs.remove(key);
                    Thread.ofVirtual().name("podlab-cri-portforward").start(() -> forward(pair[0], pair[1]));
                }
            }
        });
    }

    private void reset(SpdyStream st) {
        try {
            conn.send(new SpdyFrame.RstStream(st.id(), SpdyFrame.RST_PROTOCOL_ERROR));
        } catch (IOException e) {
            // The client is gone; the reader notices.
        }
    }

    private void forward(SpdyStream error, SpdyStream data) {
        try {
            int port;
            try {
                port = Integer.parseInt(data.header("port"));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                fail(error, "invalid port header \"" + data.header("port") + "\"");
                return;
            }
            if (!req.ports().isEmpty() && !req.ports().contains(port)) {
                fail(error, "port " + port + " was not requested (the URL is for " + req.ports() + ")");
                return;
            }
            SocketChannel ch;
            try {
                ch = NetnsDialer.dial(req.netns(), port);
            } catch (IOException e) {
                fail(error, "error forwarding port " + port + " to pod " + req.sandboxId() + ": " + e.getMessage());
                return;
            }
            relay(ch, data.input(), data.output());
            error.finish();
        } catch (IOException e) {
            // The client went away: the relay is over.
        }
    }

    private static void fail(SpdyStream error, String message) throws IOException {
        error.output().write(message.getBytes(StandardCharsets.UTF_8));
        error.finish();
    }

    /**
     * Both directions, until the pod's side ends (as containerd's port forwarding does): the client's end only
     * half-closes the connection to the pod (an HTTP/1.0 client may still be waiting for its answer).
     */
    static void relay(SocketChannel ch, InputStream fromClient, OutputStream toClient) throws IOException {
        try (ch) {
            // The socket adaptor's streams read and write concurrently (no shared blocking lock).
            InputStream fromPod = ch.socket().getInputStream();
            OutputStream toPod = ch.socket().getOutputStream();
            Thread up = Thread.ofVirtual().start(() -> {
                try {
                    fromClient.transferTo(toPod);
                    ch.shutdownOutput();
                } catch (IOException e) {
                    // The pod side closed, or the relay ended and interrupted us.
                }
            });
            byte[] buf = new byte[16 * 1024];
            int n;
            try {
                while ((n = fromPod.read(buf)) > 0) {
                    toClient.write(buf, 0, n);
                }
            } catch (IOException e) {
                // The pod side reset the connection: end our half.
            }
            up.interrupt();
            toClient.close();
        }
    }
}
