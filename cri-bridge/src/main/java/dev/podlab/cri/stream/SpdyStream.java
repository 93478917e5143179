package dev.podlab.cri.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** One SPDY stream opened by the client: its headers, what the client sends, and a way to answer. */
final class SpdyStream {
    private final SpdyConnection conn;
    private final int id;
    private final Map<String, List<String>> headers;
    private final Inbox inbox = new Inbox();
    private volatile boolean localClosed;
    private volatile boolean remoteClosed;

    SpdyStream(SpdyConnection conn, int id, Map<String, List<String>> headers) {
        this.conn = conn;
        this.id = id;
        this.headers = headers;
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

    /** Writes become DATA frames; close() sends an empty DATA frame with FIN (our half closed). */
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
                for (int i = 0; i < len; i += SpdyConnection.MAX_DATA) {
                    int n = Math.min(SpdyConnection.MAX_DATA, len - i);
                    conn.send(new SpdyFrame.Data(id, 0, Arrays.copyOfRange(b, off + i, off + i + n)));
                }
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
        inbox.end();
    }
}
