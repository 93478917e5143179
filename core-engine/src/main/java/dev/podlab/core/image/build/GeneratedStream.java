package dev.podlab.core.image.build;

import dev.podlab.core.image.Digest;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Objects;

/** The stream of {@link FileContent.Generated}. */
final class GeneratedStream extends InputStream {
    private final MessageDigest sha = Digest.newSha256();
    private final ByteBuffer input = ByteBuffer.allocate(16);
    private final long seed;
    private long remaining;
    private long counter;
    private byte[] block = new byte[0];
    private int pos;

    GeneratedStream(long seed, long size) {
        this.seed = seed;
        this.remaining = size;
    }

    private boolean fill() {
        if (remaining <= 0) {
            return false;
        }
        if (pos < block.length) {
            return true;
        }
        input.clear();
        input.putLong(seed).putLong(counter++);
        block = sha.digest(input.array());
        pos = 0;
        return true;
    }

    @Override
    public int read() {
        if (!fill()) {
            return -1;
        }
        remaining--;
        return block[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        int n = 0;
        while (n < len && fill()) {
            int chunk = (int) Math.min(Math.min(len - n, block.length - pos), remaining);
            System.arraycopy(block, pos, b, off + n, chunk);
            pos += chunk;
            n += chunk;
            remaining -= chunk;
        }
        return n == 0 ? -1 : n;
    }
}
