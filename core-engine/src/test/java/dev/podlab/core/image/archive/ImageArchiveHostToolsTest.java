package dev.podlab.core.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.archive.ArchiveTestSupport.Result;
import dev.podlab.core.image.archive.ArchiveTestSupport.Stored;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.image.store.OciLayoutImageStore;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestImages;
import dev.podlab.core.testing.TestImages.WrittenImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Archives skopeo writes import correctly, and skopeo reads the archives podlab writes. skopeo runs with TMPDIR
 * and --tmpdir inside the test directory; as root it still updates its blob-info cache in
 * /var/lib/containers/cache (skopeo 1.9 has no option to move it).
 */
@Tag("host-tools")
class ImageArchiveHostToolsTest {
    @TempDir
    Path tmp;

    private Path skopeo;

    @BeforeEach
    void needSkopeo() {
        skopeo = HostRequirements.requireCommand("skopeo");
    }

    private Result skopeo(String... args) throws Exception {
        String[] cmd = new String[args.length + 4];
        cmd[0] = skopeo.toString();
        cmd[1] = "--insecure-policy";
        cmd[2] = "--tmpdir";
        cmd[3] = tmp.toString();
        System.arraycopy(args, 0, cmd, 4, args.length);
        Result r = ArchiveTestSupport.run(tmp, cmd);
        assertThat(r.exit()).as(String.join(" ", cmd) + "\n" + r.output()).isZero();
        return r;
    }

    private WrittenImage layout() {
        return TestImages.layout(tmp.resolve("layout"))
                .layer(l -> l.dir("etc", 0755).file("etc/hostname", "skopeo\n"))
                .layer(l -> l.dir("app", 0755).file("app/x", "1").symlink("app/y", "x"))
                .config(c -> c.cmd("/bin/sh").env("PATH=/bin"))
                .compression(Compression.GZIP)
                .tag("v1")
                .write();
    }

    @Test
    void importsADockerArchiveWrittenBySkopeo() throws Exception {
        WrittenImage img = layout();
        Path archive = tmp.resolve("skopeo-docker.tar");
        skopeo("copy", "--quiet", img.skopeoRef(), "docker-archive:" + archive + ":localhost/demo:v1");
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("store"));

        List<ImageRecord> imported = ImageImporter.importFrom(archive, store);

        assertThat(imported).singleElement().satisfies(r -> {
            assertThat(r.reference().toString()).isEqualTo("localhost/demo:v1");
            assertThat(r.id()).isEqualTo(img.configDigest());
            assertThat(r.layers()).extracting(Descriptor::parsedDigest).containsExactlyElementsOf(img.diffIds());
            ArchiveTestSupport.assertIntact(store, r);
        });
    }

    @Test
    void importsAnOciArchiveWrittenBySkopeo() throws Exception {
        WrittenImage img = layout();
        Path archive = tmp.resolve("skopeo-oci.tar");
        skopeo("copy", "--quiet", img.skopeoRef(), "oci-archive:" + archive + ":v1");
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("store"));

        List<ImageRecord> imported = ImageImporter.importFrom(archive, store);

        assertThat(imported).singleElement().satisfies(r -> {
            assertThat(r.reference().toString()).isEqualTo("localhost/skopeo-oci:v1");
            assertThat(r.manifest().parsedDigest()).isEqualTo(img.manifestDigest());
            assertThat(r.id()).isEqualTo(img.configDigest());
            ArchiveTestSupport.assertIntact(store, r);
        });
    }

    @Test
    void skopeoReadsTheArchivesPodlabWrites() throws Exception {
        Stored src = ArchiveTestSupport.storeWithImage(tmp.resolve("store"), "localhost/podlab/demo:v1");
        Path docker = tmp.resolve("podlab-docker.tar");
        Path oci = tmp.resolve("podlab-oci.tar");
        ImageExporter.save(src.store(), List.of("localhost/podlab/demo:v1"), docker, ArchiveFormat.DOCKER_ARCHIVE);
        ImageExporter.save(src.store(), List.of("localhost/podlab/demo:v1"), oci, ArchiveFormat.OCI_ARCHIVE);

        JsonNode d = ArchiveTestSupport.JSON.readTree(skopeo("inspect", "docker-archive:" + docker).output());
        assertThat(d.get("Layers")).extracting(JsonNode::asText)
                .containsExactlyElementsOf(src.image().diffIds().stream().map(Digest::toString).toList());
        assertThat(d.get("Labels").get("name").asText()).isEqualTo("localhost/podlab/demo:v1");
        JsonNode cfg = ArchiveTestSupport.JSON.readTree(
                skopeo("inspect", "--config", "docker-archive:" + docker).output());
        assertThat(cfg.get("rootfs").get("diff_ids")).hasSize(2);

        JsonNode o = ArchiveTestSupport.JSON.readTree(skopeo("inspect", "oci-archive:" + oci).output());
        assertThat(o.get("Digest").asText()).isEqualTo(src.image().manifestDigest().toString());
        skopeo("inspect", "oci-archive:" + oci + ":v1");

        // And a full copy through skopeo back to a layout gives the same image again.
        skopeo("copy", "--quiet", "docker-archive:" + docker, "oci:" + tmp.resolve("back") + ":v1");
        List<ImageRecord> back = ImageImporter.importFrom(tmp.resolve("back"), ImageStores.open(tmp.resolve("s2")));
        assertThat(back).singleElement().extracting(ImageRecord::id).isEqualTo(src.image().configDigest());
    }
}
