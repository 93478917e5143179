package dev.podlab.cri.stream;

import dev.podlab.core.container.ContainerEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The CRI streaming server: HTTP on 127.0.0.1 only, one path per issued URL ({@code /exec/TOKEN},
 * {@code /attach/TOKEN}, {@code /portforward/TOKEN}), upgraded to SPDY/3.1 or WebSocket as the client asks, then
 * the Kubernetes remotecommand (v4) or portforward protocol. Tokens come from the CRI calls ({@link #issue}).
 */
public final class StreamServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamServer.class);
    /** The head of an upgrade request must arrive within this; after the upgrade there is no timeout. */
    private static final int HEAD_TIMEOUT_MS = 10_000;

    private final ServerSocket listener;
    private final StreamTokens tokens;
    private final ContainerEngine engine;
    private final Thread acceptor;
    private final Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private StreamServer(ServerSocket listener, StreamTokens tokens, ContainerEngine engine) {
        this.listener = listener;
        this.tokens = tokens;
        this.engine = engine;
        this.acceptor = Thread.ofPlatform().name("podlab-cri-stream").daemon().unstarted(this::acceptLoop);
    }

    /** Listens on 127.0.0.1:{@code port} (0: a free one). */
    public static StreamServer start(int port, ContainerEngine engine, Clock clock) throws IOException {
        var ss = new ServerSocket();
        try {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException e) {
            ss.close();
            throw new IOException("failed to listen on 127.0.0.1:" + port + " for CRI streaming: " + e.getMessage(), e);
        }
        var s = new StreamServer(ss, new StreamTokens(clock), engine);
        s.acceptor.start();
        return s;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Stores the request and returns the single-use URL the client connects to. */
    public String issue(StreamRequest request) {
        return "http://127.0.0.1:" + port() + "/" + request.kind() + "/" + tokens.put(request);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the streaming listener: {}", e.toString());
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    LOG.warn("failed to accept a streaming connection: {}", e.toString());
                }
                continue;
            }
            open.add(s);
            Thread.ofVirtual().name("podlab-cri-stream-conn").start(() -> {
                try {
                    handle(s);
                } catch (IOException e) {
                    LOG.debug("streaming connection ended: {}", e.toString());
                } catch (RuntimeException e) {
                    LOG.warn("streaming connection failed: {}", e.toString(), e);
                } finally {
                    open.remove(s);
                    closeQuietly(s);
                }
            });
        }
    }

    private void handle(Socket s) throws IOException {
        s.setSoTimeout(HEAD_TIMEOUT_MS);
        s.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(s.getInputStream());
        OutputStream out = new BufferedOutputStream(s.getOutputStream());
        HttpHead head;
        try {
            head = HttpHead.read(in);
        } catch (IOException e) {
            respond(out, 400, "Bad Request", e.getMessage());
            return;
        }
        String[] parts = head.path().split("/");
        if (!head.method().equals("GET") && !head.method().equals("POST")) {
            respond(out, 405, "Method Not Allowed", "only GET and POST");
            return;
        }
        if (parts.length != 3 || !parts[0].isEmpty()) {
            respond(out, 404, "Not Found", "no such path");
            return;
        }
        Optional<StreamRequest> req = tokens.take(parts[2]).filter(r -> r.kind().equals(parts[1]));
        if (req.isEmpty()) {
            respond(out, 404, "Not Found", "unknown or expired token");
            return;
        }
        s.setSoTimeout(0);
        String upgrade = head.header("upgrade");
        if (upgrade.equalsIgnoreCase("websocket")) {
            webSocket(s, head, in, out, req.get());
        } else if (head.headerTokens("upgrade").stream().anyMatch(u -> u.equalsIgnoreCase("SPDY/3.1"))) {
            spdy(s, head, in, out, req.get());
        } else {
            respond(out, 400, "Bad Request", "upgrade to SPDY/3.1 or websocket required");
        }
    }

    // ---- SPDY -----------------------------------------------------------------------------------

    private void spdy(Socket s, HttpHead head, InputStream in, OutputStream out, StreamRequest req) throws IOException {
        List<String> supported = switch (req) {
            case StreamRequest.Stdio x -> List.of(Protocols.REMOTECOMMAND_V4);
            case StreamRequest.PortForward p -> List.of(Protocols.PORTFORWARD);
        };
        List<String> offered = head.headerTokens("x-stream-protocol-version");
        Optional<String> chosen = offered.stream().filter(supported::contains).findFirst();
        if (chosen.isEmpty()) {
            respond(out, 403, "Forbidden", "X-Stream-Protocol-Version must be one of " + supported + ", got " + offered,
                    "X-Accepted-Stream-Protocol-Versions: " + String.join(", ", supported));
            return;
        }
        LOG.info("{} over SPDY/3.1 ({}) from {}", req.kind(), chosen.get(), s.getRemoteSocketAddress());
        writeHead(out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                + "X-Stream-Protocol-Version: " + chosen.get() + "\r\n\r\n");
        try (var conn = new SpdyConnection(in, out)) {
            switch (req) {
                case StreamRequest.Stdio x -> new SpdyExec(engine, x, conn, () -> finish(s)).serve();
                case StreamRequest.PortForward p -> new SpdyPortForward(p, conn).serve();
            }
        } catch (SocketException e) {
            // The exec ended and closed the socket under the reader, or the client went away.
        }
    }

    // ---- WebSocket ------------------------------------------------------------------------------

    private void webSocket(Socket s, HttpHead head, InputStream in, OutputStream out, StreamRequest req)
            throws IOException {
        String key = head.header("sec-websocket-key");
        if (key.isEmpty() || !head.header("sec-websocket-version").equals("13")) {
            respond(out, 400, "Bad Request", "a WebSocket handshake needs Sec-WebSocket-Key and version 13");
            return;
        }
        List<String> supported = switch (req) {
            case StreamRequest.Stdio x -> List.of(Protocols.CHANNEL_V5, Protocols.CHANNEL_V4);
            case StreamRequest.PortForward p -> List.of(Protocols.PORTFORWARD, Protocols.CHANNEL_V4);
        };
        List<String> offered = head.headerTokens("sec-websocket-protocol");
        Optional<String> chosen = offered.stream().filter(supported::contains).findFirst();
        if (chosen.isEmpty()) {
            respond(out, 400, "Bad Request", "Sec-WebSocket-Protocol must be one of " + supported + ", got " + offered);
            return;
        }
        LOG.info("{} over WebSocket ({}) from {}", req.kind(), chosen.get(), s.getRemoteSocketAddress());
        writeHead(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + WebSocket.accept(key) + "\r\nSec-WebSocket-Protocol: " + chosen.get()
                + "\r\n\r\n");
        try (var ws = new WebSocket(in, out)) {
            switch (req) {
                case StreamRequest.Stdio x -> new WsExec(engine, x, ws, chosen.get().equals(Protocols.CHANNEL_V5),
                        () -> finish(s)).serve();
                case StreamRequest.PortForward p -> new WsPortForward(p, head, ws, () -> finish(s)).serve();
            }
        } catch (SocketException e) {
            // The exec ended and closed the socket under the reader, or the client went away.
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private static void respond(OutputStream out, int code, String reason, String body, String... extra)
            throws IOException {
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        var h = new StringBuilder("HTTP/1.1 " + code + " " + reason + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + b.length + "\r\nConnection: close\r\n");
        for (String e : extra) {
            h.append(e).append("\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    private static void writeHead(OutputStream out, String head) throws IOException {
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /**
     * The end of a session: our direction is shut down (the client reads everything, then sees the end) and the
     * socket closed a little later, so that a client still sending does not get its last data reset.
     */
    static void finish(Socket s) {
        try {
            s.shutdownOutput();
        } catch (IOException e) {
            // Already closed.
        }
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(s);
        });
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Closing: nothing to do about a failure.
        }
    }
}
