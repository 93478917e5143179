package dev.podlab.cri.stream;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * The server side of an RFC 6455 WebSocket after the handshake: whole messages in (fragments joined, client masks
 * removed, pings answered), unmasked binary messages out.
 */
final class WebSocket implements AutoCloseable {
    static final int OP_CONT = 0;
    static final int OP_TEXT = 1;
    static final int OP_BINARY = 2;
    static final int OP_CLOSE = 8;
    static final int OP_PING = 9;
    static final int OP_PONG = 10;
    /** A message bigger than this closes the connection (1009, too big). */
    static final int MAX_MESSAGE = 4 << 20;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final DataInputStream in;
    private final OutputStream out;
    private final Object writeLock = new Object();
    private volatile boolean closed;

    WebSocket(InputStream in, OutputStream out) {
        this.in = new DataInputStream(in);
        this.out = out;
    }

    /** Sec-WebSocket-Accept for a client's key (RFC 6455 section 4.2.2). */
    static String accept(String key) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /** Reads messages until the peer closes; each whole data message goes to {@code onMessage}. */
    void serve(Consumer<byte[]> onMessage) throws IOException {
        var message = new ByteArrayOutputStream();
        int messageOp = -1;
        while (!closed) {
            int b0;
            try {
                b0 = in.readUnsignedByte();
            } catch (EOFException e) {
                return;
            }
            int b1 = in.readUnsignedByte();
            boolean fin = (b0 & 0x80) != 0;
            int op = b0 & 0x0f;
            boolean masked = (b1 & 0x80) != 0;
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            if (!masked) {
                closeWith(1002, "client frames must be masked");
                return;
            }
            if (len < 0 || len + message.size() > MAX_MESSAGE) {
                closeWith(1009, "message too big");
                return;
            }
            byte[] mask = new byte[4];
            in.readFully(mask);
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            switch (op) {
                case OP_PING -> send(OP_PONG, payload);
                case OP_PONG -> { }
                case OP_CLOSE -> {
                    closeWith(payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1000, "");
                    return;
                }
                case OP_TEXT, OP_BINARY, OP_CONT -> {
                    if (op != OP_CONT) {
                        messageOp = op;
                        message.reset();
                    } else if (messageOp < 0) {
                        closeWith(1002, "continuation without a message");
                        return;
                    }
                    message.write(payload);
                    if (fin) {
                        messageOp = -1;
                        onMessage.accept(message.toByteArray());
                        message.reset();
                    }
                }
                default -> {
                    closeWith(1002, "unknown opcode " + op);
                    return;
                }
            }
        }
    }

    /** One binary message. */
    void sendBinary(byte[] data) throws IOException {
        send(OP_BINARY, data);
    }

    void send(int op, byte[] data) throws IOException {
        synchronized (writeLock) {
            if (closed && op != OP_CLOSE) {
                throw new IOException("failed to send a WebSocket message: the connection is closed");
            }
            var h = new ByteArrayOutputStream(10);
            h.write(0x80 | op);
            if (data.length < 126) {
                h.write(data.length);
            } else if (data.length <= 0xffff) {
                h.write(126);
                h.write(data.length >>> 8);
                h.write(data.length);
            } else {
                h.write(127);
                long l = data.length;
                for (int i = 7; i >= 0; i--) {
                    h.write((int) (l >>> (8 * i)));
                }
            }
            out.write(h.toByteArray());
            out.write(data);
            out.flush();
        }
    }

    /** Sends a close frame (once); the caller closes the socket. */
    void closeWith(int code, String reason) {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            byte[] p = new byte[2 + Math.min(r.length, 120)];
            p[0] = (byte) (code >>> 8);
            p[1] = (byte) code;
            System.arraycopy(r, 0, p, 2, p.length - 2);
            try {
                send(OP_CLOSE, p);
            } catch (IOException e) {
                // The peer is gone: nothing to tell it.
            }
            closed = true;
        }
    }

    @Override
    public void close() {
        closeWith(1000, "");
    }
}
