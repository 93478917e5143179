package dev.podlab.core.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.archive.ArchiveTestSupport.Stored;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.image.store.OciLayoutImageStore;
import dev.podlab.core.testing.TestImages;
import dev.podlab.core.testing.TestImages.WrittenImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static dev.podlab.core.image.archive.ArchiveTestSupport.members;
import static dev.podlab.core.image.archive.ArchiveTestSupport.storeWithImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Store -> archive -> fresh store keeps the images: digests, ids, names. */
class ImageArchiveRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void ociArchiveRoundTripKeepsEveryDigest() throws Exception {
        Stored src = storeWithImage(tmp.resolve("a"), "localhost:5000/demo/app:v1");
        Path archive = tmp.resolve("app.tar");

        ExportResult saved = ImageExporter.save(src.store(), List.of("localhost:5000/demo/app:v1"), archive,
                ArchiveFormat.OCI_ARCHIVE);

        assertThat(saved.bytes()).isEqualTo(Files.size(archive));
        assertThat(members(archive)).containsKeys("oci-layout", "index.json",
                "blobs/sha256/" + src.image().manifestDigest().hex());
        assertThat(tmp).isDirectoryNotContaining("glob:**/.app.tar.tmp-*");
        OciLayoutImageStore dst = ImageStores.open(tmp.resolve("b"));
        List<ImportEvent> events = new ArrayList<>();
        List<ImageRecord> imported = ImageImporter.importFrom(archive, dst, Optional.empty(), events::add);

        assertThat(imported).singleElement().satisfies(r -> {
            assertThat(r.reference().toString()).isEqualTo("localhost:5000/demo/app:v1");
            assertThat(r.manifest().digest()).isEqualTo(src.image().manifestDigest().toString());
            assertThat(r.id()).isEqualTo(src.image().configDigest());
            assertThat(r.layers()).extracting(Descriptor::digest)
                    .containsExactlyElementsOf(src.image().layerDigests().stream().map(Digest::toString).toList());
        });
        assertThat(events).first().isInstanceOf(ImportEvent.FormatDetected.class)
                .extracting(e -> ((ImportEvent.FormatDetected) e).format()).isEqualTo(ArchiveFormat.OCI_ARCHIVE);
        assertThat(events).last().isInstanceOf(ImportEvent.Finished.class);
        ArchiveTestSupport.assertIntact(dst, imported.get(0));
        assertThat(dst.content().list()).hasSize(4); // two layers, config, manifest: nothing else
    }

    @Test
    void multiPlatformIndexSurvivesAnOciArchive() {
        OciLayoutImageStore a = ImageStores.open(tmp.resolve("a"));
        WrittenImage img = TestImages.image().layer(l -> l.file("x", "1"))
                .platforms("linux/amd64", "linux/arm64/v8").writeTo(a.content());
        a.tag(ImageReference.parse("multi:1"), img.plainTarget());
        Path archive = tmp.resolve("multi.tar");
        ImageExporter.save(a, List.of("multi:1"), archive, ArchiveFormat.OCI_ARCHIVE);

        OciLayoutImageStore b = ImageStores.open(tmp.resolve("b"));
        List<ImageRecord> imported = ImageImporter.importFrom(archive, b);

        assertThat(imported).singleElement().satisfies(r -> {
            assertThat(r.reference().toString()).isEqualTo("docker.io/library/multi:1");
            assertThat(r.target().parsedDigest()).isEqualTo(img.targetDigest());
        });
        assertThat(b.content().contains(img.manifest("linux/arm64/v8").digest())).isTrue();
    }

    @Test
    void dockerArchiveRoundTripUncompressesLayersAndKeepsTheImageId() throws Exception {
        Stored src = storeWithImage(tmp.resolve("a"), "localhost:5000/demo/app:v1");
        src.store().tag(ImageReference.parse("demo:latest"), src.image().plainTarget());
        Path archive = tmp.resolve("app-docker.tar");

        ImageExporter.save(src.store(), List.of("localhost:5000/demo/app:v1", "demo"), archive,
                ArchiveFormat.DOCKER_ARCHIVE);

        Map<String, byte[]> m = members(archive);
        List<Digest> diffIds = src.image().diffIds();
        assertThat(m).containsKeys("manifest.json", "repositories", src.image().configDigest().hex() + ".json");
        for (Digest id : diffIds) {
            assertThat(Digest.sha256(m.get(id.hex() + "/layer.tar"))).isEqualTo(id);
        }
        JsonNode manifest = ArchiveTestSupport.JSON.readTree(m.get("manifest.json"));
        assertThat(manifest).hasSize(1); // both names point at one image: one entry, two RepoTags
        assertThat(manifest.get(0).get("RepoTags")).extracting(JsonNode::asText)
                .containsExactly("localhost:5000/demo/app:v1", "demo:latest");
        JsonNode repositories = ArchiveTestSupport.JSON.readTree(m.get("repositories"));
        assertThat(repositories.get("demo").get("latest").asText()).isEqualTo(diffIds.get(1).hex());

        OciLayoutImageStore dst = ImageStores.open(tmp.resolve("b"));
        List<ImageRecord> imported = ImageImporter.importFrom(archive, dst);

        assertThat(imported).extracting(r -> r.reference().toString())
                .containsExactly("localhost:5000/demo/app:v1", "docker.io/library/demo:latest");
        for (ImageRecord r : imported) {
            assertThat(r.id()).isEqualTo(src.image().configDigest());
            assertThat(r.config().rootfs().diffIds()).containsExactlyElementsOf(
                    diffIds.stream().map(Digest::toString).toList());
            assertThat(r.layers()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.OCI_LAYER);
            assertThat(r.layers()).extracting(Descriptor::parsedDigest).containsExactlyElementsOf(diffIds);
            ArchiveTestSupport.assertIntact(dst, r);
        }
        // Exported again, the uncompressed image gives the same docker-archive members.
        Path again = tmp.resolve("again.tar");
        ImageExporter.save(dst, List.of("demo"), again, ArchiveFormat.DOCKER_ARCHIVE);
        assertThat(members(again).get(diffIds.get(0).hex() + "/layer.tar"))
                .isEqualTo(m.get(diffIds.get(0).hex() + "/layer.tar"));
    }

    @Test
    void importsAnOciLayoutDirectoryNamingBareTagsAfterTheDirectory() {
        Path layout = tmp.resolve("My Layout");
        WrittenImage img = TestImages.layout(layout).layer(l -> l.file("a", "1")).tag("v1").write();
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("store"));

        List<ImageRecord> imported = ImageImporter.importFrom(layout, store);

        assertThat(imported).singleElement().satisfies(r -> {
            assertThat(r.reference().toString()).isEqualTo("localhost/my-layout:v1");
            assertThat(r.target().parsedDigest()).isEqualTo(img.targetDigest());
        });
        assertThat(ImageImporter.detect(layout)).isEqualTo(ArchiveFormat.OCI_LAYOUT_DIR);
    }

    @Test
    void ociLayoutDirectoryExportReadsBack() {
        Stored src = storeWithImage(tmp.resolve("a"), "demo:v2");
        Path dir = tmp.resolve("out");

        ImageExporter.save(src.store(), List.of("demo:v2"), dir, ArchiveFormat.OCI_LAYOUT_DIR);

        assertThat(dir.resolve("oci-layout")).exists();
        List<ImageRecord> imported = ImageImporter.importFrom(dir, ImageStores.open(tmp.resolve("b")));
        assertThat(imported).singleElement().extracting(r -> r.manifest().digest())
                .isEqualTo(src.image().manifestDigest().toString());
        assertThatThrownBy(() -> ImageExporter.save(src.store(), List.of("demo:v2"), dir, ArchiveFormat.OCI_LAYOUT_DIR))
                .hasMessageContaining("failed to save images to " + dir).hasMessageContaining("not empty");
    }

    @Test
    void gzipCompressedOciArchiveAndNameOverride() throws Exception {
        Stored src = storeWithImage(tmp.resolve("a"), "demo:v3");
        Path plain = tmp.resolve("plain.tar");
        ImageExporter.save(src.store(), List.of("demo:v3"), plain, ArchiveFormat.OCI_ARCHIVE);
        Path gz = tmp.resolve("demo.tar.gz");
        try (InputStream in = Files.newInputStream(plain);
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            in.transferTo(out);
        }
        OciLayoutImageStore dst = ImageStores.open(tmp.resolve("b"));

        List<ImageRecord> imported = ImageImporter.importFrom(gz, dst,
                Optional.of(ImageReference.parse("localhost/renamed:1")), ImportListener.NONE);

        assertThat(imported).singleElement().extracting(r -> r.reference().toString())
                .isEqualTo("localhost/renamed:1");
        assertThat(dst.names()).extracting(n -> n.reference().toString()).containsExactly("localhost/renamed:1");
    }

    @Test
    void untaggedDockerImageGetsADigestNameAndReimportIsIdempotent() throws Exception {
        byte[] layer = TestImages.tar(l -> l.file("f", "x"));
        Path archive = ArchiveTestSupport.dockerArchive(tmp.resolve("Saved Image.tar"), List.of(layer),
                List.of(Digest.sha256(layer)), null);
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("s"));

        List<ImageRecord> first = ImageImporter.importFrom(archive, store);
        List<ImageRecord> second = ImageImporter.importFrom(archive, store);

        assertThat(first).singleElement().satisfies(r -> assertThat(r.reference().toString())
                .isEqualTo("localhost/saved-image@" + r.manifest().digest()));
        assertThat(second).extracting(ImageRecord::reference).isEqualTo(first.stream().map(ImageRecord::reference).toList());
        assertThat(store.names()).hasSize(1);
    }

    @Test
    void importMovesAnExistingNameToTheImportedImage() {
        Stored src = storeWithImage(tmp.resolve("a"), "demo:v1");
        Path archive = tmp.resolve("x.tar");
        ImageExporter.save(src.store(), List.of("demo:v1"), archive, ArchiveFormat.OCI_ARCHIVE);
        Stored other = storeWithImage(tmp.resolve("b"), "demo:v1-other");
        OciLayoutImageStore dst = other.store();
        WrittenImage old = TestImages.image().layer(l -> l.file("old", "1")).writeTo(dst.content());
        dst.tag(ImageReference.parse("demo:v1"), old.plainTarget());

        ImageImporter.importFrom(archive, dst);

        assertThat(dst.find("demo:v1").orElseThrow().manifest().digest())
                .isEqualTo(src.image().manifestDigest().toString());
        assertThat(dst.find("demo:v1-other")).isPresent();
    }

    @Test
    void saveNamesAMissingImage() {
        Stored src = storeWithImage(tmp.resolve("a"), "demo:v1");
        Path archive = tmp.resolve("x.tar");
        assertThatThrownBy(() -> ImageExporter.save(src.store(), List.of("demo:v1", "nope:1"), archive,
                ArchiveFormat.DOCKER_ARCHIVE))
                .hasMessage("failed to save images to " + archive + ": no image \"nope:1\" in the store");
        assertThat(archive).doesNotExist();
        assertThat(ArchiveFormat.parse("docker-archive")).isEqualTo(ArchiveFormat.DOCKER_ARCHIVE);
        assertThatThrownBy(() -> ArchiveFormat.parse("zip")).hasMessageContaining("oci-archive, docker-archive");
    }

    @Test
    void dockerArchiveWithLinkedAndCompressedLayers() throws Exception {
        byte[] plain = TestImages.tar(l -> l.file("a", "plain"));
        byte[] zipped = TestImages.tar(l -> l.file("b", "zipped"));
        byte[] gz = TestImages.compress(zipped, dev.podlab.core.image.oci.MediaTypes.Compression.GZIP);
        Path base = ArchiveTestSupport.dockerArchive(tmp.resolve("base.tar"), List.of(plain, gz),
                List.of(Digest.sha256(plain), Digest.sha256(zipped)), List.of("linked:1"));
        Map<String, byte[]> m = members(base);
        // As skopeo writes it: the layer as <hex>.tar, and <id>/layer.tar a symbolic link to it.
        Path linked = ArchiveTestSupport.tar(tmp.resolve("linked.tar"), t -> {
            TestImages.Tar.file(t, "abc.tar", plain, 0444);
            TestImages.Tar.dir(t, "layer0", 0755);
            TestImages.Tar.symlink(t, "layer0/layer.tar", "../abc.tar");
            TestImages.Tar.hardlink(t, "layer1/layer.tar", "gz.bin");
            for (var e : m.entrySet()) {
                if (!e.getKey().startsWith("layer")) {
                    TestImages.Tar.file(t, e.getKey(), e.getValue(), 0644);
                }
            }
            TestImages.Tar.file(t, "gz.bin", gz, 0444);
        });
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("s"));

        ImageRecord r = ImageImporter.importFrom(linked, store).get(0);

        assertThat(r.layers()).extracting(Descriptor::mediaType)
                .containsExactly(MediaTypes.OCI_LAYER, MediaTypes.OCI_LAYER_GZIP);
        assertThat(r.layers()).extracting(Descriptor::parsedDigest)
                .containsExactly(Digest.sha256(plain), Digest.sha256(gz));
        // Saved as a docker-archive again, the gzip layer comes out uncompressed.
        Path out = tmp.resolve("out.tar");
        ImageExporter.save(store, List.of("linked:1"), out, ArchiveFormat.DOCKER_ARCHIVE);
        assertThat(members(out).get(Digest.sha256(zipped).hex() + "/layer.tar")).isEqualTo(zipped);
    }
}
