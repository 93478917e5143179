package dev.podlab.core.image.registry;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.Platform;

import java.net.URI;
import java.time.Duration;

/**
 * What a pull did, step by step, for {@code podlab pull}'s per-layer progress and the trace.
 * Events of one pull arrive in order per layer; layers download in parallel, so events of
 * different layers interleave.
 */
public sealed interface PullEvent {

    /**
     * An endpoint answered a request: which registry or mirror served what.
     *
     * @param what     "manifest localhost:5000/demo:v1", "config sha256:..", "layer sha256:.."
     * @param url      the URL that answered (before redirects)
     */
    record EndpointUsed(String what, URI url, Endpoint endpoint) implements PullEvent {}

    /** An endpoint failed and the next one will be tried. */
    record EndpointFailed(String what, URI url, Endpoint endpoint, String reason) implements PullEvent {}

    /** The reference resolved to this manifest or index. */
    record Resolved(ImageReference reference, Descriptor target, Endpoint endpoint) implements PullEvent {}

    /** The index offered several platforms and this manifest was picked for {@code platform}. */
    record PlatformSelected(Platform platform, Descriptor manifest) implements PullEvent {}

    /** The config blob was fetched (or was present already). */
    record ConfigFetched(Digest digest, long size, boolean alreadyPresent) implements PullEvent {}

    /** A layer download begins. {@code index} counts from 0, bottom layer first. */
    record LayerStarted(int index, int count, Descriptor layer) implements PullEvent {
        public Digest digest() {
            return layer.parsedDigest();
        }
    }

    /** Bytes of a layer received so far (of {@code total}). Sent at most every 256 KiB and at the end. */
    record LayerProgress(int index, Digest digest, long bytes, long total) implements PullEvent {}

    /** A layer is stored and verified. */
    record LayerDone(int index, Digest digest, long size, Duration took) implements PullEvent {}

    /** A layer was in the store already and was not downloaded. */
    record LayerPresent(int index, Digest digest, long size) implements PullEvent {}

    /** The image is stored and tagged. {@code downloaded} counts the bytes fetched (present blobs excluded). */
    record Finished(ImageRecord image, long downloaded, Duration took) implements PullEvent {}
}
