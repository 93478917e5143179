package dev.podlab.core.image.snapshot;

import dev.podlab.core.state.FileTrees;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.unpack.LayerUnpacker;
import dev.podlab.core.image.unpack.UnpackOptions;
import dev.podlab.core.image.unpack.UnpackResult;
import dev.podlab.core.state.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Layer snapshots on disk:
 * <pre>
 * &lt;root&gt;/&lt;id&gt;/fs          the layer in overlay form (id: a small number, so that
 *                       lowerdir=/var/lib/podlab/snapshots/12/fs:... stays short)
 * &lt;root&gt;/&lt;id&gt;/meta.json   chain id, diff id, parent, blob, size, created, overlayReady
 * &lt;root&gt;/tmp/             unpacks in progress and removals; emptied on open
 * </pre>
 * A snapshot appears by renaming a complete {@code tmp/} directory (fs and meta.json) to its
 * id, so a crash never leaves a half-unpacked layer under a valid name. One process (the
 * engine) owns the root; within it, operations are thread-safe.
 */
public final class LayerSnapshotStore implements SnapshotStore {
    private static final Logger LOG = LoggerFactory.getLogger(LayerSnapshotStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String META = "meta.json";

    /** meta.json: the wire form of a {@link Snapshot}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Meta(int id, String chainId, String diffId, String parent, String blobDigest, long size, String created,
                boolean overlayReady) {}

    private final Path root;
    private final Path tmp;
    private final Map<Digest, Snapshot> byChain = new ConcurrentHashMap<>();
    private final Map<Digest, CompletableFuture<Snapshot>> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger nextId;

    private LayerSnapshotStore(Path root, int nextId) {
        this.root = root;
        this.tmp = root.resolve("tmp");
        this.nextId = new AtomicInteger(nextId);
    }

    static LayerSnapshotStore open(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        int max = 0;
        List<Snapshot> found = new ArrayList<>();
        try {
            Files.createDirectories(abs.resolve("tmp"));
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(abs.resolve("tmp"))) {
                for (Path p : leftovers) {
                    deleteTree(p); // an unpack or removal a crash interrupted
                }
            }
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(abs, p -> p.getFileName().toString().matches("[0-9]+"))) {
                for (Path d : dirs) {
                    int id = Integer.parseInt(d.getFileName().toString());
                    max = Math.max(max, id);
                    try {
                        found.add(fromMeta(JSON.readValue(d.resolve(META).toFile(), Meta.class), d));
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("removing snapshot directory {} with unreadable metadata: {}", d, e.toString());
                        deleteTree(d);
                    }
                }
            }
        } catch (IOException e) {
            throw new ImageException("failed to open snapshot store " + abs + ": " + e, e);
        }
        LayerSnapshotStore store = new LayerSnapshotStore(abs, max + 1);
        for (Snapshot s : found) {
            store.byChain.put(s.chainId(), s);
        }
        return store;
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public Prepared prepare(List<LayerSource> layers) {
        List<Snapshot> out = new ArrayList<>(layers.size());
        Digest chain = null;
        for (LayerSource src : layers) {
            if (src.expectedDiffId() == null) {
                throw new ImageException("failed to prepare layer " + src.blobDigest() + ": the image config gives no diff id");
            }
            Digest parent = chain;
            chain = ChainIds.next(parent, src.expectedDiffId());
            out.add(ensure(chain, parent, src));
        }
        return new Prepared(out);
    }

    private Snapshot ensure(Digest chain, Digest parent, LayerSource src) {
        while (true) {
            Snapshot s = byChain.get(chain);
            if (s != null) {
                return s;
            }
            CompletableFuture<Snapshot> mine = new CompletableFuture<>();
            CompletableFuture<Snapshot> running = inFlight.putIfAbsent(chain, mine);
            if (running != null) {
                try {
                    return running.join(); // another thread unpacks this layer: share its result
                } catch (CompletionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw e;
                }
            }
            try {
                s = byChain.get(chain); // it may have finished between our two looks
                if (s == null) {
                    s = unpack(chain, parent, src);
                    byChain.put(chain, s);
                }
                mine.complete(s);
                return s;
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                inFlight.remove(chain, mine);
            }
        }
    }

    private Snapshot unpack(Digest chain, Digest parent, LayerSource src) {
        String layer = "layer " + src.blobDigest();
        Path work;
        try {
            work = Files.createTempDirectory(tmp, "unpack-");
        } catch (IOException e) {
            throw new ImageException("failed to unpack " + layer + ": failed to create a directory in " + tmp + ": " + e, e);
        }
        boolean done = false;
        try {
            Path fs = Files.createDirectory(work.resolve("fs"));
            MediaTypes.Compression compression = MediaTypes.layerCompression(src.mediaType());
            UnpackResult r;
            try (InputStream in = src.data().open()) {
                r = LayerUnpacker.unpack(in, compression, fs, UnpackOptions.defaults(src.blobDigest()));
            }
            if (!r.diffId().equals(src.expectedDiffId())) {
                throw new ImageException("failed to unpack " + layer + ": diff id mismatch: the image config says "
                        + src.expectedDiffId() + ", the content is " + r.diffId());
            }
            r.notes().forEach(n -> LOG.info("{}: {}", layer, n));
            int id = nextId.getAndIncrement();
            Path dest = root.resolve(Integer.toString(id));
            while (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                id = nextId.getAndIncrement();
                dest = root.resolve(Integer.toString(id));
            }
            Snapshot s = new Snapshot(id, chain, r.diffId(), parent, src.blobDigest(), r.bytesWritten(), Instant.now(),
                    r.overlayReady(), dest.resolve("fs"));
            AtomicFiles.write(work.resolve(META), JSON.writeValueAsBytes(toMeta(s)));
            Files.move(work, dest, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            return s;
        } catch (IOException e) {
            throw new ImageException("failed to unpack " + layer + ": " + e, e);
        } finally {
            if (!done) {
                try {
                    deleteTree(work); // roll back: nothing of a failed layer is kept
                } catch (UncheckedIOException e) {
                    // keep the original failure; the store's next open empties tmp/ anyway
                    LOG.warn("failed to clean up {}: {}", work, e.getCause().toString());
                }
            }
        }
    }

    @Override
    public Optional<Snapshot> get(Digest chainId) {
        return Optional.ofNullable(byChain.get(chainId));
    }

    @Override
    public List<Snapshot> list() {
        return byChain.values().stream().sorted(Comparator.comparingInt(Snapshot::id)).toList();
    }

    @Override
    public synchronized boolean remove(Digest chainId) {
        Snapshot s = byChain.remove(chainId);
        if (s == null) {
            return false;
        }
        Path dir = s.dir().getParent();
        try {
            // Rename first: a half-deleted layer must never be visible under its id.
            Path gone = tmp.resolve("remove-" + s.id() + "-" + System.nanoTime());
            Files.move(dir, gone, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(gone);
        } catch (IOException e) {
            throw new ImageException("failed to remove snapshot " + chainId + " (" + dir + "): " + e, e);
        }
        return true;
    }

    @Override
    public synchronized PruneReport prune(Set<Digest> keepChainIds) {
        Set<Digest> keep = new HashSet<>();
        for (Digest k : keepChainIds) {
            // A kept chain needs every layer below it.
            Snapshot s = byChain.get(k);
            while (s != null && keep.add(s.chainId())) {
                s = s.parent() == null ? null : byChain.get(s.parent());
            }
        }
        List<Digest> removed = new ArrayList<>();
        long bytes = 0;
        for (Snapshot s : list()) {
            if (!keep.contains(s.chainId()) && remove(s.chainId())) {
                removed.add(s.chainId());
                bytes += s.size();
            }
        }
        return new PruneReport(removed, bytes);
    }

    @Override
    public void applyAll(List<LayerSource> layers, Path rootfs) {
        for (LayerSource src : layers) {
            MediaTypes.Compression compression = MediaTypes.layerCompression(src.mediaType());
            UnpackResult r;
            try (InputStream in = src.data().open()) {
                r = LayerUnpacker.applyTo(in, compression, rootfs, UnpackOptions.defaults(src.blobDigest()));
            } catch (IOException e) {
                throw new ImageException("failed to apply layer " + src.blobDigest() + " to " + rootfs + ": " + e, e);
            }
            if (src.expectedDiffId() != null && !r.diffId().equals(src.expectedDiffId())) {
                throw new ImageException("failed to apply layer " + src.blobDigest() + ": diff id mismatch: the image "
                        + "config says " + src.expectedDiffId() + ", the content is " + r.diffId());
            }
        }
    }

    private static Meta toMeta(Snapshot s) {
        return new Meta(s.id(), s.chainId().toString(), s.diffId().toString(),
                s.parent() == null ? null : s.parent().toString(), s.blobDigest() == null ? null : s.blobDigest().toString(),
                s.size(), s.created().toString(), s.overlayReady());
    }

    private static Snapshot fromMeta(Meta m, Path dir) {
        return new Snapshot(m.id(), Digest.parse(m.chainId()), Digest.parse(m.diffId()),
                m.parent() == null ? null : Digest.parse(m.parent()),
                m.blobDigest() == null ? null : Digest.parse(m.blobDigest()), m.size(), Instant.parse(m.created()),
                m.overlayReady(), dir.resolve("fs"));
    }

    /** Deletes a tree without following symlinks, making directories writable first (layers hold 0555 dirs). */
    static void deleteTree(Path top) {
        try {
            FileTrees.deleteRecursively(top);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to delete " + top, e);
        }
    }
}
