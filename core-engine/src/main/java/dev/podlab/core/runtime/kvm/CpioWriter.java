package dev.podlab.core.runtime.kvm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes the "newc" cpio format (magic 070701) the kernel unpacks as an initramfs: per entry a
 * 110-byte ASCII header of thirteen 8-digit hex fields, the NUL-terminated name, padding to 4 bytes,
 * the data, padding to 4 bytes; the archive ends with an entry named {@code TRAILER!!!}.
 * Timestamps are 0 and owners root, so the same inputs give the same bytes.
 */
public final class CpioWriter implements AutoCloseable {
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFCHR = 0020000;
    private static final String TRAILER = "TRAILER!!!";

    private final OutputStream out;
    private long written;
    private int ino = 1;
    private boolean finished;

    public CpioWriter(OutputStream out) {
        this.out = out;
    }

    public void directory(String name, int perm) throws IOException {
        entry(name, S_IFDIR | perm, 0, 0, new byte[0]);
    }

    public void file(String name, int perm, byte[] data) throws IOException {
        entry(name, S_IFREG | perm, 0, 0, data);
    }

    public void charDevice(String name, int perm, int major, int minor) throws IOException {
        entry(name, S_IFCHR | perm, major, minor, new byte[0]);
    }

    private void entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
        if (finished) {
            throw new IllegalStateException("cpio archive already finished");
        }
        if (name.isEmpty() || name.startsWith("/") || name.contains("\0")) {
            throw new IllegalArgumentException("cpio entry name must be relative and non-empty: " + name);
        }
        header(name, mode, (mode & S_IFDIR) == S_IFDIR ? 2 : 1, data.length, rdevMajor, rdevMinor);
        write(data);
        pad();
    }

    private void header(String name, int mode, int nlink, int size, int rdevMajor, int rdevMinor) throws IOException {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110).append("070701");
        // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
        for (long v : new long[] {name.equals(TRAILER) ? 0 : ino++, mode, 0, 0, nlink, 0, size, 0, 0, rdevMajor,
                rdevMinor, nameBytes.length, 0}) {
            h.append(String.format("%08X", v));
        }
        write(h.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        pad();
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        written += b.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            out.write(0);
            written++;
        }
    }

    /** Writes the trailer; the stream stays open. */
    public void finish() throws IOException {
        if (!finished) {
            header(TRAILER, 0, 1, 0, 0, 0);
            finished = true;
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }
}
