package dev.podlab.core.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Content-addressed blobs, kept as the {@code blobs/<algorithm>/<hex>} part of an OCI image
 * layout so that skopeo and umoci can read the store. Every blob is verified while it is
 * written and appears atomically (temp file, fsync, rename): a reader never sees a partial
 * or wrong blob, and a failed write leaves nothing behind.
 */
public interface ContentStore {

    /** Supplies a fresh stream each time it is called (a retry gets a new one). */
    @FunctionalInterface
    interface StreamSource {
        InputStream open() throws IOException;
    }

    /** The OCI layout directory (holding {@code oci-layout}, {@code index.json}, {@code blobs/}). */
    Path root();

    boolean contains(Digest digest);

    /** Size in bytes of a stored blob; {@link ImageException} naming the digest when it is missing. */
    long size(Digest digest);

    /** The file of a stored blob, for reading only. */
    Path path(Digest digest);

    InputStream open(Digest digest);

    /** Whole blob in memory: for manifests and configs, never for layers. */
    byte[] read(Digest digest);

    /** Stores {@code content}; when {@code expected} is given the content must hash to it. */
    Digest put(byte[] content, Digest expected);

    /**
     * Streams a blob into the store, hashing and counting while writing. A blob already
     * present is not fetched again. Concurrent ingests of the same digest do the work once:
     * the others wait for it and share its result. A wrong digest or size, a short stream or
     * an I/O error deletes the partial file and throws an {@link ImageException} such as
     * "failed to store blob sha256:ab..: digest mismatch: got sha256:cd..".
     *
     * @param expectedSize -1 when unknown
     * @param progress     told the byte count as it grows; may be null
     */
    Digest ingest(Digest expected, long expectedSize, StreamSource source, LongConsumer progress);

    /** Removes a blob; a missing blob is fine. */
    void delete(Digest digest);

    /** Every stored blob. */
    List<Digest> list();
}
