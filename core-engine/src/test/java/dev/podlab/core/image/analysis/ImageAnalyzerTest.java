package dev.podlab.core.image.analysis;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.analysis.FileChange.Kind;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.testing.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ImageAnalyzerTest {
    @TempDir
    Path tmp;
    ContentStore content;
    TestImages.WrittenImage image;

    @BeforeEach
    void setUp() {
        content = ImageStores.content(tmp.resolve("store"));
        image = TestImages.image()
                .layer(l -> l.dir("etc", 0755).file("etc/passwd", "p".repeat(100)).file("etc/big", "a".repeat(1000))
                        .dir("bin", 0755).file("bin/sh", "s".repeat(50), 0755)
                        .dir("data", 0755).file("data/a", "a".repeat(10)).file("data/b", "b".repeat(20)))
                .layer(Compression.ZSTD, l -> l.dir("etc", 0755).file("etc/big", "b".repeat(1000)).whiteout("etc/passwd")
                        .dir("data", 0755).opaque("data").file("data/c", "c".repeat(5)))
                .layer(Compression.NONE, l -> l.dir("app", 0755).file("app/x", "x".repeat(7)).whiteout("bin")
                        .symlink("app/link", "/etc/big"))
                .config(c -> c.history("ADD rootfs.tar /").emptyHistory("ENV PATH=/bin")
                        .history("RUN rewrite").history("COPY app /app"))
                .writeTo(content);
    }

    private ImageAnalysis analyze() {
        return ImageAnalyzer.analyze(content, image.manifest().layers(), image.manifest().imageConfig());
    }

    @Test
    void layersCarryDigestsSizesAndTheirHistory() {
        ImageAnalysis a = analyze();
        assertThat(a.layers()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            LayerAnalysis l = a.layers().get(i);
            assertThat(l.digest()).isEqualTo(image.layerDigests().get(i));
            assertThat(l.diffId()).isEqualTo(image.diffIds().get(i));
            assertThat(l.compressedSize()).isEqualTo(image.manifest().layers().get(i).size());
        }
        assertThat(a.layers()).extracting(LayerAnalysis::createdBy)
                .containsExactly("ADD rootfs.tar /", "RUN rewrite", "COPY app /app");
        assertThat(a.layers()).extracting(LayerAnalysis::unpackedSize).containsExactly(1180L, 1005L, 7L);
        assertThat(a.layers()).extracting(LayerAnalysis::fileCount).containsExactly(5L, 2L, 2L);
        assertThat(a.totalSize()).isEqualTo(1180 + 1005 + 7);
    }

    @Test
    void changesAreMarkedAgainstTheLayersBelow() {
        LayerAnalysis l1 = analyze().layers().get(1);
        assertThat(l1.changes()).containsExactlyInAnyOrder(
                new FileChange("etc", Kind.UNCHANGED, 0, true, null),
                new FileChange("etc/big", Kind.MODIFIED, 1000, false, null),
                new FileChange("etc/passwd", Kind.REMOVED, 100, false, null),
                new FileChange("data", Kind.UNCHANGED, 0, true, null),
                new FileChange("data/a", Kind.REMOVED, 10, false, null),
                new FileChange("data/b", Kind.REMOVED, 20, false, null),
                new FileChange("data/c", Kind.ADDED, 5, false, null));
        LayerAnalysis l2 = analyze().layers().get(2);
        assertThat(l2.changes()).contains(
                new FileChange("bin", Kind.REMOVED, 50, true, null),
                new FileChange("app/link", Kind.ADDED, 0, false, "/etc/big"));
        assertThat(l2.count(Kind.ADDED)).isEqualTo(3);
    }

    @Test
    void mergedTreeAndProviders() {
        ImageAnalysis a = analyze();
        assertThat(a.tree().keySet()).containsExactly("app", "app/link", "app/x", "data", "data/c", "etc", "etc/big");
        assertThat(a.providerOf("/etc/big")).get().extracting(LayerAnalysis::index).isEqualTo(1);
        assertThat(a.providerOf("app/x")).get().extracting(LayerAnalysis::index).isEqualTo(2);
        assertThat(a.providerOf("etc/passwd")).isEmpty();
        assertThat(a.providerOf("bin/sh")).isEmpty();
        assertThat(a.providerOf("data/a")).isEmpty();
        assertThat(a.children("/")).extracting(FileNode::path).containsExactly("app", "data", "etc");
        assertThat(a.children("app")).extracting(FileNode::path).containsExactly("app/link", "app/x");
    }

    @Test
    void wastedBytesAndEfficiencyAsDiveComputesThem() {
        ImageAnalysis a = analyze();
        // etc/big twice (1000 + 1000), etc/passwd added then whited out (100 + 0)
        assertThat(a.wastedBytes()).isEqualTo(2100);
        assertThat(a.inefficiencies()).extracting(ImageAnalysis.Inefficiency::path).containsExactly("etc/big", "etc/passwd");
        // leaves: passwd 100/0, big 2000/1000, sh 50, a 10, b 20, c 5, x 7, link 0, bin (whiteout of a dir) 50
        assertThat(a.efficiency()).isCloseTo(1142.0 / 2242.0, within(1e-9));
    }

    @Test
    void emptyImageIsPerfectlyEfficient() {
        ImageAnalysis a = ImageAnalyzer.analyze(List.of(), List.of());
        assertThat(a.efficiency()).isEqualTo(1.0);
        assertThat(a.wastedBytes()).isZero();
    }

    @Test
    void identicalCopiesCountAsWasteButNotAsModified() {
        TestImages.WrittenImage img = TestImages.image()
                .layer(l -> l.file("f", "same"))
                .layer(l -> l.file("f", "same"))
                .writeTo(content);
        ImageAnalysis a = ImageAnalyzer.analyze(content, img.manifest().layers(), img.manifest().imageConfig());
        assertThat(a.layers().get(1).changes()).containsExactly(new FileChange("f", Kind.UNCHANGED, 4, false, null));
        assertThat(a.wastedBytes()).isEqualTo(8);
        assertThat(a.efficiency()).isEqualTo(0.5);
    }

    @Test
    void historyWithoutEntriesAndDiffIdMismatch() {
        ImageConfig cfg = image.manifest().imageConfig();
        ImageConfig wrong = new ImageConfig(cfg.created(), cfg.author(), cfg.architecture(), cfg.os(), cfg.variant(),
                cfg.config(), new ImageConfig.RootFs("layers", List.of(image.diffIds().get(1).toString(),
                image.diffIds().get(1).toString(), image.diffIds().get(2).toString())), null);
        assertThatThrownBy(() -> ImageAnalyzer.analyze(content, image.manifest().layers(), wrong))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("diff id mismatch")
                .hasMessageContaining(image.layerDigests().get(0).toString());
    }

    @Test
    void unsafeEntriesAreLeftOutWithANote() {
        TestImages.WrittenImage img = TestImages.image()
                .rawLayer(t -> {
                    TestImages.Tar.file(t, "../evil", "x");
                    TestImages.Tar.file(t, "ok", "y");
                })
                .writeTo(content);
        ImageAnalysis a = ImageAnalyzer.analyze(content, img.manifest().layers(), img.manifest().imageConfig());
        assertThat(a.tree().keySet()).containsExactly("ok");
        assertThat(a.layers().get(0).notes()).singleElement().asString().contains("../evil");
    }
}
