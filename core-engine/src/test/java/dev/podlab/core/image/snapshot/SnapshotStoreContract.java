package dev.podlab.core.image.snapshot;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.snapshot.SnapshotStore.LayerSource;
import dev.podlab.core.image.unpack.LayerTar;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link SnapshotStore} must do; implementations extend this with their factory. */
abstract class SnapshotStoreContract {
    @TempDir
    Path tmp;
    SnapshotStore store;
    final ConcurrentHashMap<Digest, AtomicInteger> opens = new ConcurrentHashMap<>();

    abstract SnapshotStore open(Path root);

    @BeforeEach
    void setUp() {
        store = open(tmp.resolve("snapshots"));
    }

    LayerSource source(LayerTar tar) {
        byte[] blob = tar.gzip();
        Digest digest = Digest.sha256(blob);
        return new LayerSource(digest, MediaTypes.OCI_LAYER_GZIP, tar.diffId(), () -> {
            opens.computeIfAbsent(digest, d -> new AtomicInteger()).incrementAndGet();
            return new ByteArrayInputStream(blob);
        });
    }

    static LayerTar base() {
        return new LayerTar().dir("etc/").file("etc/passwd", "root:x:0:0\n").file("etc/shadow", "secret")
                .dir("opt/").file("opt/a", "a").dir("bin/").file("bin/sh", "sh".getBytes(), 0755);
    }

    static LayerTar middle() {
        return new LayerTar().dir("etc/").whiteout("etc/shadow").dir("opt/").opaque("opt").file("opt/b", "b");
    }

    static LayerTar top() {
        return new LayerTar().dir("app/").file("app/hello", "hello");
    }

    @Test
    void preparesBottomFirstAndKeysByChainId() {
        List<LayerSource> layers = List.of(source(base()), source(middle()), source(top()));
        SnapshotStore.Prepared p = store.prepare(layers);
        List<Digest> chains = ChainIds.of(layers.stream().map(LayerSource::expectedDiffId).toList());
        assertThat(p.layers()).extracting(SnapshotStore.Snapshot::chainId).containsExactlyElementsOf(chains);
        assertThat(p.layers().get(1).parent()).isEqualTo(chains.get(0));
        assertThat(p.dirs().get(0).resolve("etc/passwd")).hasContent("root:x:0:0\n");
        assertThat(p.dirs().get(2).resolve("app/hello")).hasContent("hello");
        assertThat(p.layers().get(0).size()).isEqualTo(11 + 6 + 1 + 2);
        assertThat(p.chainId()).isEqualTo(chains.get(2));
        assertThat(p.dirs()).allSatisfy(d -> assertThat(d.getFileName().toString()).isEqualTo("fs"));
    }

    @Test
    void unpacksEachLayerOnceAndSharesBottomLayers() {
        LayerSource b = source(base());
        store.prepare(List.of(b, source(middle())));
        store.prepare(List.of(b, source(middle())));
        store.prepare(List.of(b, source(top())));
        assertThat(opens.get(b.blobDigest())).hasValue(1);
        assertThat(store.list()).hasSize(3);
    }

    @Test
    void sameLayerOnADifferentChainIsItsOwnSnapshot() {
        store.prepare(List.of(source(base()), source(top())));
        store.prepare(List.of(source(top())));
        assertThat(store.list()).hasSize(3);
    }

    @Test
    void diffIdMismatchFailsAndKeepsNothing() throws Exception {
        LayerSource good = source(base());
        LayerSource bad = new LayerSource(good.blobDigest(), good.mediaType(), Digest.sha256("other".getBytes()), good.data());
        assertThatThrownBy(() -> store.prepare(List.of(bad)))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("diff id mismatch")
                .hasMessageContaining(good.blobDigest().toString());
        assertThat(store.list()).isEmpty();
        try (var s = Files.list(store.root())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("tmp");
        }
        try (var s = Files.list(store.root().resolve("tmp"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void maliciousLayerFailsAndKeepsNothing() throws Exception {
        LayerTar evil = new LayerTar().symlink("x", "/etc").file("x/pwned-podlab", "evil");
        assertThatThrownBy(() -> store.prepare(List.of(source(evil))))
                .isInstanceOf(ImageException.class).hasMessageContaining("x/pwned-podlab");
        assertThat(store.list()).isEmpty();
        try (var s = Files.list(store.root().resolve("tmp"))) {
            assertThat(s).isEmpty();
        }
        assertThat(Path.of("/etc/pwned-podlab")).doesNotExist();
    }

    @Test
    void concurrentPreparesOfTheSameChainUnpackOnce() throws Exception {
        List<LayerSource> layers = List.of(source(base()), source(middle()), source(top()));
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<SnapshotStore.Prepared>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return store.prepare(layers);
                }));
            }
            go.countDown();
            List<Path> first = results.get(0).get().dirs();
            for (var f : results) {
                assertThat(f.get().dirs()).isEqualTo(first);
            }
        } finally {
            pool.shutdownNow();
        }
        for (LayerSource l : layers) {
            assertThat(opens.get(l.blobDigest())).hasValue(1);
        }
        assertThat(store.list()).hasSize(3);
    }

    @Test
    void reopenedStoreKnowsItsSnapshots() {
        SnapshotStore.Prepared p = store.prepare(List.of(source(base()), source(top())));
        SnapshotStore again = open(tmp.resolve("snapshots"));
        assertThat(again.list()).extracting(SnapshotStore.Snapshot::chainId)
                .containsExactly(p.layers().get(0).chainId(), p.layers().get(1).chainId());
        assertThat(again.list().get(0).size()).isEqualTo(p.layers().get(0).size());
        assertThat(again.prepare(List.of(source(base()), source(top()))).dirs()).isEqualTo(p.dirs());
    }

    @Test
    void removeAndPruneKeepAncestorsOfKeptChains() {
        SnapshotStore.Prepared a = store.prepare(List.of(source(base()), source(middle()), source(top())));
        SnapshotStore.Prepared b = store.prepare(List.of(source(top())));
        assertThat(store.remove(b.chainId())).isTrue();
        assertThat(store.remove(b.chainId())).isFalse();
        assertThat(b.dirs().get(0)).doesNotExist();

        SnapshotStore.Prepared c = store.prepare(List.of(source(middle())));
        SnapshotStore.PruneReport r = store.prune(Set.of(a.layers().get(1).chainId()));
        assertThat(r.removed()).containsExactlyInAnyOrder(a.chainId(), c.chainId());
        assertThat(r.bytes()).isEqualTo(5 + 1);
        assertThat(store.list()).extracting(SnapshotStore.Snapshot::chainId)
                .containsExactly(a.layers().get(0).chainId(), a.layers().get(1).chainId());
        assertThat(a.dirs().get(2)).doesNotExist();
    }

    @Test
    void applyAllBuildsTheCopyFallbackRootfs() throws Exception {
        Path rootfs = Files.createDirectory(tmp.resolve("rootfs"));
        store.applyAll(List.of(source(base()), source(middle()), source(top())), rootfs);
        assertThat(rootfs.resolve("etc/passwd")).exists();
        assertThat(rootfs.resolve("etc/shadow")).doesNotExist();
        assertThat(rootfs.resolve("opt/a")).doesNotExist();
        assertThat(rootfs.resolve("opt/b")).hasContent("b");
        assertThat(rootfs.resolve("app/hello")).hasContent("hello");
    }
}
