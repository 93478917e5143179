package dev.podlab.core.image.unpack;

import com.github.luben.zstd.ZstdOutputStream;
import dev.podlab.core.image.Digest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes layer tars byte by byte (ustar headers plus PAX records), so tests can build the
 * malformed and malicious layers a real tar writer would refuse to produce: absolute names,
 * '..', NUL bytes, sizes larger than the data. Modifiers (owner, mode, xattr...) apply to
 * the entry added last.
 */
public final class LayerTar {
    private static final class Entry {
        String name;
        char type;
        byte[] data = new byte[0];
        String link = "";
        int mode;
        long uid;
        long gid;
        long mtime = 1_700_000_000L;
        int major;
        int minor;
        final Map<String, String> pax = new LinkedHashMap<>();
        Long declaredSize;
        boolean paxName;
    }

    private final List<Entry> entries = new ArrayList<>();
    private boolean endMarker = true;
    private int truncateTo = -1;

    private LayerTar add(String name, char type, int mode) {
        Entry e = new Entry();
        e.name = name;
        e.type = type;
        e.mode = mode;
        entries.add(e);
        return this;
    }

    private Entry last() {
        return entries.get(entries.size() - 1);
    }

    public LayerTar dir(String name) {
        return add(name, '5', 0755);
    }

    public LayerTar dir(String name, int mode) {
        return add(name, '5', mode);
    }

    public LayerTar file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public LayerTar file(String name, byte[] content, int mode) {
        add(name, '0', mode);
        last().data = content;
        return this;
    }

    public LayerTar symlink(String name, String target) {
        add(name, '2', 0777);
        last().link = target;
        return this;
    }

    public LayerTar hardlink(String name, String target) {
        add(name, '1', 0644);
        last().link = target;
        return this;
    }

    public LayerTar fifo(String name) {
        return add(name, '6', 0644);
    }

    public LayerTar charDevice(String name, int major, int minor) {
        add(name, '3', 0666);
        last().major = major;
        last().minor = minor;
        return this;
    }

    public LayerTar blockDevice(String name, int major, int minor) {
        add(name, '4', 0660);
        last().major = major;
        last().minor = minor;
        return this;
    }

    /** {@code .wh.<base>} next to {@code path}. */
    public LayerTar whiteout(String path) {
        int slash = path.lastIndexOf('/');
        String dir = slash < 0 ? "" : path.substring(0, slash + 1);
        return file(dir + ".wh." + path.substring(slash + 1), "");
    }

    /** {@code <dir>/.wh..wh..opq}. */
    public LayerTar opaque(String dir) {
        return file((dir.isEmpty() ? "" : dir + "/") + ".wh..wh..opq", "");
    }

    public LayerTar owner(long uid, long gid) {
        last().uid = uid;
        last().gid = gid;
        return this;
    }

    public LayerTar mode(int mode) {
        last().mode = mode;
        return this;
    }

    public LayerTar mtime(long epochSeconds) {
        last().mtime = epochSeconds;
        return this;
    }

    public LayerTar xattr(String name, String value) {
        last().pax.put("SCHILY.xattr." + name, value);
        return this;
    }

    public LayerTar pax(String key, String value) {
        last().pax.put(key, value);
        return this;
    }

    /** Put the name in a PAX "path" record (needed for NUL bytes and very long names). */
    public LayerTar paxName() {
        last().paxName = true;
        return this;
    }

    /** The header claims {@code size} bytes; the tar then ends (no data, no end marker). */
    public LayerTar declaredSize(long size) {
        last().declaredSize = size;
        return this;
    }

    public LayerTar noEndMarker() {
        endMarker = false;
        return this;
    }

    /** Cut the finished tar after {@code bytes}. */
    public LayerTar truncateTo(int bytes) {
        truncateTo = bytes;
        return this;
    }

    public byte[] tar() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry e : entries) {
            Map<String, String> pax = new LinkedHashMap<>(e.pax);
            byte[] nameBytes = e.name.getBytes(StandardCharsets.UTF_8);
            if (e.paxName || nameBytes.length > 100) {
                pax.put("path", e.name);
            }
            if (e.link.getBytes(StandardCharsets.UTF_8).length > 100) {
                pax.put("linkpath", e.link);
            }
            if (!pax.isEmpty()) {
                byte[] body = paxBody(pax);
                out.writeBytes(header("PaxHeaders/entry", 'x', body.length, "", 0644, 0, 0, e.mtime, 0, 0));
                writePadded(out, body);
            }
            String headerName = pax.containsKey("path") ? "pax-named" : e.name;
            String headerLink = pax.containsKey("linkpath") ? "pax-link" : e.link;
            long size = e.declaredSize != null ? e.declaredSize : e.data.length;
            out.writeBytes(header(headerName, e.type, size, headerLink, e.mode, e.uid, e.gid, e.mtime, e.major, e.minor));
            if (e.declaredSize != null) {
                out.writeBytes(e.data);
                return out.toByteArray(); // the data the header promised never comes
            }
            writePadded(out, e.data);
        }
        if (endMarker) {
            out.writeBytes(new byte[1024]);
        }
        byte[] all = out.toByteArray();
        if (truncateTo >= 0 && truncateTo < all.length) {
            return java.util.Arrays.copyOf(all, truncateTo);
        }
        return all;
    }

    public Digest diffId() {
        return Digest.sha256(tar());
    }

    public byte[] gzip() {
        return gzip(tar());
    }

    public byte[] zstd() {
        return zstd(tar());
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] zstd(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public InputStream stream() {
        return new ByteArrayInputStream(tar());
    }

    private static void writePadded(ByteArrayOutputStream out, byte[] data) {
        out.writeBytes(data);
        int pad = (512 - data.length % 512) % 512;
        out.writeBytes(new byte[pad]);
    }

    private static byte[] paxBody(Map<String, String> pax) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (var kv : pax.entrySet()) {
            byte[] rec = (" " + kv.getKey() + "=" + kv.getValue() + "\n").getBytes(StandardCharsets.UTF_8);
            int len = rec.length + 1;
            while (String.valueOf(len).length() + rec.length != len) {
                len = String.valueOf(len).length() + rec.length;
            }
            out.writeBytes(String.valueOf(len).getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(rec);
        }
        return out.toByteArray();
    }

    private static byte[] header(String name, char type, long size, String link, int mode, long uid, long gid,
                                 long mtime, int major, int minor) {
        byte[] h = new byte[512];
        put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 265, 32, "root".getBytes(StandardCharsets.US_ASCII));
        put(h, 297, 32, "root".getBytes(StandardCharsets.US_ASCII));
        octal(h, 329, 8, major);
        octal(h, 337, 8, minor);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] ck = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(ck, 0, h, 148, 8);
        return h;
    }

    private static void put(byte[] h, int off, int len, byte[] v) {
        System.arraycopy(v, 0, h, off, Math.min(len, v.length));
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        put(h, off, len - 1, padded.getBytes(StandardCharsets.US_ASCII));
    }
}
