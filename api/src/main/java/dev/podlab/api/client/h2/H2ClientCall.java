package dev.podlab.api.client.h2;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * One gRPC call as an HTTP/2 stream (the gRPC over HTTP/2 protocol: length-prefixed messages, status in the
 * trailers). Messages are handed to the listener only as the application requests them; the stream's
 * flow-control window is returned as they are, so a slow reader slows the engine's sender instead of
 * filling memory. States: new, started, closed (the listener heard {@code onClose}, nothing follows).
 */
final class H2ClientCall<Q, R> extends ClientCall<Q, R> implements H2Connection.Listener {
    private static final Metadata.Key<String> STATUS_KEY = Metadata.Key.of("grpc-status", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> MESSAGE_KEY = Metadata.Key.of("grpc-message", Metadata.ASCII_STRING_MARSHALLER);

    private final UnixH2Channel channel;
    private final MethodDescriptor<Q, R> method;
    private final CallOptions options;
    private final Executor callbacks;

    // Guarded by this.
    private Listener<R> listener;
    private H2Connection connection;
    private H2Connection.Stream stream;
    private boolean headersSeen;
    private String encoding = "identity";
    private int demand;
    /** Bytes received while nothing was requested: their window goes back to the engine when a request comes. */
    private int heldCredit;
    private Status pendingStatus;
    private Metadata pendingTrailers;
    private boolean closed;
    /** Set by an abnormal end (cancel, reset, deadline): messages not yet handed over are dropped. */
    private boolean dropMessages;
    private boolean halfClosed;
    private ScheduledFuture<?> deadlineTimer;
    private final Deframer deframer = new Deframer();

    H2ClientCall(UnixH2Channel channel, MethodDescriptor<Q, R> method, CallOptions options, Executor defaultExecutor) {
        this.channel = channel;
        this.method = method;
        this.options = options;
        this.callbacks = new SerialExecutor(options.getExecutor() != null ? options.getExecutor() : defaultExecutor);
    }

    @Override
    public void start(Listener<R> responseListener, Metadata headers) {
        synchronized (this) {
            if (listener != null) {
                throw new IllegalStateException("call already started");
            }
            listener = responseListener;
        }
        Deadline deadline = options.getDeadline();
        if (deadline != null && deadline.isExpired()) {
            closeNow(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded before the call started"), new Metadata());
            return;
        }
        H2Connection.Stream s = new H2Connection.Stream(this);
        try {
            H2Connection c = channel.connection();
            synchronized (this) {
                connection = c;
                stream = s;
            }
            c.start(s, requestHeaders(headers, deadline), false);
            callbacks.execute(() -> {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                }
                responseListener.onReady();
            });
        } catch (IOException e) {
            closeNow(Status.UNAVAILABLE.withDescription("failed to connect to the engine on " + channel.socket() + ": "
                    + e.getMessage()).withCause(e), new Metadata());
            return;
        }
        if (deadline != null) {
            long nanos = deadline.timeRemaining(TimeUnit.NANOSECONDS);
            ScheduledFuture<?> timer = channel.scheduler().schedule(() -> expire(nanos), nanos, TimeUnit.NANOSECONDS);
            synchronized (this) {
                if (closed) {
                    timer.cancel(false);
                } else {
                    deadlineTimer = timer;
                }
            }
        }
    }

    private byte[] requestHeaders(Metadata extra, Deadline deadline) {
        HpackEncoder e = new HpackEncoder()
                .indexed(3) // :method POST
                .indexed(6) // :scheme http
                .field(":path", "/" + method.getFullMethodName())
                .field(":authority", channel.authority())
                .field("content-type", "application/grpc")
                .field("te", "trailers")
                .field("user-agent", "podlab-client");
        if (deadline != null) {
            long ms = Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS));
            e.field("grpc-timeout", ms <= 99_999_999 ? ms + "m" : Math.min(99_999_999, ms / 1000) + "S");
        }
        for (String key : extra.keys()) {
            if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                for (byte[] v : extra.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))) {
                    e.field(key, Base64.getEncoder().withoutPadding().encodeToString(v));
                }
            } else {
                for (String v : extra.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
                    e.field(key, v);
                }
            }
        }
        return e.toByteArray();
    }

    @Override
    public void request(int numMessages) {
        synchronized (this) {
            demand += numMessages;
            if (demand < 0) {
                demand = Integer.MAX_VALUE;
            }
            drain();
            if (demand > 0 && heldCredit > 0 && connection != null) {
                connection.consumed(stream, heldCredit);
                heldCredit = 0;
            }
        }
    }

    @Override
    public void cancel(String message, Throwable cause) {
        H2Connection c;
        H2Connection.Stream s;
        synchronized (this) {
            if (closed || listener == null) {
                return;
            }
            c = connection;
            s = stream;
        }
        if (c != null) {
            c.reset(s, H2Connection.CANCEL);
        }
        Status status = Status.CANCELLED;
        if (message != null) {
            status = status.withDescription(message);
        }
        closeNow(cause != null ? status.withCause(cause) : status, new Metadata());
    }

    @Override
    public void halfClose() {
        H2Connection c;
        H2Connection.Stream s;
        synchronized (this) {
            if (closed || halfClosed) {
                return;
            }
            halfClosed = true;
            c = connection;
            s = stream;
        }
        try {
            c.send(s, new byte[0], true);
        } catch (IOException e) {
            // The reader reports the connection's fate; a stream already closed needs nothing more.
        }
    }

    @Override
    public void sendMessage(Q message) {
        H2Connection c;
        H2Connection.Stream s;
        synchronized (this) {
            if (closed) {
                return;
            }
            c = connection;
            s = stream;
        }
        byte[] frame;
        try (InputStream body = method.streamRequest(message)) {
            byte[] bytes = body.readAllBytes();
            frame = new byte[5 + bytes.length];
            frame[1] = (byte) (bytes.length >>> 24);
            frame[2] = (byte) (bytes.length >>> 16);
            frame[3] = (byte) (bytes.length >>> 8);
            frame[4] = (byte) bytes.length;
            System.arraycopy(bytes, 0, frame, 5, bytes.length);
        } catch (IOException e) {
            cancel("failed to encode the request", e);
            return;
        }
        try {
            c.send(s, frame, false);
        } catch (IOException e) {
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            c.reset(s, H2Connection.CANCEL);
            closeNow(Status.UNAVAILABLE.withDescription("failed to send to the engine: " + e.getMessage()).withCause(e),
                    new Metadata());
        }
    }

    @Override
    public boolean isReady() {
        synchronized (this) {
            return !closed && !halfClosed;
        }
    }

    // ---- from the connection's reader thread

    @Override
    public void onHeaders(List<HpackDecoder.Field> fields, boolean endStream) {
        Metadata md = new Metadata();
        String httpStatus = null;
        String contentType = null;
        String grpcStatus = null;
        String grpcMessage = null;
        for (HpackDecoder.Field f : fields) {
            switch (f.name()) {
                case ":status" -> httpStatus = f.value();
                case "content-type" -> contentType = f.value();
                case "grpc-status" -> grpcStatus = f.value();
                case "grpc-message" -> grpcMessage = f.value();
                case "grpc-encoding" -> {
                    synchronized (this) {
                        encoding = f.value();
                    }
                }
                default -> {
                }
            }
            if (!f.name().startsWith(":")) {
                put(md, f);
            }
        }
        boolean first;
        synchronized (this) {
            first = !headersSeen;
            headersSeen = true;
        }
        if (first) {
            Status bad = checkResponseHeaders(httpStatus, contentType, grpcStatus);
            if (bad != null) {
                if (!endStream) {
                    connection.reset(stream, H2Connection.CANCEL);
                }
                closeNow(bad, md);
                return;
            }
            if (!endStream) {
                synchronized (this) {
                    if (!closed) {
                        Listener<R> l = listener;
                        callbacks.execute(() -> deliverHeaders(l, md));
                    }
                }
                return;
            }
        } else if (!endStream) {
            closeAbnormally(Status.INTERNAL.withDescription("the engine sent a second header block before the trailers"));
            return;
        }
        // Trailers (or trailers only): the call ends once every message before them is delivered.
        Status status = grpcStatus == null
                ? Status.INTERNAL.withDescription("the engine's reply has no grpc-status")
                : statusOf(grpcStatus, grpcMessage);
        synchronized (this) {
            if (deframer.partial()) {
                status = Status.INTERNAL.withDescription("the engine's reply ended inside a message");
            }
            pendingStatus = status;
            pendingTrailers = md;
            drain();
        }
    }

    @Override
    public void onData(byte[] data, int offset, int length, boolean endStream) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!headersSeen) {
                closeAbnormallyLocked(Status.INTERNAL.withDescription("the engine sent data before headers"));
                return;
            }
            deframer.add(data, offset, length);
            if (endStream) {
                closeAbnormallyLocked(Status.INTERNAL.withDescription("the engine ended the stream without trailers"));
                return;
            }
            drain();
            // Bytes of a message the application is waiting for go back to the window at once (however large the
            // message); bytes nobody asked for yet wait, which is what slows a sender down.
            if (demand > 0) {
                connection.consumed(stream, length + heldCredit);
                heldCredit = 0;
            } else {
                heldCredit += length;
            }
        }
    }

    @Override
    public void onReset(Status status) {
        closeNow(status, new Metadata());
    }

    // ---- delivery

    /** Hands over what the application asked for; then the close, once nothing is left. Holds this. */
    private void drain() {
        if (closed) {
            return;
        }
        long oversized = deframer.headSize();
        if (oversized > channel.maxInboundMessageSize()) {
            closeAbnormallyLocked(Status.RESOURCE_EXHAUSTED.withDescription("the engine's reply message of " + oversized
                    + " bytes is larger than the limit of " + channel.maxInboundMessageSize()));
            return;
        }
        byte[] m;
        while (demand > 0 && (m = deframer.next()) != null) {
            demand--;
            byte[] message = m;
            Listener<R> l = listener;
            callbacks.execute(() -> deliverMessage(l, message));
        }
        if (pendingStatus != null && !deframer.hasMessage()) {
            closeLocked(pendingStatus, pendingTrailers, false);
        }
    }

    private void deliverHeaders(Listener<R> l, Metadata md) {
        try {
            l.onHeaders(md);
        } catch (Throwable t) {
            cancel("the response listener failed", t);
        }
    }

    private void deliverMessage(Listener<R> l, byte[] message) {
        String enc;
        synchronized (this) {
            if (dropMessages) {
                return;
            }
            enc = encoding;
        }
        R response;
        try {
            response = method.parseResponse(decode(message, enc));
        } catch (IOException | RuntimeException e) {
            cancel("failed to read the engine's reply to " + method.getFullMethodName(), e);
            return;
        }
        try {
            l.onMessage(response);
        } catch (Throwable t) {
            cancel("the response listener failed", t);
        }
    }

    private InputStream decode(byte[] message, String enc) throws IOException {
        boolean compressed = message[0] != 0;
        InputStream raw = new ByteArrayInputStream(message, 5, message.length - 5);
        if (!compressed) {
            return raw;
        }
        if (enc.equals("gzip")) {
            return new ByteArrayInputStream(new GZIPInputStream(raw).readAllBytes());
        }
        throw new IOException("compressed with unsupported encoding \"" + enc + "\"");
    }

    private void expire(long nanos) {
        H2Connection c;
        H2Connection.Stream s;
        synchronized (this) {
            if (closed) {
                return;
            }
            c = connection;
            s = stream;
        }
        c.reset(s, H2Connection.CANCEL);
        closeNow(Status.DEADLINE_EXCEEDED.withDescription(String.format("deadline exceeded after %.3f s",
                nanos / 1e9)), new Metadata());
    }

    private void closeAbnormally(Status status) {
        synchronized (this) {
            closeAbnormallyLocked(status);
        }
    }

    private void closeAbnormallyLocked(Status status) {
        if (closed) {
            return;
        }
        if (connection != null) {
            connection.reset(stream, H2Connection.CANCEL);
        }
        closeLocked(status, new Metadata(), true);
    }

    private void closeNow(Status status, Metadata trailers) {
        synchronized (this) {
            closeLocked(status, trailers, true);
        }
    }

    /** Schedules the listener's close after what is queued; {@code abnormal} drops undelivered messages. */
    private void closeLocked(Status status, Metadata trailers, boolean abnormal) {
        if (closed || listener == null) {
            return;
        }
        closed = true;
        dropMessages = abnormal;
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        if (connection != null) {
            // Ended before this side half-closed (a streaming reply, an error): free the stream at the engine too.
            connection.finish(stream);
        }
        Listener<R> l = listener;
        callbacks.execute(() -> l.onClose(status, trailers));
    }

    // ---- helpers

    private static Status checkResponseHeaders(String httpStatus, String contentType, String grpcStatus) {
        if (!"200".equals(httpStatus)) {
            int http = httpStatus == null ? -1 : parseOr(httpStatus, -1);
            Status.Code code = switch (http) {
                case 400, 431 -> Status.Code.INTERNAL;
                case 401 -> Status.Code.UNAUTHENTICATED;
                case 403 -> Status.Code.PERMISSION_DENIED;
                case 404 -> Status.Code.UNIMPLEMENTED;
                case 429, 502, 503, 504 -> Status.Code.UNAVAILABLE;
                default -> Status.Code.UNKNOWN;
            };
            return Status.fromCode(code).withDescription("the engine answered HTTP status " + httpStatus);
        }
        if (grpcStatus == null && (contentType == null || !contentType.startsWith("application/grpc"))) {
            return Status.UNKNOWN.withDescription("the engine answered content-type " + contentType);
        }
        return null;
    }

    private static Status statusOf(String code, String message) {
        int c = parseOr(code, -1);
        Status s = c < 0 ? Status.UNKNOWN.withDescription("bad grpc-status \"" + code + "\"") : Status.fromCodeValue(c);
        return message == null ? s : s.withDescription(percentDecode(message));
    }

    private static int parseOr(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** grpc-message is UTF-8 with every byte outside printable ASCII (and '%') written as %XX. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            out.write(ch);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void put(Metadata md, HpackDecoder.Field f) {
        try {
            if (f.name().endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                md.put(Metadata.Key.of(f.name(), Metadata.BINARY_BYTE_MARSHALLER), Base64.getDecoder().decode(
                        f.value().strip()));
            } else {
                md.put(Metadata.Key.of(f.name(), Metadata.ASCII_STRING_MARSHALLER), f.value());
            }
        } catch (IllegalArgumentException e) {
            // A name gRPC's metadata does not accept (or bad base64): not something a caller can read anyway.
        }
    }

    /** Splits the stream's DATA into gRPC messages: 1 byte compressed flag, 4 bytes length, the message. */
    private static final class Deframer {
        private byte[] buf = new byte[0];
        private int start;
        private int end;

        void add(byte[] data, int off, int len) {
            if (end + len > buf.length) {
                int live = end - start;
                byte[] next = live + len <= buf.length ? buf : new byte[Math.max(buf.length * 2, live + len)];
                System.arraycopy(buf, start, next, 0, live);
                buf = next;
                start = 0;
                end = live;
            }
            System.arraycopy(data, off, buf, end, len);
            end += len;
        }

        /** The size announced by the next message's prefix, or -1 before its prefix is complete. */
        long headSize() {
            return end - start >= 5 ? length() : -1;
        }

        private long length() {
            return ((buf[start + 1] & 0xffL) << 24) | ((buf[start + 2] & 0xff) << 16) | ((buf[start + 3] & 0xff) << 8)
                    | (buf[start + 4] & 0xff);
        }

        boolean hasMessage() {
            return end - start >= 5 && end - start >= 5 + length();
        }

        boolean partial() {
            return end > start && !hasMessage();
        }

        /** The next whole message with its 5-byte prefix, or null. */
        byte[] next() {
            if (!hasMessage()) {
                return null;
            }
            int total = 5 + (int) length();
            byte[] m = java.util.Arrays.copyOfRange(buf, start, start + total);
            start += total;
            if (start == end) {
                start = 0;
                end = 0;
            }
            return m;
        }
    }
}
