package dev.podlab.core.image.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * A blob body that must be exactly {@code expected} bytes long: an early end of stream is a
 * truncated blob and surplus bytes are an oversized one, both reported as I/O errors naming the
 * URL, before the content store could take a short blob for a whole one.
 */
final class SizeCheckedInputStream extends FilterInputStream {
    private final long expected;
    private final String source;
    private final LongConsumer progress;
    private long count;

    SizeCheckedInputStream(InputStream in, long expected, String source, LongConsumer progress) {
        super(in);
        this.expected = expected;
        this.source = source;
        this.progress = progress;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
            if (expected >= 0 && count < expected) {
                throw new IOException("blob truncated: " + source + " sent " + count + " of " + expected + " bytes");
            }
            return -1;
        }
        count += n;
        if (expected >= 0 && count > expected) {
            throw new IOException("blob too long: " + source + " sent more than the " + expected
                    + " bytes its descriptor says");
        }
        if (progress != null) {
            progress.accept(count);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipping would bypass counting; read and drop instead.
        byte[] buf = new byte[(int) Math.min(8192, Math.max(0, n))];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    long count() {
        return count;
    }
}
