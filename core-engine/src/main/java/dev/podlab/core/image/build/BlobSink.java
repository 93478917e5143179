package dev.podlab.core.image.build;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;

/** Where {@link ImageBuilder} puts the blobs it makes: a {@link ContentStore}, or memory for tests. */
@FunctionalInterface
public interface BlobSink {
    /** Stores {@code content}, which hashes to {@code digest}. May be called again for a blob already given. */
    void put(Digest digest, byte[] content);

    static BlobSink of(ContentStore store) {
        return (digest, content) -> store.put(content, digest);
    }
}
