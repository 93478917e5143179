package dev.podlab.core.image.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestImages;
import dev.podlab.core.testing.TestImages.Tar;
import dev.podlab.core.testing.TestImages.WrittenImage;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestImagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void writesLayoutWithCompressedLayerDigestsAndUncompressedDiffIds() throws IOException {
        Path dir = tmp.resolve("layout");
        WrittenImage img = TestImages.layout(dir)
                .layer(l -> l.dir("etc", 0755).file("etc/motd", "hello\n"))
                .layer(l -> l.whiteout("etc/motd").opaque("var"))
                .config(c -> c.cmd("/bin/sh").env("PATH=/bin").workingDir("/").user("1000:1000").label("a", "b")
                        .history("ADD motd").history("RUN rm motd"))
                .tag("v1")
                .write();

        assertThat(Files.readString(dir.resolve("oci-layout"))).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
        assertThat(index.at("/manifests/0/annotations/org.opencontainers.image.ref.name").asText()).isEqualTo("v1");
        assertThat(index.at("/manifests/0/digest").asText()).isEqualTo(img.manifestDigest().toString());

        for (Digest d : img.blobs().keySet()) {
            byte[] blob = Files.readAllBytes(dir.resolve("blobs/sha256").resolve(d.hex()));
            assertThat(Digest.sha256(blob)).isEqualTo(d);
        }
        byte[] layer0 = Files.readAllBytes(dir.resolve("blobs/sha256").resolve(img.layerDigests().get(0).hex()));
        byte[] tar0 = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(layer0)).readAllBytes();
        assertThat(Digest.sha256(tar0)).isEqualTo(img.diffIds().get(0));
        assertThat(names(tar0)).containsExactly("etc/", "etc/motd");
        byte[] tar1 = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(img.blobs().get(img.layerDigests().get(1))))
                .readAllBytes();
        assertThat(names(tar1)).containsExactly("etc/.wh.motd", "var/.wh..wh..opq");

        JsonNode config = JSON.readTree(img.blobs().get(img.configDigest()));
        assertThat(config.at("/rootfs/diff_ids/1").asText()).isEqualTo(img.diffIds().get(1).toString());
        assertThat(config.at("/config/User").asText()).isEqualTo("1000:1000");
        assertThat(config.at("/history/1/created_by").asText()).isEqualTo("RUN rm motd");
        assertThat(config.at("/architecture").asText())
                .isEqualTo(dev.podlab.core.image.oci.Platform.host().architecture());
    }

    @Test
    void sameDescriptionGivesSameDigestsAndSecondImageIsAddedToIndex() throws IOException {
        Path dir = tmp.resolve("layout");
        WrittenImage a = TestImages.layout(dir).layer(l -> l.file("x", "1")).tag("a").write();
        WrittenImage b = TestImages.layout(dir).layer(l -> l.file("x", "1")).layer(l -> l.file("y", "2")).tag("b").write();
        WrittenImage a2 = TestImages.layout(dir).layer(l -> l.file("x", "1")).tag("a").write();
        assertThat(b.layerDigests().get(0)).isEqualTo(a.layerDigests().get(0));
        assertThat(a2.manifestDigest()).isEqualTo(a.manifestDigest());
        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
        assertThat(index.get("manifests")).hasSize(2);
    }

    @Test
    void rawLayerKeepsHostileNamesVerbatim() throws IOException {
        WrittenImage img = TestImages.image().compression(Compression.NONE).rawLayer(tar -> {
            Tar.file(tar, "/etc/evil", "x");
            Tar.file(tar, "../../escape", "x");
            Tar.symlink(tar, "link", "/etc");
            Tar.file(tar, "link/passwd", "x");
            Tar.hardlink(tar, "hl", "/etc/shadow");
            Tar.charDevice(tar, "dev/mem", 1, 1);
            Tar.fifo(tar, "fifo");
            Tar.file(tar, "d/" + "n".repeat(200), "long");
        }).build();
        byte[] tar = img.blobs().get(img.layerDigests().get(0));
        assertThat(img.manifest().layers().get(0).mediaType()).isEqualTo(MediaTypes.OCI_LAYER);
        assertThat(names(tar)).containsExactly("/etc/evil", "../../escape", "link", "link/passwd", "hl", "dev/mem",
                "fifo", "d/" + "n".repeat(200));
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().equals("dev/mem")) {
                    assertThat(e.isCharacterDevice()).isTrue();
                    assertThat(e.getDevMajor()).isEqualTo(1);
                }
                if (e.getName().equals("hl")) {
                    assertThat(e.isLink()).isTrue();
                    assertThat(e.getLinkName()).isEqualTo("/etc/shadow");
                }
            }
        }
    }

    @Test
    void indexWithPlatformsAndDockerMediaTypes() throws IOException {
        WrittenImage img = TestImages.layout(tmp.resolve("l")).layer(l -> l.file("x", "1"))
                .platforms("linux/amd64", "linux/arm64/v8").dockerMediaTypes().tag("multi").write();
        assertThat(img.target().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        JsonNode index = JSON.readTree(img.blobs().get(img.targetDigest()));
        assertThat(index.at("/manifests/1/platform/architecture").asText()).isEqualTo("arm64");
        assertThat(index.at("/manifests/1/platform/variant").asText()).isEqualTo("v8");
        JsonNode armConfig = JSON.readTree(img.blobs().get(img.manifest("linux/arm64/v8").configDigest()));
        assertThat(armConfig.get("architecture").asText()).isEqualTo("arm64");
        assertThat(img.manifest().manifest().layers().get(0).mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER_GZIP);
        assertThatThrownBy(() -> TestImages.image().dockerMediaTypes().compression(Compression.ZSTD)
                .layer(l -> l.file("x", "1")).build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void busyboxLayerHasBinaryAppletsAndUsers() throws IOException {
        byte[] tar = TestImages.tar(TestImages.busyboxLayer());
        List<String> names = names(tar);
        assertThat(names).contains("bin/busybox", "bin/sh", "bin/ls", "etc/passwd", "etc/group", "tmp/");
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    @Tag("host-tools")
    void skopeoAndUmociAcceptTheLayout(Compression compression) throws Exception {
        HostRequirements.requireCommand("skopeo");
        HostRequirements.requireCommand("umoci");
        Path dir = tmp.resolve("layout");
        WrittenImage img = TestImages.layout(dir)
                .layer(TestImages.busyboxLayer())
                .layer(l -> l.dir("app", 0755).file("app/hello.txt", "hi\n").symlink("app/link", "hello.txt")
                        .hardlink("app/hard", "app/hello.txt").whiteout("etc/group"))
                .config(c -> c.entrypoint("/bin/sh", "-c").cmd("cat /app/hello.txt").env("PATH=/bin")
                        .workingDir("/app").user("0:0").label("org.example", "yes"))
                .compression(compression)
                .tag("v1")
                .write();

        HostTools.Result inspect = HostTools.run(tmp, "skopeo", "inspect", "oci:" + dir + ":v1");
        assertThat(inspect.exit()).as(inspect.output()).isZero();
        JsonNode info = JSON.readTree(inspect.output());
        assertThat(info.get("Digest").asText()).isEqualTo(img.manifestDigest().toString());
        assertThat(info.get("Layers")).hasSize(2);

        if (compression == Compression.ZSTD) {
            return; // umoci 0.4.7 predates zstd layers
        }
        Path bundle = tmp.resolve("bundle");
        HostTools.Result unpack = HostTools.run(tmp, "umoci", "unpack", "--image", dir + ":v1", bundle.toString());
        assertThat(unpack.exit()).as(unpack.output()).isZero();
        assertThat(Files.readString(bundle.resolve("rootfs/app/hello.txt"))).isEqualTo("hi\n");
        assertThat(Files.readSymbolicLink(bundle.resolve("rootfs/bin/sh")).toString()).isEqualTo("busybox");
        assertThat(bundle.resolve("rootfs/etc/group")).doesNotExist();
        assertThat(bundle.resolve("rootfs/etc/passwd")).exists();
        assertThat(Files.readString(bundle.resolve("config.json"))).contains("/app/hello.txt");
    }

    @Test
    @Tag("host-tools")
    void skopeoReadsAnIndexLayout() throws Exception {
        HostRequirements.requireCommand("skopeo");
        Path dir = tmp.resolve("layout");
        WrittenImage img = TestImages.layout(dir).layer(l -> l.file("x", "1"))
                .platforms("linux/amd64", "linux/arm64").tag("multi").write();
        HostTools.Result inspect = HostTools.run(tmp, "skopeo", "--override-arch", "arm64", "inspect",
                "oci:" + dir + ":multi");
        assertThat(inspect.exit()).as(inspect.output()).isZero();
        // skopeo reports the digest the name points at (the index) and the chosen platform's config.
        JsonNode info = JSON.readTree(inspect.output());
        assertThat(info.get("Digest").asText()).isEqualTo(img.targetDigest().toString());
        assertThat(info.get("Architecture").asText()).isEqualTo("arm64");
        assertThat(info.get("Layers").get(0).asText()).isEqualTo(img.layerDigests().get(0).toString());
    }

    static List<String> names(byte[] tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar),
                StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
