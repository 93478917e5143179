package dev.podlab.api.client.h2;

import io.grpc.Status;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One HTTP/2 connection (RFC 9113, prior knowledge, no TLS) to the engine's unix socket, as a gRPC client needs
 * it: streams opened by this side only, no server push, flow control both ways. Blocking socket I/O: one
 * reader thread dispatches frames to the streams; writers hold a lock per frame (HEADERS with its
 * CONTINUATIONs count as one), so frames never interleave.
 */
final class H2Connection {
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int PRIORITY = 0x2;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;

    static final int NO_ERROR = 0x0;
    static final int PROTOCOL_ERROR = 0x1;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int FRAME_SIZE_ERROR = 0x6;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int COMPRESSION_ERROR = 0x9;

    private static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
    private static final int SETTINGS_ENABLE_PUSH = 0x2;
    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    private static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
    private static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DEFAULT_WINDOW = 65_535;
    private static final int DEFAULT_MAX_FRAME = 16_384;
    private static final int HEADER_TABLE_SIZE = 4096;
    private static final int MAX_HEADER_LIST_SIZE = 1 << 20;
    /** What each stream may receive ahead of the application reading it. */
    static final int STREAM_WINDOW = 1 << 20;
    /** What the whole connection may receive ahead of the application. */
    private static final int CONNECTION_WINDOW = 16 << 20;

    /** What a stream's owner (the call) hears. Called on the reader thread: must not block. */
    interface Listener {
        void onHeaders(List<HpackDecoder.Field> fields, boolean endStream);

        /** {@code data} is only valid during the call. */
        void onData(byte[] data, int offset, int length, boolean endStream);

        /** The stream ended abnormally: RST_STREAM, GOAWAY beyond its id, or the connection lost. */
        void onReset(Status status);
    }

    /** One stream; its id is set when its HEADERS go out. */
    static final class Stream {
        final Listener listener;
        int id;
        long sendWindow;
        boolean remoteClosed;
        boolean localClosed;
        boolean reset;
        int unackedReceived;

        Stream(Listener listener) {
            this.listener = listener;
        }
    }

    private final Path socket;
    private final SocketChannel channel;
    private final Runnable onClosed;
    private final Object writeLock = new Object();
    private final Object flow = new Object();
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final HpackDecoder decoder = new HpackDecoder(HEADER_TABLE_SIZE, MAX_HEADER_LIST_SIZE);
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();

    // Guarded by writeLock.
    private int nextStreamId = 1;
    // Guarded by flow.
    private long connectionSendWindow = DEFAULT_WINDOW;
    private int peerInitialWindow = DEFAULT_WINDOW;
    private int unackedConnectionReceived;
    // Written by the reader thread.
    private volatile int peerMaxFrame = DEFAULT_MAX_FRAME;
    private volatile boolean goingAway;
    private volatile boolean closeWhenIdle;
    private volatile Status closedStatus;

    private H2Connection(Path socket, SocketChannel channel, Runnable onClosed) {
        this.socket = socket;
        this.channel = channel;
        this.onClosed = onClosed;
    }

    /** Connects, sends the preface with this side's settings, and starts the reader. */
    static H2Connection open(Path socket, Runnable onClosed) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        H2Connection c = new H2Connection(socket, ch, onClosed);
        ByteBuffer hello = ByteBuffer.allocate(PREFACE.length + 9 + 5 * 6 + 9 + 4);
        hello.put(PREFACE);
        putFrameHeader(hello, 5 * 6, SETTINGS, 0, 0);
        putSetting(hello, SETTINGS_HEADER_TABLE_SIZE, HEADER_TABLE_SIZE);
        putSetting(hello, SETTINGS_ENABLE_PUSH, 0);
        putSetting(hello, SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW);
        putSetting(hello, SETTINGS_MAX_FRAME_SIZE, DEFAULT_MAX_FRAME);
        putSetting(hello, SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_SIZE);
        putFrameHeader(hello, 4, WINDOW_UPDATE, 0, 0);
        hello.putInt(CONNECTION_WINDOW - DEFAULT_WINDOW);
        hello.flip();
        try {
            synchronized (c.writeLock) {
                writeFully(ch, hello);
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        Thread.ofPlatform().daemon().name("podlab-h2-reader").start(c::readLoop);
        return c;
    }

    /** Whether new streams may be opened here (not closed, no GOAWAY, ids left). */
    boolean acceptsStreams() {
        return closedStatus == null && !goingAway && !closeWhenIdle;
    }

    boolean isClosed() {
        return closedStatus != null;
    }

    /**
     * Opens a stream: gives it the next id and sends its header block, atomically so that ids go out in order.
     *
     * @throws IOException when the connection cannot take it (closed, going away) or the write fails
     */
    void start(Stream s, byte[] headerBlock, boolean endStream) throws IOException {
        synchronized (writeLock) {
            if (!acceptsStreams()) {
                throw new IOException("connection to " + socket + " is closing");
            }
            s.id = nextStreamId;
            nextStreamId += 2;
            if (nextStreamId < 0) {
                goingAway = true;
            }
            synchronized (flow) {
                s.sendWindow = peerInitialWindow;
            }
            s.localClosed = endStream;
            streams.put(s.id, s);
            int first = Math.min(headerBlock.length, peerMaxFrame);
            boolean single = first == headerBlock.length;
            writeFrame(HEADERS, (single ? FLAG_END_HEADERS : 0) | (endStream ? FLAG_END_STREAM : 0), s.id,
                    headerBlock, 0, first);
            for (int off = first; off < headerBlock.length; ) {
                int n = Math.min(headerBlock.length - off, peerMaxFrame);
                writeFrame(CONTINUATION, off + n == headerBlock.length ? FLAG_END_HEADERS : 0, s.id, headerBlock, off, n);
                off += n;
            }
        }
    }

    /** Sends {@code data} on the stream as DATA frames, waiting for flow-control credit as needed. */
    void send(Stream s, byte[] data, boolean endStream) throws IOException {
        int off = 0;
        do {
            int n;
            synchronized (flow) {
                while (true) {
                    if (closedStatus != null) {
                        throw new IOException("connection to " + socket + " closed: " + closedStatus.getDescription());
                    }
                    if (s.reset || s.remoteClosed && !streams.containsKey(s.id)) {
                        throw new IOException("stream " + s.id + " closed");
                    }
                    int want = data.length - off;
                    long credit = Math.min(Math.min(connectionSendWindow, s.sendWindow), peerMaxFrame);
                    if (want == 0 || credit > 0) {
                        n = (int) Math.min(want, credit);
                        connectionSendWindow -= n;
                        s.sendWindow -= n;
                        break;
                    }
                    try {
                        flow.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while waiting for flow-control credit");
                    }
                }
            }
            boolean last = off + n == data.length;
            synchronized (writeLock) {
                writeFrame(DATA, last && endStream ? FLAG_END_STREAM : 0, s.id, data, off, n);
            }
            off += n;
        } while (off < data.length);
        if (endStream) {
            s.localClosed = true;
            forgetIfDone(s);
        }
    }

    /** Ends the stream abnormally from this side (RST_STREAM); nothing more is heard from it. */
    void reset(Stream s, int errorCode) {
        if (s.id == 0 || s.reset) {
            return;
        }
        s.reset = true;
        boolean known = streams.remove(s.id) != null;
        closeIfIdle();
        synchronized (flow) {
            flow.notifyAll();
        }
        if (known || !s.remoteClosed) {
            ByteBuffer p = ByteBuffer.allocate(4).putInt(errorCode);
            try {
                synchronized (writeLock) {
                    writeFrame(RST_STREAM, 0, s.id, p.array(), 0, 4);
                }
            } catch (IOException e) {
                // The connection is going down; its reader reports that to every stream.
            }
        }
    }

    /** The call is over here: a stream this side has not ended yet is reset (CANCEL), else just forgotten. */
    void finish(Stream s) {
        if (s.id == 0 || s.reset) {
            return;
        }
        if (s.localClosed && s.remoteClosed) {
            forgetIfDone(s);
        } else {
            reset(s, CANCEL);
        }
    }

    /** The application has taken {@code bytes} of the stream's DATA: the peer may send that much more. */
    void consumed(Stream s, int bytes) {
        int streamCredit = 0;
        int connectionCredit = 0;
        synchronized (flow) {
            unackedConnectionReceived += bytes;
            if (unackedConnectionReceived >= CONNECTION_WINDOW / 2) {
                connectionCredit = unackedConnectionReceived;
                unackedConnectionReceived = 0;
            }
            if (!s.remoteClosed && !s.reset) {
                s.unackedReceived += bytes;
                if (s.unackedReceived >= STREAM_WINDOW / 2) {
                    streamCredit = s.unackedReceived;
                    s.unackedReceived = 0;
                }
            }
        }
        try {
            if (connectionCredit > 0) {
                windowUpdate(0, connectionCredit);
            }
            if (streamCredit > 0) {
                windowUpdate(s.id, streamCredit);
            }
        } catch (IOException e) {
            // Reported through the reader.
        }
    }

    /** No new streams; the connection closes (GOAWAY, then the socket) once the last stream is done. */
    void shutdownWhenIdle() {
        closeWhenIdle = true;
        closeIfIdle();
    }

    /** Closes the socket; every open stream hears {@code status}. */
    void close(Status status) {
        synchronized (flow) {
            if (closedStatus != null) {
                return;
            }
            closedStatus = status;
            flow.notifyAll();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // Closing anyway.
        }
        for (Stream s : streams.values()) {
            s.reset = true;
            s.listener.onReset(status);
        }
        streams.clear();
        onClosed.run();
    }

    private void closeIfIdle() {
        if (closeWhenIdle && streams.isEmpty() && closedStatus == null) {
            try {
                ByteBuffer p = ByteBuffer.allocate(8).putInt(nextStreamIdSnapshot()).putInt(NO_ERROR);
                synchronized (writeLock) {
                    writeFrame(GOAWAY, 0, 0, p.array(), 0, 8);
                }
            } catch (IOException e) {
                // Closing anyway.
            }
            close(Status.UNAVAILABLE.withDescription("channel shut down"));
        }
    }

    private int nextStreamIdSnapshot() {
        synchronized (writeLock) {
            return Math.max(0, nextStreamId - 2);
        }
    }

    private void forgetIfDone(Stream s) {
        if (s.localClosed && s.remoteClosed) {
            streams.remove(s.id);
            closeIfIdle();
        }
    }

    // ---- reading

    private void readLoop() {
        byte[] header = new byte[9];
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        int blockStream = 0;
        boolean blockEndStream = false;
        try {
            while (true) {
                readFully(header, 9);
                int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                int type = header[3] & 0xff;
                int flags = header[4] & 0xff;
                int streamId = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8)
                        | (header[8] & 0xff);
                if (length > DEFAULT_MAX_FRAME) {
                    throw new ProtocolException(FRAME_SIZE_ERROR, "frame of " + length + " bytes above the announced "
                            + DEFAULT_MAX_FRAME);
                }
                byte[] payload = new byte[length];
                readFully(payload, length);
                if (blockStream != 0 && (type != CONTINUATION || streamId != blockStream)) {
                    throw new ProtocolException(PROTOCOL_ERROR, "expected CONTINUATION of stream " + blockStream);
                }
                switch (type) {
                    case DATA -> onData(streamId, flags, payload);
                    case HEADERS -> {
                        int off = 0;
                        int end = length;
                        if ((flags & FLAG_PADDED) != 0) {
                            end -= checkPadding(payload, length);
                            off = 1;
                        }
                        if ((flags & FLAG_PRIORITY) != 0) {
                            off += 5;
                        }
                        if (off > end || streamId == 0) {
                            throw new ProtocolException(PROTOCOL_ERROR, "malformed HEADERS frame");
                        }
                        block.reset();
                        block.write(payload, off, end - off);
                        blockEndStream = (flags & FLAG_END_STREAM) != 0;
                        if ((flags & FLAG_END_HEADERS) != 0) {
                            onHeaderBlock(streamId, block, blockEndStream);
                        } else {
                            blockStream = streamId;
                        }
                    }
                    case CONTINUATION -> {
                        if (blockStream == 0) {
                            throw new ProtocolException(PROTOCOL_ERROR, "CONTINUATION without HEADERS");
                        }
                        block.write(payload, 0, length);
                        if ((flags & FLAG_END_HEADERS) != 0) {
                            blockStream = 0;
                            onHeaderBlock(streamId, block, blockEndStream);
                        }
                    }
                    case RST_STREAM -> {
                        if (length != 4) {
                            throw new ProtocolException(FRAME_SIZE_ERROR, "RST_STREAM of " + length + " bytes");
                        }
                        onRstStream(streamId, ByteBuffer.wrap(payload).getInt());
                    }
                    case SETTINGS -> onSettings(flags, payload);
                    case PING -> {
                        if (length != 8) {
                            throw new ProtocolException(FRAME_SIZE_ERROR, "PING of " + length + " bytes");
                        }
                        if ((flags & FLAG_ACK) == 0) {
                            synchronized (writeLock) {
                                writeFrame(PING, FLAG_ACK, 0, payload, 0, 8);
                            }
                        }
                    }
                    case GOAWAY -> onGoAway(payload);
                    case WINDOW_UPDATE -> onWindowUpdate(streamId, payload);
                    case PUSH_PROMISE -> throw new ProtocolException(PROTOCOL_ERROR, "PUSH_PROMISE although push is off");
                    default -> {
                        // PRIORITY and unknown extension frames are ignored (RFC 9113, 4.1 and 5.5).
                    }
                }
            }
        } catch (ProtocolException e) {
            goAway(e.errorCode, e.getMessage());
            close(Status.INTERNAL.withDescription("HTTP/2 protocol error from the engine on " + socket + ": "
                    + e.getMessage()));
        } catch (HpackException e) {
            goAway(COMPRESSION_ERROR, e.getMessage());
            close(Status.INTERNAL.withDescription("bad header block from the engine on " + socket + ": "
                    + e.getMessage()));
        } catch (EOFException e) {
            close(Status.UNAVAILABLE.withDescription("the engine closed the connection on " + socket));
        } catch (IOException e) {
            close(Status.UNAVAILABLE.withDescription("connection to the engine on " + socket + " lost: "
                    + e.getMessage()).withCause(e));
        } catch (RuntimeException e) {
            close(Status.INTERNAL.withDescription("failed to read from the engine on " + socket + ": " + e)
                    .withCause(e));
        }
    }

    private void onData(int streamId, int flags, byte[] payload) throws ProtocolException {
        int off = 0;
        int end = payload.length;
        if ((flags & FLAG_PADDED) != 0) {
            end -= checkPadding(payload, payload.length);
            off = 1;
        }
        Stream s = streamId == 0 ? null : streams.get(streamId);
        int padding = payload.length - (end - off);
        if (s == null || s.reset) {
            // A stream already reset here: its bytes still count against the connection window; return them.
            consumedWithoutStream(payload.length);
            return;
        }
        boolean endStream = (flags & FLAG_END_STREAM) != 0;
        if (endStream) {
            s.remoteClosed = true;
        }
        if (padding > 0) {
            consumed(s, padding);
        }
        s.listener.onData(payload, off, end - off, endStream);
        if (endStream) {
            forgetIfDone(s);
        }
    }

    private void consumedWithoutStream(int bytes) {
        int credit = 0;
        synchronized (flow) {
            unackedConnectionReceived += bytes;
            if (unackedConnectionReceived >= CONNECTION_WINDOW / 2) {
                credit = unackedConnectionReceived;
                unackedConnectionReceived = 0;
            }
        }
        if (credit > 0) {
            try {
                windowUpdate(0, credit);
            } catch (IOException e) {
                // Reported through the reader.
            }
        }
    }

    private void onHeaderBlock(int streamId, ByteArrayOutputStream block, boolean endStream) throws HpackException {
        // Decoded even for unknown streams: the dynamic table must follow every block the peer encoded.
        List<HpackDecoder.Field> fields = decoder.decode(block.toByteArray(), block.size());
        Stream s = streams.get(streamId);
        if (s == null || s.reset) {
            return;
        }
        if (endStream) {
            s.remoteClosed = true;
        }
        s.listener.onHeaders(fields, endStream);
        if (endStream) {
            forgetIfDone(s);
        }
    }

    private void onRstStream(int streamId, int errorCode) {
        Stream s = streams.remove(streamId);
        if (s == null) {
            return;
        }
        s.reset = true;
        synchronized (flow) {
            flow.notifyAll();
        }
        s.listener.onReset(statusOfReset(errorCode));
        closeIfIdle();
    }

    static Status statusOfReset(int errorCode) {
        return switch (errorCode) {
            case REFUSED_STREAM -> Status.UNAVAILABLE.withDescription("the engine refused the stream");
            case CANCEL -> Status.CANCELLED.withDescription("the engine cancelled the stream");
            default -> Status.INTERNAL.withDescription("the engine reset the stream (HTTP/2 error " + errorCode + ")");
        };
    }

    private void onSettings(int flags, byte[] p) throws IOException {
        if ((flags & FLAG_ACK) != 0) {
            return;
        }
        if (p.length % 6 != 0) {
            throw new ProtocolException(FRAME_SIZE_ERROR, "SETTINGS of " + p.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        while (b.hasRemaining()) {
            int id = b.getShort() & 0xffff;
            long value = b.getInt() & 0xffffffffL;
            switch (id) {
                case SETTINGS_INITIAL_WINDOW_SIZE -> {
                    if (value > Integer.MAX_VALUE) {
                        throw new ProtocolException(FLOW_CONTROL_ERROR, "initial window " + value);
                    }
                    synchronized (flow) {
                        long delta = value - peerInitialWindow;
                        peerInitialWindow = (int) value;
                        for (Stream s : streams.values()) {
                            s.sendWindow += delta;
                        }
                        flow.notifyAll();
                    }
                }
                case SETTINGS_MAX_FRAME_SIZE -> {
                    if (value < DEFAULT_MAX_FRAME || value > 16_777_215) {
                        throw new ProtocolException(PROTOCOL_ERROR, "max frame size " + value);
                    }
                    peerMaxFrame = (int) value;
                }
                default -> {
                    // The header table size only matters to an encoder that indexes (this one does not); the
                    // concurrency limit is far above what one client opens.
                }
            }
        }
        synchronized (writeLock) {
            writeFrame(SETTINGS, FLAG_ACK, 0, p, 0, 0);
        }
    }

    private void onGoAway(byte[] p) throws ProtocolException {
        if (p.length < 8) {
            throw new ProtocolException(FRAME_SIZE_ERROR, "GOAWAY of " + p.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        int lastStreamId = b.getInt() & 0x7fffffff;
        int errorCode = b.getInt();
        String debug = new String(p, 8, p.length - 8, StandardCharsets.UTF_8);
        goingAway = true;
        Status status = Status.UNAVAILABLE.withDescription("the engine is closing the connection (GOAWAY "
                + errorCode + (debug.isEmpty() ? "" : ": " + debug) + ")");
        for (Stream s : streams.values()) {
            if (s.id > lastStreamId) {
                streams.remove(s.id);
                s.reset = true;
                s.listener.onReset(status);
            }
        }
        synchronized (flow) {
            flow.notifyAll();
        }
        shutdownWhenIdle();
    }

    private void onWindowUpdate(int streamId, byte[] p) throws ProtocolException {
        if (p.length != 4) {
            throw new ProtocolException(FRAME_SIZE_ERROR, "WINDOW_UPDATE of " + p.length + " bytes");
        }
        int increment = ByteBuffer.wrap(p).getInt() & 0x7fffffff;
        synchronized (flow) {
            if (streamId == 0) {
                connectionSendWindow += increment;
            } else {
                Stream s = streams.get(streamId);
                if (s != null) {
                    s.sendWindow += increment;
                }
            }
            flow.notifyAll();
        }
    }

    private static int checkPadding(byte[] payload, int length) throws ProtocolException {
        if (length < 1) {
            throw new ProtocolException(PROTOCOL_ERROR, "padded frame without a pad length");
        }
        int pad = payload[0] & 0xff;
        if (pad + 1 > length) {
            throw new ProtocolException(PROTOCOL_ERROR, "padding longer than the frame");
        }
        return pad;
    }

    private void readFully(byte[] dst, int len) throws IOException {
        int off = 0;
        while (off < len) {
            if (!in.hasRemaining()) {
                in.clear();
                int r = channel.read(in);
                in.flip();
                if (r < 0) {
                    throw new EOFException();
                }
                continue;
            }
            int k = Math.min(len - off, in.remaining());
            in.get(dst, off, k);
            off += k;
        }
    }

    // ---- writing

    private void windowUpdate(int streamId, int increment) throws IOException {
        ByteBuffer p = ByteBuffer.allocate(4).putInt(increment);
        synchronized (writeLock) {
            writeFrame(WINDOW_UPDATE, 0, streamId, p.array(), 0, 4);
        }
    }

    private void goAway(int errorCode, String message) {
        byte[] debug = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = ByteBuffer.allocate(8 + debug.length).putInt(0).putInt(errorCode).put(debug);
        try {
            synchronized (writeLock) {
                writeFrame(GOAWAY, 0, 0, p.array(), 0, p.capacity());
            }
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    /** Writes one frame; the caller holds {@code writeLock}. */
    private void writeFrame(int type, int flags, int streamId, byte[] payload, int off, int len) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(9);
        putFrameHeader(header, len, type, flags, streamId);
        header.flip();
        ByteBuffer body = ByteBuffer.wrap(payload, off, len);
        ByteBuffer[] both = {header, body};
        while (header.hasRemaining() || body.hasRemaining()) {
            channel.write(both);
        }
    }

    private static void putFrameHeader(ByteBuffer b, int length, int type, int flags, int streamId) {
        b.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length);
        b.put((byte) type).put((byte) flags).putInt(streamId & 0x7fffffff);
    }

    private static void putSetting(ByteBuffer b, int id, int value) {
        b.putShort((short) id).putInt(value);
    }

    private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** A connection error with its HTTP/2 error code. */
    private static final class ProtocolException extends IOException {
        final int errorCode;

        ProtocolException(int errorCode, String message) {
            super(message);
            this.errorCode = errorCode;
        }
    }
}
