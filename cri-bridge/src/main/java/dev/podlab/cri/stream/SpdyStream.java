package dev.podlab.cri.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/** One SPDY stream opened by the client: its headers, what the client sends, and a way to answer. */
final class SpdyStream {
    private final SpdyConnection conn;
    private final int id;
    private final Map<String, List<String>> headers;
    private final Inbox inbox;
    private volatile boolean localClosed;
    private volatile boolean remoteClosed;
    private volatile boolean reset;
    /** What the peer still lets us send on this stream; guarded by the connection's window lock. */
    long sendWindow;
    /** Received bytes consumed and not yet acknowledged; guarded by the connection's window lock. */
    int recvUnacked;

    SpdyStream(SpdyConnection conn, int id, Map<String, List<String>> headers, int initialSendWindow) {
        this.conn = conn;
        this.id = id;
        this.headers = headers;
        this.sendWindow = initialSendWindow;
        this.inbox = new Inbox(n -> conn.consumed(this, n));
    }

    int id() {
        return id;
    }

    /** The first value of a (lower-case) header, or "". */
    String header(String name) {
        List<String> v = SpdyConnection.header(headers, name);
        return v.isEmpty() ? "" : v.get(0);
    }

    InputStream input() {
        return inbox;
    }

    /**
     * Writes become DATA frames within the peer's windows; close() sends an empty DATA frame with FIN (our half
     * closed).
     */
    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (localClosed) {
                    throw new IOException("failed to write to SPDY stream " + id + ": it is closed");
                }
                conn.sendData(SpdyStream.this, b, off, len);
            }

            @Override
            public void close() throws IOException {
                finish();
            }
        };
    }

    /** Half-closes our side (FIN); the stream is forgotten once both sides are closed. */
    void finish() throws IOException {
        if (!localClosed) {
            localClosed = true;
            conn.send(new SpdyFrame.Data(id, SpdyFrame.FLAG_FIN, new byte[0]));
            if (remoteClosed) {
                conn.forget(id);
            }
        }
    }

    boolean remoteClosed() {
        return remoteClosed;
    }

    boolean isReset() {
        return reset;
    }

    void received(byte[] data) {
        inbox.offer(data);
    }

    void remoteEnded() {
        remoteClosed = true;
        inbox.end();
        if (localClosed) {
            conn.forget(id);
        }
    }

    /** RST_STREAM or the connection went away: readers see the end, writers fail. */
    void reset() {
        remoteClosed = true;
        localClosed = true;
        reset = true;
        inbox.end();
        conn.wakeSenders();
    }
}
