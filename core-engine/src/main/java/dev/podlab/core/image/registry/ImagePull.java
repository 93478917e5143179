package dev.podlab.core.image.registry;

import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.Index;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.image.store.FileContentStore;
import dev.podlab.core.image.store.OciLayoutImageStore;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One pull: manifest (through an index when there is one), config and layers into the content
 * store, then the manifest and index blobs, then the name. The order is the rollback: until the
 * last step nothing names the new blobs, and every blob the store holds is verified.
 */
final class ImagePull {
    private static final long PROGRESS_STEP = 256 * 1024;
    private static final Set<String> CONFIG_TYPES = Set.of(MediaTypes.OCI_CONFIG, MediaTypes.DOCKER_CONFIG);

    private final RegistryClient client;
    private final ImageReference ref;
    private final Platform platform;
    private final ImageStore store;
    private final ContentStore content;
    private final PullListener listener;
    private final AtomicLong downloaded = new AtomicLong();
    /** Responses being read, closed at once when another download fails. */
    private final Set<RegistryTransport.Response> open = ConcurrentHashMap.newKeySet();
    private volatile boolean aborted;
    private FileContentStore.Lease lease;

    ImagePull(RegistryClient client, ImageReference ref, Platform platform, ImageStore store, PullListener listener) {
        this.client = client;
        this.ref = Objects.requireNonNull(ref, "ref");
        this.platform = platform == null ? Platform.host() : platform;
        this.store = store;
        this.content = store.content();
        this.listener = listener;
    }

    ImageRecord run() {
        // Until the name is written nothing references the new blobs: a lease keeps a concurrent prune off them
        // (blobs found present are protected explicitly below). The lease is the file store's own; the
        // ImageStore interface has none yet.
        lease = content instanceof FileContentStore f ? f.lease() : null;
        try {
            return pull();
        } finally {
            if (lease != null) {
                lease.close();
            }
        }
    }

    /** A blob found present (not ingested again) must survive a prune until the name is written. */
    private void protect(Digest d) {
        if (lease != null) {
            lease.protect(d);
        }
    }

    private ImageRecord pull() {
        long start = System.nanoTime();
        RegistryClient.FetchedManifest top = client.fetchManifest(ref, RegistryClient.referenceOf(ref), listener);
        RegistryClient.emit(listener, new PullEvent.Resolved(ref, top.descriptor(), top.endpoint()));

        RegistryClient.FetchedManifest manifestBlob = top;
        if (MediaTypes.INDEXES.contains(top.descriptor().mediaType())) {
            Index index = parse(top, Index.class);
            Descriptor chosen = choose(index, top);
            RegistryClient.emit(listener, new PullEvent.PlatformSelected(platform, chosen));
            manifestBlob = client.fetchManifest(ref, chosen.digest(), listener);
            if (!manifestBlob.descriptor().parsedDigest().equals(chosen.parsedDigest())) {
                throw new ImageException("failed to pull " + ref + ": the index names manifest " + chosen.digest()
                        + " but " + manifestBlob.url() + " served " + manifestBlob.descriptor().digest());
            }
            if (!MediaTypes.MANIFESTS.contains(manifestBlob.descriptor().mediaType())) {
                throw new ImageException("failed to pull " + ref + ": the index entry for " + platform + " at "
                        + manifestBlob.url() + " is a " + manifestBlob.descriptor().mediaType() + ", not an image manifest");
            }
        }
        Manifest manifest = parse(manifestBlob, Manifest.class);
        check(manifest, manifestBlob);

        fetchBlobs(manifest);

        // Manifest after its blobs, index after its manifest, the name last.
        put(manifestBlob);
        if (manifestBlob != top) {
            put(top);
        }
        Descriptor target = Descriptor.of(top.descriptor().mediaType(), top.descriptor().parsedDigest(), top.descriptor().size());
        ImageRecord record;
        try {
            // The layout store can resolve the name for the platform pulled; the interface resolves for the host.
            record = store instanceof OciLayoutImageStore layout ? layout.tag(ref, target, platform) : store.tag(ref, target);
        } catch (ImageException e) {
            throw new ImageException("failed to pull " + ref + ": " + e.getMessage(), e);
        }
        RegistryClient.emit(listener, new PullEvent.Finished(record, downloaded.get(), Duration.ofNanos(System.nanoTime() - start)));
        return record;
    }

    private <T> T parse(RegistryClient.FetchedManifest m, Class<T> type) {
        try {
            return RegistryClient.JSON.readValue(m.bytes(), type);
        } catch (IOException e) {
            throw new ImageException("failed to pull " + ref + ": cannot parse " + m.descriptor().mediaType() + " "
                    + m.descriptor().digest() + " from " + m.url() + ": "
                    + PodlabException.describe(e).lines().findFirst().orElse(""), e);
        }
    }

    private Descriptor choose(Index index, RegistryClient.FetchedManifest top) {
        List<Descriptor> entries = index.manifests() == null ? List.of() : index.manifests();
        Descriptor exactVariant = null;
        Descriptor any = null;
        for (Descriptor d : entries) {
            Platform p = d.platform();
            if (p == null || !Objects.equals(p.os(), platform.os()) || !Objects.equals(p.architecture(), platform.architecture())) {
                continue;
            }
            if (platform.variant() == null) {
                if (p.variant() == null && exactVariant == null) {
                    exactVariant = d;
                }
                if (any == null) {
                    any = d;
                }
            } else if (Objects.equals(platform.variant(), p.variant())
                    || (p.variant() == null && platform.architecture().equals("arm64") && platform.variant().equals("v8"))) {
                if (exactVariant == null) {
                    exactVariant = d;
                }
            }
        }
        Descriptor chosen = exactVariant != null ? exactVariant : any;
        if (chosen == null) {
            Set<String> offered = new LinkedHashSet<>();
            for (Descriptor d : entries) {
                if (d.platform() != null && !"unknown".equals(d.platform().os())) {
                    offered.add(d.platform().toString());
                }
            }
            throw new ImageException("failed to pull " + ref + ": no manifest for platform " + platform + " in index "
                    + top.descriptor().digest() + "; it offers " + (offered.isEmpty() ? "no platform" : String.join(", ", offered)));
        }
        return chosen;
    }

    /** Refuses what podlab could not use before downloading a byte of it. */
    private void check(Manifest m, RegistryClient.FetchedManifest from) {
        String where = "manifest " + from.descriptor().digest() + " from " + from.url();
        if (m.config() == null || m.config().digest() == null) {
            throw new ImageException("failed to pull " + ref + ": " + where + " has no config");
        }
        if (!CONFIG_TYPES.contains(m.config().mediaType())) {
            throw new ImageException("failed to pull " + ref + ": " + where + " has a config of unknown media type \""
                    + m.config().mediaType() + "\" (not a container image?)");
        }
        checkDescriptor(m.config(), where);
        for (Descriptor layer : m.layers() == null ? List.<Descriptor>of() : m.layers()) {
            checkDescriptor(layer, where);
            try {
                MediaTypes.layerCompression(layer.mediaType());
            } catch (ImageException e) {
                throw new ImageException("failed to pull " + ref + ": " + where + " has layer " + layer.digest()
                        + " of unknown media type \"" + layer.mediaType() + "\"", e);
            }
        }
    }

    private void checkDescriptor(Descriptor d, String where) {
        try {
            d.parsedDigest();
        } catch (ImageException e) {
            throw new ImageException("failed to pull " + ref + ": " + where + " has a bad digest: " + e.getMessage(), e);
        }
        if (d.size() < 0) {
            throw new ImageException("failed to pull " + ref + ": " + where + " gives " + d.digest()
                    + " a negative size " + d.size());
        }
    }

    private void put(RegistryClient.FetchedManifest m) {
        try {
            content.put(m.bytes(), m.descriptor().parsedDigest());
        } catch (ImageException e) {
            throw new ImageException("failed to pull " + ref + ": " + e.getMessage(), e);
        }
    }

    /** Config and layers, in parallel up to the configured limit; the first failure stops the rest. */
    private void fetchBlobs(Manifest manifest) {
        List<Descriptor> layers = manifest.layers() == null ? List.of() : manifest.layers();
        int workers = Math.max(1, Math.min(client.config().parallelDownloads(), layers.size() + 1));
        ExecutorService pool = Executors.newFixedThreadPool(workers, Thread.ofVirtual().name("podlab-pull-", 0).factory());
        CompletionService<Void> done = new ExecutorCompletionService<>(pool);
        List<Future<Void>> futures = new ArrayList<>();
        try {
            futures.add(done.submit(() -> {
                fetchConfig(manifest.config());
                return null;
            }));
            for (int i = 0; i < layers.size(); i++) {
                int index = i;
                Descriptor layer = layers.get(i);
                futures.add(done.submit(() -> {
                    fetchLayer(index, layers.size(), layer);
                    return null;
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                Future<Void> f = done.take();
                try {
                    f.get();
                } catch (ExecutionException e) {
                    abort(futures);
                    Throwable cause = e.getCause();
                    if (cause instanceof ImageException ie) {
                        throw ie;
                    }
                    throw new ImageException("failed to pull " + ref + ": " + PodlabException.describe(cause), cause);
                }
            }
        } catch (InterruptedException e) {
            abort(futures);
            throw RegistryClient.interrupted("pull " + ref, e);
        } finally {
            pool.shutdownNow();
            try {
                // Wait for aborted downloads to let go of their files before the caller looks at the store.
                if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                    throw new ImageException("failed to pull " + ref + ": downloads did not stop within 30 s of the abort");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void abort(List<Future<Void>> futures) {
        aborted = true;
        open.forEach(RegistryTransport.Response::close);
        futures.forEach(f -> f.cancel(true));
    }

    private void fetchConfig(Descriptor config) {
        Digest d = config.parsedDigest();
        if (content.contains(d)) {
            protect(d);
            RegistryClient.emit(listener, new PullEvent.ConfigFetched(d, config.size(), true));
            return;
        }
        fetchBlob("config", config, null);
        RegistryClient.emit(listener, new PullEvent.ConfigFetched(d, config.size(), false));
    }

    private void fetchLayer(int index, int count, Descriptor layer) {
        if (aborted) {
            return;
        }
        Digest d = layer.parsedDigest();
        if (content.contains(d)) {
            protect(d);
            RegistryClient.emit(listener, new PullEvent.LayerPresent(index, d, layer.size()));
            return;
        }
        long start = System.nanoTime();
        RegistryClient.emit(listener, new PullEvent.LayerStarted(index, count, layer));
        // A layer listed twice is fetched once: the content store makes the second ingest wait for the first.
        long[] last = {-PROGRESS_STEP};
        fetchBlob("layer", layer, bytes -> {
            if (bytes - last[0] >= PROGRESS_STEP || bytes == layer.size()) {
                last[0] = bytes;
                RegistryClient.emit(listener, new PullEvent.LayerProgress(index, d, bytes, layer.size()));
            }
        });
        RegistryClient.emit(listener, new PullEvent.LayerDone(index, d, layer.size(), Duration.ofNanos(System.nanoTime() - start)));
    }

    private void fetchBlob(String kind, Descriptor desc, java.util.function.LongConsumer progress) {
        Digest digest = desc.parsedDigest();
        String what = kind + " " + digest + " of " + ref;
        client.onEndpoints(ref, "fetch", what, ep -> {
            if (aborted) {
                throw new InterruptedException();
            }
            RegistryTransport.Response first = client.openBlob(ep, ref, digest);
            URI url = first.url();
            RegistryClient.emit(listener, new PullEvent.EndpointUsed(kind + " " + digest, url, ep));
            boolean[] firstUsed = {false};
            long[] counted = {0};
            List<RegistryTransport.Response> mine = new ArrayList<>();
            mine.add(first);
            ContentStore.StreamSource source = () -> {
                RegistryTransport.Response r;
                if (!firstUsed[0]) {
                    firstUsed[0] = true;
                    r = first;
                } else {
                    // The store asks again (a retry): a fresh request to the same endpoint.
                    try {
                        r = client.openBlob(ep, ref, digest);
                    } catch (RegistryClient.Attempt a) {
                        throw new IOException(a.getMessage(), a);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    }
                }
                synchronized (mine) {
                    mine.add(r);
                }
                open.add(r);
                if (aborted) {
                    r.close();
                }
                return new SizeCheckedInputStream(r.body(), desc.size(), url.toString(), n -> {
                    counted[0] = n;
                    if (progress != null) {
                        progress.accept(n);
                    }
                });
            };
            try {
                content.ingest(digest, desc.size(), source, null);
                downloaded.addAndGet(counted[0]);
                return null;
            } catch (ImageException e) {
                if (aborted) {
                    throw new InterruptedException();
                }
                throw new RegistryClient.Attempt(url, 0, e.getMessage(), e);
            } finally {
                synchronized (mine) {
                    for (RegistryTransport.Response r : mine) {
                        open.remove(r);
                        r.close();
                    }
                }
            }
        }, listener);
    }
}
