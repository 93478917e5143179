package dev.podlab.core.image.store;

import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * {@link ContentStore} as plain files: {@code <root>/blobs/<alg>/<hex>} (mode 0644, directories 0755, so skopeo
 * and umoci can read the layout), partial downloads in {@code <root>/ingest/}.
 *
 * <p>An ingest streams into an exclusively created temp file in {@code ingest/} (O_EXCL, a random name),
 * hashing and counting as it writes; only a complete, verified, fsync'd file is renamed into {@code blobs/}. Any
 * failure deletes the temp file. Within this JVM, concurrent ingests of one digest share a single download (all
 * stores opened on the same root share that state). Across processes two writers may both download; each
 * renames a verified copy into place and the second rename replaces identical bytes, or the later one sees the
 * blob and discards its copy.
 *
 * <p><b>Prune and ingest.</b> A pull stores layers, then the config, then the manifest, and names the image
 * last: for a while its blobs are unreferenced, and a concurrent {@code prune()} would take them. Holding a lock
 * for a whole pull would stall every other writer, and protecting "blobs newer than the prune" misses a layer
 * that was already present. So podlab uses leases (as containerd does): {@link #lease()} opens one, and while it
 * is open every blob that any ingest or put of this root stores or finds present is protected from prune, as are
 * digests passed to {@link Lease#protect}. Writers of several related blobs (registry pulls, archive imports)
 * should hold a lease until the image is tagged. Partial downloads live in {@code ingest/} and are never
 * touched by prune (unless stale for over an hour). The short steps that make a blob visible (the rename, the
 * lease bookkeeping) run under a read lock; prune's sweep runs under the write lock, so it never sees half of
 * them. Leases are per JVM: the engine is the only writer of its state root.
 */
public final class FileContentStore implements ContentStore {
    private static final ConcurrentHashMap<Path, Shared> SHARED = new ConcurrentHashMap<>();
    private static final int BUFFER = 64 * 1024;
    static final Duration STALE_INGEST = Duration.ofHours(1);

    private final Path root;
    private final Path blobs;
    private final Path ingest;
    private final Shared shared;

    /** State shared by every store opened on one root in this JVM. */
    static final class Shared {
        final ConcurrentHashMap<Digest, InFlight> inflight = new ConcurrentHashMap<>();
        /** Read: making a blob visible or leased. Write: prune's mark-and-sweep. */
        final ReentrantReadWriteLock gc = new ReentrantReadWriteLock();
        final Set<LeaseImpl> leases = ConcurrentHashMap.newKeySet();
        /** Serialises index.json writers of this JVM (a FileChannel lock alone throws within one JVM). */
        final ReentrantLock index = new ReentrantLock();
    }

    private static final class InFlight {
        final CompletableFuture<Digest> result = new CompletableFuture<>();
        final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
        volatile long bytes;

        void report(long n) {
            bytes = n;
            for (LongConsumer l : listeners) {
                l.accept(n);
            }
        }
    }

    /**
     * Protects blobs from prune while related blobs are still being stored. Close it once the image that
     * references them is tagged (or the work was abandoned).
     */
    public interface Lease extends AutoCloseable {
        /** Protects a blob already in the store (one a pull found present and did not ingest again). */
        void protect(Digest digest);

        /** The blobs this lease protects so far. */
        Set<Digest> protectedBlobs();

        @Override
        void close();
    }

    private final class LeaseImpl implements Lease {
        private final Set<Digest> digests = ConcurrentHashMap.newKeySet();

        @Override
        public void protect(Digest digest) {
            shared.gc.readLock().lock();
            try {
                digests.add(digest);
            } finally {
                shared.gc.readLock().unlock();
            }
        }

        @Override
        public Set<Digest> protectedBlobs() {
            return Set.copyOf(digests);
        }

        @Override
        public void close() {
            shared.leases.remove(this);
        }
    }

    private FileContentStore(Path root, Shared shared) {
        this.root = root;
        this.blobs = root.resolve("blobs");
        this.ingest = root.resolve("ingest");
        this.shared = shared;
    }

    /** Opens (creating {@code blobs/} and {@code ingest/} when missing) the store rooted at {@code root}. */
    public static FileContentStore open(Path root) {
        try {
            Path abs = root.toAbsolutePath().normalize();
            LayoutFiles.createDirs(abs.resolve("blobs").resolve("sha256"));
            LayoutFiles.createDirs(abs.resolve("ingest"));
            Path real = abs.toRealPath();
            return new FileContentStore(abs, SHARED.computeIfAbsent(real, r -> new Shared()));
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("open content store", root.toString(), e), e);
        }
    }

    Shared shared() {
        return shared;
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public boolean contains(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    @Override
    public long size(Digest digest) {
        try {
            return Files.size(path(digest));
        } catch (NoSuchFileException e) {
            throw missing("get the size of", digest);
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("get the size of blob", digest.toString(), e), e);
        }
    }

    @Override
    public Path path(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    @Override
    public InputStream open(Digest digest) {
        try {
            return Files.newInputStream(path(digest));
        } catch (NoSuchFileException e) {
            throw missing("open", digest);
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("open blob", digest.toString(), e), e);
        }
    }

    @Override
    public byte[] read(Digest digest) {
        try {
            return Files.readAllBytes(path(digest));
        } catch (NoSuchFileException e) {
            throw missing("read", digest);
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("read blob", digest.toString(), e), e);
        }
    }

    private ImageException missing(String action, Digest digest) {
        return new ImageException("failed to " + action + " blob " + digest + ": it is not in the store " + root);
    }

    @Override
    public Digest put(byte[] content, Digest expected) {
        Objects.requireNonNull(content, "content");
        Digest actual = hash(expected == null ? "sha256" : expected.algorithm(), content);
        if (expected != null && !expected.equals(actual)) {
            throw new ImageException("failed to store blob " + expected + ": digest mismatch: got " + actual);
        }
        return ingest(actual, content.length, () -> new ByteArrayInputStream(content), null);
    }

    @Override
    public Digest ingest(Digest expected, long expectedSize, StreamSource source, LongConsumer progress) {
        Objects.requireNonNull(source, "source");
        if (expected == null) {
            return write(null, expectedSize, source, progress == null ? n -> {} : progress);
        }
        newMessageDigest(expected);
        if (present(expected, expectedSize)) {
            return expected;
        }
        InFlight mine = new InFlight();
        if (progress != null) {
            mine.listeners.add(progress);
        }
        InFlight other = shared.inflight.putIfAbsent(expected, mine);
        if (other != null) {
            return await(expected, other, progress);
        }
        try {
            // The previous leader may have finished between our check and becoming leader.
            Digest d = present(expected, expectedSize) ? expected : write(expected, expectedSize, source, mine::report);
            mine.result.complete(d);
            return d;
        } catch (RuntimeException | Error e) {
            mine.result.completeExceptionally(e);
            throw e;
        } finally {
            shared.inflight.remove(expected, mine);
        }
    }

    /** Waits for another thread's ingest of the same digest and shares its result (or its failure). */
    private Digest await(Digest expected, InFlight other, LongConsumer progress) {
        if (progress != null) {
            other.listeners.add(progress);
            progress.accept(other.bytes);
        }
        try {
            return other.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("failed to store blob " + expected
                    + ": interrupted while waiting for a concurrent download of it", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof ImageException ie ? ie.getMessage() : PodlabException.describe(cause);
            throw new ImageException(why.startsWith("failed to store blob " + expected) ? why
                    : "failed to store blob " + expected + ": " + why, cause);
        } finally {
            if (progress != null) {
                other.listeners.remove(progress);
            }
        }
    }

    /** True when the blob is already stored (then leased); a stored blob of another size is an error. */
    private boolean present(Digest digest, long expectedSize) {
        shared.gc.readLock().lock();
        try {
            Path p = path(digest);
            if (!Files.isRegularFile(p)) {
                return false;
            }
            long size = Files.size(p);
            if (expectedSize >= 0 && size != expectedSize) {
                throw new ImageException("failed to store blob " + digest + ": size mismatch: expected "
                        + expectedSize + " bytes, the stored blob with that digest has " + size);
            }
            leaseAll(digest);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("store blob", digest.toString(), e), e);
        } finally {
            shared.gc.readLock().unlock();
        }
    }

    private Digest write(Digest expected, long expectedSize, StreamSource source, LongConsumer progress) {
        String name = expected == null ? "unknown" : expected.algorithm() + "-" + expected.hex();
        Path tmp = ingest.resolve(name + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".partial");
        String what = expected == null ? "blob" : "blob " + expected;
        try {
            LayoutFiles.createDirs(ingest);
            Digest actual;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 InputStream in = source.open()) {
                if (in == null) {
                    throw new ImageException("failed to store " + what + ": the source gave no stream");
                }
                MessageDigest md = newMessageDigest(expected);
                byte[] buf = new byte[BUFFER];
                long n = 0;
                int r;
                while ((r = in.read(buf)) != -1) {
                    if (expectedSize >= 0 && n + r > expectedSize) {
                        throw new ImageException("failed to store " + what + ": size mismatch: the stream is longer"
                                + " than the expected " + expectedSize + " bytes");
                    }
                    md.update(buf, 0, r);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, r);
                    while (bb.hasRemaining()) {
                        ch.write(bb);
                    }
                    n += r;
                    progress.accept(n);
                }
                if (expectedSize >= 0 && n < expectedSize) {
                    throw new ImageException("failed to store " + what + ": stream ended after " + n + " of "
                            + expectedSize + " bytes");
                }
                actual = Digest.of(expected == null ? "sha256" : expected.algorithm(), md);
                if (expected != null && !actual.equals(expected)) {
                    throw new ImageException("failed to store " + what + ": digest mismatch: got " + actual
                            + " (" + n + " bytes)");
                }
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, LayoutFiles.FILE_MODE);
            commit(tmp, actual);
            return actual;
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("store", what, e), e);
        } catch (UncheckedIOException e) {
            throw new ImageException(PodlabException.failed("store", what, e.getCause()), e.getCause());
        } finally {
            // Gone after a successful rename; otherwise the partial file must not stay behind.
            LayoutFiles.deleteQuietly(tmp);
        }
    }

    /** Renames a verified temp file into blobs/ (or drops it when another writer won) and leases the digest. */
    private void commit(Path tmp, Digest digest) throws IOException {
        shared.gc.readLock().lock();
        try {
            Path target = path(digest);
            LayoutFiles.createDirs(target.getParent());
            if (Files.isRegularFile(target)) {
                Files.delete(tmp); // another writer (another process) stored it first: same bytes
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                LayoutFiles.syncDir(target.getParent());
            }
            leaseAll(digest);
        } finally {
            shared.gc.readLock().unlock();
        }
    }

    private void leaseAll(Digest digest) {
        for (LeaseImpl l : shared.leases) {
            l.digests.add(digest);
        }
    }

    @Override
    public void delete(Digest digest) {
        try {
            Files.deleteIfExists(path(digest));
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("delete blob", digest.toString(), e), e);
        }
    }

    @Override
    public List<Digest> list() {
        List<Digest> out = new ArrayList<>();
        try (DirectoryStream<Path> algs = Files.newDirectoryStream(blobs)) {
            for (Path alg : algs) {
                if (!Files.isDirectory(alg)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
                    for (Path f : files) {
                        try {
                            if (Files.isRegularFile(f)) {
                                out.add(new Digest(alg.getFileName().toString(), f.getFileName().toString()));
                            }
                        } catch (ImageException notADigest) {
                            // A stray file (editor backup, foreign tool's temp): not a blob, so not listed.
                        }
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("list blobs in", blobs.toString(), e), e);
        }
        Collections.sort(out);
        return out;
    }

    /** Opens a lease: see the class comment. */
    public Lease lease() {
        LeaseImpl l = new LeaseImpl();
        shared.leases.add(l);
        return l;
    }

    /** Re-hashes a stored blob; throws an {@link ImageException} when it is missing or corrupt. */
    public void verify(Digest digest) {
        MessageDigest md = newMessageDigest(digest);
        try (InputStream in = open(digest)) {
            byte[] buf = new byte[BUFFER];
            int r;
            while ((r = in.read(buf)) != -1) {
                md.update(buf, 0, r);
            }
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("verify blob", digest.toString(), e), e);
        }
        Digest actual = Digest.of(digest.algorithm(), md);
        if (!actual.equals(digest)) {
            throw new ImageException("failed to verify blob " + digest + ": its content hashes to " + actual
                    + " (the file " + path(digest) + " is corrupt)");
        }
    }

    // ------------------------------------------------------------------------------------------ for prune

    /** Runs {@code sweep} while no blob becomes visible or leased. */
    <T> T exclusively(Supplier<T> sweep) {
        shared.gc.writeLock().lock();
        try {
            return sweep.get();
        } finally {
            shared.gc.writeLock().unlock();
        }
    }

    /** Blobs prune must keep besides the reachable ones: leased and in flight. Call inside {@link #exclusively}. */
    Set<Digest> protectedBlobs() {
        Set<Digest> out = new HashSet<>(shared.inflight.keySet());
        for (LeaseImpl l : shared.leases) {
            out.addAll(l.digests);
        }
        return out;
    }

    /** Deletes partial downloads untouched for {@link #STALE_INGEST} (left by a crash); returns their bytes. */
    long removeStaleIngests(Instant now) {
        long bytes = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ingest)) {
            for (Path f : files) {
                try {
                    FileTime t = Files.getLastModifiedTime(f);
                    if (t.toInstant().isBefore(now.minus(STALE_INGEST))) {
                        long size = Files.size(f);
                        Files.deleteIfExists(f);
                        bytes += size;
                    }
                } catch (NoSuchFileException gone) {
                    // Finished or removed by its writer meanwhile: nothing to clean.
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("clean partial downloads in", ingest.toString(), e), e);
        }
        return bytes;
    }

    // ------------------------------------------------------------------------------------------ hashing

    private static MessageDigest newMessageDigest(Digest d) {
        String alg = d == null ? "sha256" : d.algorithm();
        try {
            return MessageDigest.getInstance(switch (alg) {
                case "sha256" -> "SHA-256";
                case "sha512" -> "SHA-512";
                default -> throw new ImageException("failed to store blob " + d + ": unsupported algorithm " + alg);
            });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + alg, e);
        }
    }

    static Digest hash(String algorithm, byte[] content) {
        if (algorithm.equals("sha256")) {
            return Digest.sha256(content);
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            md.update(content);
            return Digest.of(algorithm, md);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
