package dev.podlab.core.image.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestImages;
import dev.podlab.core.testing.TestImages.WrittenImage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The layout the store writes is a real OCI layout: skopeo and umoci read it. */
@Tag("host-tools")
class ImageStoreHostToolsTest {
    @TempDir
    Path tmp;

    @Test
    void skopeoAndUmociReadTheStore() throws Exception {
        HostRequirements.requireCommand("skopeo");
        HostRequirements.requireCommand("umoci");
        Path root = tmp.resolve("images");
        OciLayoutImageStore store = ImageStores.open(root);
        WrittenImage img = TestImages.image()
                .layer(TestImages.busyboxLayer())
                .layer(l -> l.dir("app", 0755).file("app/hello.txt", "hi\n"))
                .config(c -> c.cmd("/bin/sh").env("PATH=/bin").workingDir("/app"))
                .compression(Compression.GZIP)
                .writeTo(store.content());
        store.tag(ImageReference.parse("localhost:5000/podlab/demo:v1"), img.plainTarget());
        // A second image and a prune: what remains must still be a valid layout.
        WrittenImage other = TestImages.image().layer(l -> l.file("x", "1")).writeTo(store.content());
        store.tag(ImageReference.parse("other:v2"), other.plainTarget());
        store.untag(ImageReference.parse("other:v2"));
        assertThat(store.prune().blobs()).isNotEmpty();

        HostTools.Result inspect = HostTools.run(tmp, "skopeo", "inspect", "oci:" + root + ":v1");
        assertThat(inspect.exit()).as(inspect.output()).isZero();
        JsonNode info = new ObjectMapper().readTree(inspect.output());
        assertThat(info.get("Digest").asText()).isEqualTo(img.manifestDigest().toString());
        assertThat(info.get("Layers")).hasSize(2);

        Path bundle = tmp.resolve("bundle");
        HostTools.Result unpack = HostTools.run(tmp, "umoci", "unpack", "--image", root + ":v1", bundle.toString());
        assertThat(unpack.exit()).as(unpack.output()).isZero();
        assertThat(Files.readString(bundle.resolve("rootfs/app/hello.txt"))).isEqualTo("hi\n");
        assertThat(bundle.resolve("rootfs/bin/busybox")).isExecutable();
    }
}
