package dev.podlab.core.image.snapshot;

import dev.podlab.core.image.Digest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LayerSnapshotStoreTest extends SnapshotStoreContract {
    @Override
    SnapshotStore open(Path root) {
        return SnapshotStores.open(root);
    }

    @Test
    void chainIdsFollowTheOciDefinition() {
        Digest a = Digest.sha256("a".getBytes());
        Digest b = Digest.sha256("b".getBytes());
        Digest c = Digest.sha256("c".getBytes());
        Digest ab = Digest.sha256((a + " " + b).getBytes(StandardCharsets.UTF_8));
        assertThat(ChainIds.of(List.of(a, b, c)))
                .containsExactly(a, ab, Digest.sha256((ab + " " + c).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void directoriesHaveShortNumericNamesAndMetadata() throws Exception {
        SnapshotStore.Prepared p = store.prepare(List.of(source(base()), source(top())));
        assertThat(p.layers()).extracting(SnapshotStore.Snapshot::id).containsExactly(1, 2);
        assertThat(p.dirs().get(1)).isEqualTo(store.root().resolve("2/fs"));
        String meta = Files.readString(store.root().resolve("2/meta.json"));
        assertThat(meta).contains(p.chainId().toString()).contains(p.layers().get(0).chainId().toString());
    }

    @Test
    void leftoversOfACrashAreRemovedOnOpen() throws Exception {
        Files.createDirectories(store.root().resolve("tmp/unpack-123/fs/etc"));
        Files.createDirectories(store.root().resolve("7/fs")); // no meta.json: never completed
        SnapshotStore again = open(store.root());
        assertThat(again.list()).isEmpty();
        assertThat(store.root().resolve("tmp/unpack-123")).doesNotExist();
        assertThat(store.root().resolve("7")).doesNotExist();
    }

    @Test
    void overlayOptionsListLayersTopFirstAndDetectTheMountDataLimit() {
        List<Path> dirs = List.of(Path.of("/s/1/fs"), Path.of("/s/2/fs"), Path.of("/s/3/fs"));
        assertThat(OverlayMounts.lowerDir(dirs)).isEqualTo("/s/3/fs:/s/2/fs:/s/1/fs");
        OverlayMounts.Plan plan = OverlayMounts.plan(dirs, Path.of("/c/upper"), Path.of("/c/work"), "volatile");
        assertThat(plan.data()).isEqualTo("lowerdir=/s/3/fs:/s/2/fs:/s/1/fs,upperdir=/c/upper,workdir=/c/work,volatile");
        assertThat(plan.fits()).isTrue();

        List<Path> many = java.util.stream.IntStream.range(0, 150)
                .mapToObj(i -> Path.of("/var/lib/podlab/snapshots/" + (1000 + i) + "/fs")).toList();
        OverlayMounts.Plan big = OverlayMounts.plan(many, Path.of("/c/upper"), Path.of("/c/work"));
        assertThat(big.fits()).isFalse();
        assertThat(big.reason()).contains("mount data limit");
        assertThat(OverlayMounts.fits(many.subList(0, 100), Path.of("/c/upper"), Path.of("/c/work"))).isTrue();
    }

    @Test
    void overlayOptionsRefuseSeparatorsInPaths() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OverlayMounts.lowerDir(List.of(Path.of("/a:b"))))
                .hasMessageContaining("overlayfs would misread");
    }
}
