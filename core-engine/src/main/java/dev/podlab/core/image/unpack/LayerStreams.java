package dev.podlab.core.image.unpack;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;

/**
 * A layer blob opened as a tar stream: decompressed (gzip, zstd or none) and hashed while it
 * is read, so the diff id (sha256 of the uncompressed tar) costs no second pass.
 */
public final class LayerStreams implements AutoCloseable {
    private final Counting compressed;
    private final Counting uncompressed;
    private final MessageDigest sha = Digest.newSha256();
    private final TarArchiveInputStream tar;

    private LayerStreams(InputStream blob, MediaTypes.Compression compression) throws IOException {
        this.compressed = new Counting(blob, null);
        InputStream raw = switch (compression) {
            case NONE -> compressed;
            case GZIP -> new GZIPInputStream(compressed, 1 << 16);
            case ZSTD -> new ZstdInputStreamNoFinalizer(compressed);
        };
        this.uncompressed = new Counting(new BufferedInputStream(raw, 1 << 16), sha);
        // Names are UTF-8 (PAX always is; docker and buildkit write UTF-8 ustar names too).
        this.tar = new TarArchiveInputStream(uncompressed, StandardCharsets.UTF_8.name());
    }

    /** Opens {@code blob}; a gzip stream with a bad header fails here already (IOException). */
    public static LayerStreams open(InputStream blob, MediaTypes.Compression compression) throws IOException {
        return new LayerStreams(blob, compression);
    }

    public TarArchiveInputStream tar() {
        return tar;
    }

    /**
     * Reads what follows the tar's end marker (padding, the rest of the compressed stream, its
     * checksum) and returns the diff id of everything read. Call after the last entry.
     */
    public Digest finish() throws IOException {
        byte[] buf = new byte[1 << 16];
        while (uncompressed.read(buf) >= 0) {
            // drain: the diff id covers the whole uncompressed stream, and gzip checks its CRC at the end
        }
        return Digest.of("sha256", sha);
    }

    public long compressedBytes() {
        return compressed.count;
    }

    public long uncompressedBytes() {
        return uncompressed.count;
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private static final class Counting extends FilterInputStream {
        private final MessageDigest md;
        long count;

        Counting(InputStream in, MessageDigest md) {
            super(in);
            this.md = md;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
                if (md != null) {
                    md.update((byte) b);
                }
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
                if (md != null) {
                    md.update(b, off, n);
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Never skip: skipped bytes would be missing from the digest.
            byte[] buf = new byte[(int) Math.min(n, 1 << 16)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
