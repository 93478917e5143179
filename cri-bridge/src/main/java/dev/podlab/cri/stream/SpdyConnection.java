package dev.podlab.cri.stream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The server side of one SPDY/3.1 connection after the HTTP upgrade: the client opens streams (SYN_STREAM), each
 * is answered with SYN_REPLY and handed to {@code onStream}; DATA goes to the stream's inbox; PING is echoed.
 * SPDY flow control is not enforced in either direction (kubelet's spdystream does not either).
 */
final class SpdyConnection implements AutoCloseable {
    /** DATA frames carry at most this much (well below the 24-bit length). */
    static final int MAX_DATA = 32 * 1024;

    private final SpdyCodec codec;
    private final Object writeLock = new Object();
    private final Map<Integer, SpdyStream> streams = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private int lastStreamId;

    SpdyConnection(InputStream in, OutputStream out) {
        this.codec = new SpdyCodec(in, out);
    }

    /** Reads frames until the peer goes away or the connection is closed; runs on the caller's thread. */
    void serve(Consumer<SpdyStream> onStream) throws IOException {
        try {
            while (!closed) {
                SpdyFrame f;
                try {
                    f = codec.read();
                } catch (EOFException e) {
                    break;
                }
                switch (f) {
                    case SpdyFrame.SynStream s -> {
                        if (s.streamId() <= lastStreamId || s.streamId() % 2 == 0) {
                            send(new SpdyFrame.RstStream(s.streamId(), SpdyFrame.RST_PROTOCOL_ERROR));
                            continue;
                        }
                        lastStreamId = s.streamId();
                        var st = new SpdyStream(this, s.streamId(), s.headers());
                        streams.put(s.streamId(), st);
                        send(new SpdyFrame.SynReply(s.streamId(), 0, Map.of()));
                        if ((s.flags() & SpdyFrame.FLAG_FIN) != 0) {
                            st.remoteEnded();
                        }
                        onStream.accept(st);
                    }
                    case SpdyFrame.Data d -> {
                        SpdyStream st = streams.get(d.streamId());
                        if (st != null) {
                            st.received(d.data());
                            if ((d.flags() & SpdyFrame.FLAG_FIN) != 0) {
                                st.remoteEnded();
                            }
                        }
                    }
                    case SpdyFrame.Headers h -> {
                        SpdyStream st = streams.get(h.streamId());
                        if (st != null && (h.flags() & SpdyFrame.FLAG_FIN) != 0) {
                            st.remoteEnded();
                        }
                    }
                    case SpdyFrame.RstStream r -> {
                        SpdyStream st = streams.remove(r.streamId());
                        if (st != null) {
                            st.reset();
                        }
                    }
                    case SpdyFrame.Ping p -> send(p);
                    case SpdyFrame.GoAway g -> closed = true;
                    default -> {
                        // SETTINGS, WINDOW_UPDATE, unknown control frames: nothing to do.
                    }
                }
            }
        } finally {
            streams.values().forEach(SpdyStream::reset);
        }
    }

    void send(SpdyFrame f) throws IOException {
        synchronized (writeLock) {
            codec.write(f);
        }
    }

    void forget(int streamId) {
        streams.remove(streamId);
    }

    /** GOAWAY, then the caller closes the socket. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                send(new SpdyFrame.GoAway(lastStreamId, 0));
            } catch (IOException e) {
                // The peer is gone already: nothing to tell it.
            }
        }
    }

    static List<String> header(Map<String, List<String>> h, String name) {
        return h.getOrDefault(name, List.of());
    }
}
