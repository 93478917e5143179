package dev.podlab.cri.stream;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Reads and writes SPDY/3 frames on one connection. Header blocks are zlib streams with the SPDY dictionary, one
 * compression context per direction for the whole connection (so this object is per connection, and reading and
 * writing each need their own lock: the caller's).
 */
final class SpdyCodec {
    static final int VERSION = 3;
    /** Frames bigger than this are refused (the length field allows 16 MiB; no client here sends that). */
    static final int MAX_FRAME = 1 << 20;
    /** Decompressed header blocks bigger than this are refused (a zlib bomb must not fill the heap). */
    static final int MAX_HEADER_BLOCK = 256 * 1024;

    private final DataInputStream in;
    private final OutputStream out;
    private final Inflater inflater = new Inflater();
    private final Deflater deflater = new Deflater();

    SpdyCodec(InputStream in, OutputStream out) {
        this.in = new DataInputStream(in);
        this.out = out;
        deflater.setDictionary(SpdyDictionary.BYTES);
    }

    /** The next frame; EOFException when the peer closed the connection between frames. */
    SpdyFrame read() throws IOException {
        int first = in.readInt();
        int second = in.readInt();
        int flags = second >>> 24;
        int length = second & 0xffffff;
        if (length > MAX_FRAME) {
            throw new IOException("failed to read a SPDY frame: length " + length + " above " + MAX_FRAME);
        }
        byte[] body = new byte[length];
        in.readFully(body);
        if (first >= 0) {
            return new SpdyFrame.Data(first & 0x7fffffff, flags, body);
        }
        int version = (first >>> 16) & 0x7fff;
        int type = first & 0xffff;
        if (version != VERSION) {
            throw new IOException("failed to read a SPDY frame: version " + version + ", not 3");
        }
        ByteBuffer b = ByteBuffer.wrap(body);
        try {
            return switch (type) {
                case SpdyFrame.TYPE_SYN_STREAM -> {
                    int id = b.getInt() & 0x7fffffff;
                    int assoc = b.getInt() & 0x7fffffff;
                    int pri = (b.get() & 0xff) >>> 5;
                    b.get(); // slot
                    yield new SpdyFrame.SynStream(id, assoc, pri, flags, headerBlock(b));
                }
                case SpdyFrame.TYPE_SYN_REPLY -> new SpdyFrame.SynReply(b.getInt() & 0x7fffffff, flags, headerBlock(b));
                case SpdyFrame.TYPE_HEADERS -> new SpdyFrame.Headers(b.getInt() & 0x7fffffff, flags, headerBlock(b));
                case SpdyFrame.TYPE_RST_STREAM -> new SpdyFrame.RstStream(b.getInt() & 0x7fffffff, b.getInt());
                case SpdyFrame.TYPE_SETTINGS -> settings(b);
                case SpdyFrame.TYPE_PING -> new SpdyFrame.Ping(b.getInt());
                case SpdyFrame.TYPE_GOAWAY -> new SpdyFrame.GoAway(b.getInt() & 0x7fffffff, b.remaining() >= 4 ? b.getInt() : 0);
                case SpdyFrame.TYPE_WINDOW_UPDATE -> new SpdyFrame.WindowUpdate(b.getInt() & 0x7fffffff, b.getInt() & 0x7fffffff);
                default -> new SpdyFrame.Unknown(type);
            };
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("failed to read a SPDY frame: type " + type + " shorter than its fields", e);
        }
    }

    void write(SpdyFrame f) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8);
        byte[] body;
        int flags;
        switch (f) {
            case SpdyFrame.Data d -> {
                head.putInt(d.streamId() & 0x7fffffff);
                body = d.data();
                flags = d.flags();
            }
            default -> {
                int type;
                ByteBuffer b;
                switch (f) {
                    case SpdyFrame.SynStream s -> {
                        byte[] h = compress(s.headers());
                        b = ByteBuffer.allocate(10 + h.length).putInt(s.streamId()).putInt(s.associatedId())
                                .put((byte) (s.priority() << 5)).put((byte) 0).put(h);
                        type = SpdyFrame.TYPE_SYN_STREAM;
                        flags = s.flags();
                    }
                    case SpdyFrame.SynReply s -> {
                        byte[] h = compress(s.headers());
                        b = ByteBuffer.allocate(4 + h.length).putInt(s.streamId()).put(h);
                        type = SpdyFrame.TYPE_SYN_REPLY;
                        flags = s.flags();
                    }
                    case SpdyFrame.Headers s -> {
                        byte[] h = compress(s.headers());
                        b = ByteBuffer.allocate(4 + h.length).putInt(s.streamId()).put(h);
                        type = SpdyFrame.TYPE_HEADERS;
                        flags = s.flags();
                    }
                    case SpdyFrame.RstStream r -> {
                        b = ByteBuffer.allocate(8).putInt(r.streamId()).putInt(r.status());
                        type = SpdyFrame.TYPE_RST_STREAM;
                        flags = 0;
                    }
                    case SpdyFrame.Ping p -> {
                        b = ByteBuffer.allocate(4).putInt(p.id());
                        type = SpdyFrame.TYPE_PING;
                        flags = 0;
                    }
                    case SpdyFrame.GoAway g -> {
                        b = ByteBuffer.allocate(8).putInt(g.lastGoodStreamId()).putInt(g.status());
                        type = SpdyFrame.TYPE_GOAWAY;
                        flags = 0;
                    }
                    case SpdyFrame.WindowUpdate w -> {
                        b = ByteBuffer.allocate(8).putInt(w.streamId()).putInt(w.delta());
                        type = SpdyFrame.TYPE_WINDOW_UPDATE;
                        flags = 0;
                    }
                    case SpdyFrame.Settings s -> {
                        ByteBuffer sb = ByteBuffer.allocate(4 + 8 * s.values().size()).putInt(s.values().size());
                        s.values().forEach((id, v) -> sb.putInt(id & 0xffffff).putInt(v));
                        b = sb;
                        type = SpdyFrame.TYPE_SETTINGS;
                        flags = 0;
                    }
                    default -> throw new IllegalArgumentException("failed to write SPDY frame " + f);
                }
                head.putInt(0x80000000 | (VERSION << 16) | type);
                body = b.array();
            }
        }
        head.putInt((flags << 24) | body.length);
        out.write(head.array());
        out.write(body);
        out.flush();
    }

    /** Entries of 8 bytes: flags (1), id (3), value (4); a count above what the frame holds is malformed. */
    private static SpdyFrame.Settings settings(ByteBuffer b) {
        int count = b.getInt();
        if (count < 0 || count > b.remaining() / 8) {
            throw new java.nio.BufferUnderflowException();
        }
        Map<Integer, Integer> values = new java.util.HashMap<>();
        for (int i = 0; i < count; i++) {
            values.put(b.getInt() & 0xffffff, b.getInt());
        }
        return new SpdyFrame.Settings(values);
    }

    /** Name/value block: count, then (length, name, length, value) with multiple values NUL-separated. */
    private byte[] compress(Map<String, List<String>> headers) {
        var raw = new ByteArrayOutputStream();
        putInt(raw, headers.size());
        headers.forEach((name, values) -> {
            byte[] n = name.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
            byte[] v = String.join("\0", values).getBytes(StandardCharsets.UTF_8);
            putInt(raw, n.length);
            raw.writeBytes(n);
            putInt(raw, v.length);
            raw.writeBytes(v);
        });
        deflater.setInput(raw.toByteArray());
        var z = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        // SYNC_FLUSH: the peer must be able to decode this block now, with the context kept for the next one.
        while ((n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
            z.write(buf, 0, n);
        }
        return z.toByteArray();
    }

    private Map<String, List<String>> headerBlock(ByteBuffer b) throws IOException {
        byte[] z = new byte[b.remaining()];
        b.get(z);
        inflater.setInput(z);
        var raw = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            while (true) {
                int n = inflater.inflate(buf);
                if (n > 0) {
                    raw.write(buf, 0, n);
                    if (raw.size() > MAX_HEADER_BLOCK) {
                        throw new IOException("failed to read SPDY headers: more than " + MAX_HEADER_BLOCK + " bytes");
                    }
                } else if (inflater.needsDictionary()) {
                    inflater.setDictionary(SpdyDictionary.BYTES);
                } else if (inflater.needsInput() || inflater.finished()) {
                    break;
                }
            }
        } catch (DataFormatException e) {
            throw new IOException("failed to read SPDY headers: " + e.getMessage(), e);
        }
        ByteBuffer h = ByteBuffer.wrap(raw.toByteArray());
        Map<String, List<String>> out = new LinkedHashMap<>();
        try {
            int count = h.getInt();
            if (count < 0 || count > 1024) {
                throw new IOException("failed to read SPDY headers: " + count + " pairs");
            }
            for (int i = 0; i < count; i++) {
                String name = string(h).toLowerCase(Locale.ROOT);
                List<String> values = new ArrayList<>(List.of(string(h).split("\0", -1)));
                out.merge(name, values, (a, c) -> {
                    a.addAll(c);
                    return a;
                });
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("failed to read SPDY headers: the block is truncated", e);
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return out;
    }

    private static String string(ByteBuffer h) throws IOException {
        int len = h.getInt();
        if (len < 0 || len > h.remaining()) {
            throw new IOException("failed to read SPDY headers: bad length " + len);
        }
        byte[] s = new byte[len];
        h.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void putInt(ByteArrayOutputStream o, int v) {
        o.write(v >>> 24);
        o.write(v >>> 16);
        o.write(v >>> 8);
        o.write(v);
    }

    void close() {
        inflater.end();
        deflater.end();
    }

    static boolean isEof(IOException e) {
        return e instanceof EOFException;
    }
}
