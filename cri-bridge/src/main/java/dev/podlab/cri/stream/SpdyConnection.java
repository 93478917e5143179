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
 *
 * <p>Flow control (SPDY/3.1 section 2.6.8): what the client sends is acknowledged with WINDOW_UPDATE, per stream
 * and for the session (stream 0), as the consumer takes it, half a window at a time. Sending follows the client's
 * windows (initial 64 KiB per stream, or its SETTINGS INITIAL_WINDOW_SIZE, and 64 KiB for the session, both grown
 * by its WINDOW_UPDATEs) once the client has shown it keeps them: a SETTINGS with an initial window or any
 * WINDOW_UPDATE. Until then it is sent unthrottled, because the Go spdystream that kubectl and kubelet use never
 * sends WINDOW_UPDATE: waiting for one would stall every output above 64 KiB.
 */
final class SpdyConnection implements AutoCloseable {
    /** DATA frames carry at most this much (well below the 24-bit length). */
    static final int MAX_DATA = 32 * 1024;
    /** The window every stream and the session start with in both directions (SPDY/3.1: 64 KiB). */
    static final int DEFAULT_WINDOW = 64 * 1024;

    private final SpdyCodec codec;
    private final Object writeLock = new Object();
    private final Map<Integer, SpdyStream> streams = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private int lastStreamId;
    /** Guards the send windows below and those of the streams; waited on by senders. */
    private final Object windows = new Object();
    private boolean peerFlowControl;
    private int peerInitialWindow = DEFAULT_WINDOW;
    private long sessionSendWindow = DEFAULT_WINDOW;
    /** Bytes of received DATA consumed but not yet acknowledged to the peer for the session. */
    private int sessionUnacked;

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
                        SpdyStream st;
                        synchronized (windows) {
                            st = new SpdyStream(this, s.streamId(), s.headers(), peerInitialWindow);
                        }
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
                    case SpdyFrame.WindowUpdate w -> windowUpdate(w);
                    case SpdyFrame.Settings st -> settings(st);
                    default -> {
                        // Unknown control frames: skipped, as the protocol says.
                    }
                }
            }
        } finally {
            // Resetting every stream also wakes senders waiting for a window that will never come.
            streams.values().forEach(SpdyStream::reset);
        }
    }

    private void windowUpdate(SpdyFrame.WindowUpdate w) {
        synchronized (windows) {
            peerFlowControl = true;
            if (w.streamId() == 0) {
                sessionSendWindow += w.delta();
            } else {
                SpdyStream st = streams.get(w.streamId());
                if (st != null) {
                    st.sendWindow += w.delta();
                }
            }
            windows.notifyAll();
        }
    }

    /** A new initial window changes the window of every open stream by the difference (SPDY/3.1 2.6.8). */
    private void settings(SpdyFrame.Settings s) {
        Integer initial = s.values().get(SpdyFrame.SETTINGS_INITIAL_WINDOW_SIZE);
        if (initial == null) {
            return;
        }
        synchronized (windows) {
            peerFlowControl = true;
            int delta = initial - peerInitialWindow;
            peerInitialWindow = initial;
            streams.values().forEach(st -> st.sendWindow += delta);
            windows.notifyAll();
        }
    }

    /**
     * Sends {@code data} as DATA frames of {@code st}, each within the peer's stream and session windows when it
     * keeps them (waiting for its WINDOW_UPDATE when they are spent).
     */
    void sendData(SpdyStream st, byte[] data, int off, int len) throws IOException {
        int i = 0;
        while (i < len) {
            int n;
            synchronized (windows) {
                while (peerFlowControl && (st.sendWindow <= 0 || sessionSendWindow <= 0) && !st.isReset()) {
                    try {
                        windows.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted waiting for the peer's SPDY window");
                    }
                }
                if (st.isReset()) {
                    throw new IOException("failed to write to SPDY stream " + st.id() + ": it is closed");
                }
                n = Math.min(MAX_DATA, len - i);
                if (peerFlowControl) {
                    n = (int) Math.min(n, Math.min(st.sendWindow, sessionSendWindow));
                }
                // Counted even before the peer shows flow control, so its windows are right from then on.
                st.sendWindow -= n;
                sessionSendWindow -= n;
            }
            send(new SpdyFrame.Data(st.id(), 0, java.util.Arrays.copyOfRange(data, off + i, off + i + n)));
            i += n;
        }
    }

    /** The consumer of {@code st} took {@code n} received bytes: acknowledge them, half a window at a time. */
    void consumed(SpdyStream st, int n) {
        int streamAck = 0;
        int sessionAck = 0;
        synchronized (windows) {
            st.recvUnacked += n;
            sessionUnacked += n;
            if (st.recvUnacked >= DEFAULT_WINDOW / 2) {
                streamAck = st.recvUnacked;
                st.recvUnacked = 0;
            }
            if (sessionUnacked >= DEFAULT_WINDOW / 2) {
                sessionAck = sessionUnacked;
                sessionUnacked = 0;
            }
        }
        try {
            if (streamAck > 0 && !st.remoteClosed()) {
                send(new SpdyFrame.WindowUpdate(st.id(), streamAck));
            }
            if (sessionAck > 0) {
                send(new SpdyFrame.WindowUpdate(0, sessionAck));
            }
        } catch (IOException e) {
            // The peer is gone: the reader notices and ends the connection.
        }
    }

    /** Wakes senders waiting for a window of a stream that was reset. */
    void wakeSenders() {
        synchronized (windows) {
            windows.notifyAll();
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
