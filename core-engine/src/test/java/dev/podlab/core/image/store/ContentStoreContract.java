package dev.podlab.core.image.store;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link ContentStore} must do (containerd's content test suite, in spirit). An implementation's test
 * extends this and says how to open a store on an empty directory.
 */
abstract class ContentStoreContract {

    @TempDir
    Path tmp;

    ContentStore store;

    /** A store rooted at {@code root} (an empty directory or one this method made before). */
    protected abstract ContentStore open(Path root);

    @BeforeEach
    void openStore() {
        store = open(tmp.resolve("store"));
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Regular files under the store root: a failed write must not add any. */
    Set<Path> files() throws IOException {
        try (Stream<Path> s = Files.walk(store.root())) {
            return new HashSet<>(s.filter(Files::isRegularFile).toList());
        }
    }

    // ------------------------------------------------------------------ put / read

    @Test
    void putStoresContentUnderItsDigest() {
        byte[] content = "hello blob\n".getBytes(StandardCharsets.UTF_8);
        Digest d = store.put(content, null);
        assertThat(d).isEqualTo(Digest.sha256(content));
        assertThat(store.contains(d)).isTrue();
        assertThat(store.size(d)).isEqualTo(content.length);
        assertThat(store.read(d)).isEqualTo(content);
        assertThat(store.path(d)).hasBinaryContent(content);
        assertThat(store.list()).containsExactly(d);
    }

    @Test
    void putWithExpectedDigestChecksIt() throws IOException {
        byte[] content = "x".getBytes(StandardCharsets.UTF_8);
        assertThat(store.put(content, Digest.sha256(content))).isEqualTo(Digest.sha256(content));
        Digest wrong = Digest.sha256("y".getBytes(StandardCharsets.UTF_8));
        Set<Path> before = files();
        assertThatThrownBy(() -> store.put(content, wrong))
                .isInstanceOf(ImageException.class)
                .hasMessage("failed to store blob " + wrong + ": digest mismatch: got " + Digest.sha256(content));
        assertThat(files()).isEqualTo(before);
        assertThat(store.contains(wrong)).isFalse();
    }

    @Test
    void putTwiceIsFine() {
        byte[] content = random(1000, 1);
        Digest d = store.put(content, null);
        assertThat(store.put(content, d)).isEqualTo(d);
        assertThat(store.list()).containsExactly(d);
    }

    @Test
    void openStreamsTheBlob() throws IOException {
        byte[] content = random(200_000, 2);
        Digest d = store.put(content, null);
        try (InputStream in = store.open(d)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void missingBlobsAreNamedInErrors() {
        Digest d = Digest.sha256("absent".getBytes(StandardCharsets.UTF_8));
        assertThat(store.contains(d)).isFalse();
        assertThatThrownBy(() -> store.size(d)).isInstanceOf(ImageException.class).hasMessageContaining(d.toString());
        assertThatThrownBy(() -> store.open(d)).isInstanceOf(ImageException.class).hasMessageContaining(d.toString());
        assertThatThrownBy(() -> store.read(d)).isInstanceOf(ImageException.class).hasMessageContaining(d.toString());
    }

    @Test
    void deleteRemovesAndToleratesMissing() {
        Digest d = store.put(random(10, 3), null);
        store.delete(d);
        assertThat(store.contains(d)).isFalse();
        assertThat(store.list()).isEmpty();
        store.delete(d);
    }

    @Test
    void listHasEveryBlobSorted() {
        List<Digest> put = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            put.add(store.put(random(10, 100 + i), null));
        }
        assertThat(store.list()).containsExactlyElementsOf(put.stream().sorted().toList());
    }

    @Test
    void reopeningSeesTheSameBlobs() {
        Digest d = store.put(random(10, 4), null);
        ContentStore again = open(store.root());
        assertThat(again.contains(d)).isTrue();
        assertThat(again.read(d)).isEqualTo(store.read(d));
    }

    // ------------------------------------------------------------------ ingest

    @Test
    void ingestVerifiesAndReportsProgress() {
        byte[] content = random(300_000, 5);
        Digest d = Digest.sha256(content);
        List<Long> progress = new ArrayList<>();
        assertThat(store.ingest(d, content.length, () -> new ByteArrayInputStream(content), progress::add))
                .isEqualTo(d);
        assertThat(store.read(d)).isEqualTo(content);
        assertThat(progress).isSorted().last().isEqualTo((long) content.length);
    }

    @Test
    void ingestWithUnknownSizeAndNullProgress() {
        byte[] content = random(1234, 6);
        Digest d = Digest.sha256(content);
        assertThat(store.ingest(d, -1, () -> new ByteArrayInputStream(content), null)).isEqualTo(d);
        assertThat(store.size(d)).isEqualTo(1234);
    }

    @Test
    void ingestOfAPresentBlobDoesNotOpenTheSource() {
        byte[] content = random(100, 7);
        Digest d = store.put(content, null);
        AtomicInteger opens = new AtomicInteger();
        assertThat(store.ingest(d, content.length, () -> {
            opens.incrementAndGet();
            return new ByteArrayInputStream(content);
        }, null)).isEqualTo(d);
        assertThat(opens).hasValue(0);
    }

    @Test
    void wrongDigestLeavesNothingBehind() throws IOException {
        byte[] content = random(70_000, 8);
        Digest claimed = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        Set<Path> before = files();
        assertThatThrownBy(() -> store.ingest(claimed, content.length, () -> new ByteArrayInputStream(content), null))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to store blob " + claimed + ": digest mismatch: got "
                        + Digest.sha256(content));
        assertThat(files()).isEqualTo(before);
        assertThat(store.contains(claimed)).isFalse();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void truncatedStreamIsReportedWithBothCounts() throws IOException {
        byte[] content = random(100_000, 9);
        Digest d = Digest.sha256(content);
        Set<Path> before = files();
        assertThatThrownBy(() -> store.ingest(d, content.length,
                () -> new ByteArrayInputStream(content, 0, 40_000), null))
                .isInstanceOf(ImageException.class)
                .hasMessage("failed to store blob " + d + ": stream ended after 40000 of 100000 bytes");
        assertThat(files()).isEqualTo(before);
        assertThat(store.contains(d)).isFalse();
    }

    @Test
    void longerStreamThanExpectedIsASizeMismatch() throws IOException {
        byte[] content = random(5000, 10);
        Digest d = Digest.sha256(content);
        Set<Path> before = files();
        assertThatThrownBy(() -> store.ingest(d, 4000, () -> new ByteArrayInputStream(content), null))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to store blob " + d + ": size mismatch")
                .hasMessageContaining("4000");
        assertThat(files()).isEqualTo(before);
    }

    @Test
    void presentBlobWithAnotherExpectedSizeIsASizeMismatch() {
        byte[] content = random(50, 11);
        Digest d = store.put(content, null);
        assertThatThrownBy(() -> store.ingest(d, 51, () -> new ByteArrayInputStream(content), null))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("size mismatch").hasMessageContaining("51").hasMessageContaining("50");
    }

    @Test
    void ioErrorMidStreamLeavesNothingBehind() throws IOException {
        byte[] content = random(200_000, 12);
        Digest d = Digest.sha256(content);
        Set<Path> before = files();
        assertThatThrownBy(() -> store.ingest(d, content.length, () -> new FilterInputStream(
                new ByteArrayInputStream(content)) {
            int reads;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (++reads > 2) {
                    throw new IOException("connection reset by peer");
                }
                return super.read(b, off, len);
            }
        }, null))
                .isInstanceOf(ImageException.class)
                .hasMessage("failed to store blob " + d + ": connection reset by peer");
        assertThat(files()).isEqualTo(before);
    }

    @Test
    void failingSourceOpenIsReported() {
        Digest d = Digest.sha256(random(10, 13));
        assertThatThrownBy(() -> store.ingest(d, 10, () -> {
            throw new IOException("401 Unauthorized");
        }, null)).isInstanceOf(ImageException.class).hasMessageContaining(d.toString())
                .hasMessageContaining("401 Unauthorized");
    }

    @Test
    void ingestWithoutExpectedDigestComputesIt() {
        byte[] content = random(999, 14);
        assertThat(store.ingest(null, -1, () -> new ByteArrayInputStream(content), null))
                .isEqualTo(Digest.sha256(content));
        assertThat(store.contains(Digest.sha256(content))).isTrue();
    }

    @Test
    @Timeout(30)
    void aBlobAppearsOnlyWhenComplete() throws Exception {
        byte[] content = random(300_000, 15);
        Digest d = Digest.sha256(content);
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Digest> f = pool.submit(() -> store.ingest(d, content.length, () -> new FilterInputStream(
                    new ByteArrayInputStream(content)) {
                long read;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (read > content.length / 2) {
                        halfway.countDown();
                        await(proceed);
                    }
                    int n = super.read(b, off, len);
                    read += Math.max(n, 0);
                    return n;
                }
            }, null));
            assertThat(halfway.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(store.contains(d)).isFalse();
            assertThat(store.list()).isEmpty();
            assertThat(store.path(d)).doesNotExist();
            proceed.countDown();
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(d);
            assertThat(store.read(d)).isEqualTo(content);
        } finally {
            proceed.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(60)
    void concurrentIngestsOfOneBlobDownloadItOnce() throws Exception {
        byte[] content = random(2_000_000, 16);
        Digest d = Digest.sha256(content);
        AtomicInteger opens = new AtomicInteger();
        AtomicLong bytesServed = new AtomicLong();
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ContentStore.StreamSource slow = () -> {
            opens.incrementAndGet();
            return new FilterInputStream(new ByteArrayInputStream(content)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    sleep(2); // slow enough that the others arrive while it runs
                    int n = super.read(b, off, Math.min(len, 65536));
                    bytesServed.addAndGet(Math.max(n, 0));
                    return n;
                }
            };
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Digest>> results = new ArrayList<>();
            List<AtomicLong> lastProgress = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                AtomicLong last = new AtomicLong();
                lastProgress.add(last);
                results.add(pool.submit(() -> {
                    start.await();
                    return store.ingest(d, content.length, slow, last::set);
                }));
            }
            for (Future<Digest> f : results) {
                assertThat(f.get(50, TimeUnit.SECONDS)).isEqualTo(d);
            }
            assertThat(opens).hasValue(1);
            assertThat(bytesServed).hasValue(content.length);
            assertThat(store.read(d)).isEqualTo(content);
            assertThat(store.list()).containsExactly(d);
            assertThat(files()).hasSize(expectedFilesAfterOneBlob());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(60)
    void concurrentIngestsShareAFailure() throws Exception {
        byte[] content = random(1_000_000, 17);
        Digest claimed = Digest.sha256("not it".getBytes(StandardCharsets.UTF_8));
        AtomicInteger opens = new AtomicInteger();
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        Set<Path> before = files();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    try {
                        store.ingest(claimed, content.length, () -> {
                            opens.incrementAndGet();
                            return new FilterInputStream(new ByteArrayInputStream(content)) {
                                @Override
                                public int read(byte[] b, int off, int len) throws IOException {
                                    sleep(2);
                                    return super.read(b, off, Math.min(len, 65536));
                                }
                            };
                        }, null);
                        return "succeeded";
                    } catch (ImageException e) {
                        return e.getMessage();
                    }
                }));
            }
            for (Future<String> f : results) {
                assertThat(f.get(50, TimeUnit.SECONDS)).startsWith("failed to store blob " + claimed
                        + ": digest mismatch");
            }
            assertThat(opens.get()).isBetween(1, threads);
            assertThat(files()).isEqualTo(before);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Regular files a store holds after one blob was stored into an empty store (the blob, plus metadata). */
    protected int expectedFilesAfterOneBlob() {
        return 1;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
