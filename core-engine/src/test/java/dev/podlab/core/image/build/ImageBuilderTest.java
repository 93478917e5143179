package dev.podlab.core.image.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.build.Tars.Item;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.image.store.FileContentStore;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageBuilderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Layer everyKind() {
        return Layer.builder()
                .dir("/app/", 0755)
                .owner(1000, 1001).file("app/hello.txt", "hi\n").file("app/run", "#!/bin/sh\n", 04755)
                .symlink("app/link", "hello.txt").hardlink("/app/hard", "/app/hello.txt")
                .owner(0, 0).whiteout("etc/motd").opaque("var/cache").opaque("")
                .charDevice("dev/null", 1, 3).blockDevice("dev/sda", 8, 0).fifo("run/fifo")
                .build();
    }

    @Test
    void writesEveryEntryKindDeterministically() throws IOException {
        List<Item> items = Tars.read(LayerTars.tar(everyKind(), ImageBuilder.FIXED_TIME));
        assertThat(Tars.names(items)).containsExactly("app/", "app/hello.txt", "app/run", "app/link", "app/hard",
                "etc/.wh.motd", "var/cache/.wh..wh..opq", ".wh..wh..opq", "dev/null", "dev/sda", "run/fifo");
        for (Item i : items) {
            assertThat(i.entry().getModTime().toInstant()).isEqualTo(ImageBuilder.FIXED_TIME);
            assertThat(i.entry().getUserName()).isEmpty();
            assertThat(i.entry().getGroupName()).isEmpty();
        }
        Item dir = Tars.find(items, "app/");
        assertThat(dir.entry().isDirectory()).isTrue();
        assertThat(dir.entry().getMode()).isEqualTo(040755);
        assertThat(dir.entry().getLongUserId()).isZero();
        Item hello = Tars.find(items, "app/hello.txt");
        assertThat(new String(hello.content(), StandardCharsets.UTF_8)).isEqualTo("hi\n");
        assertThat(hello.entry().getLongUserId()).isEqualTo(1000);
        assertThat(hello.entry().getLongGroupId()).isEqualTo(1001);
        assertThat(Tars.find(items, "app/run").entry().getMode()).isEqualTo(0104755);
        assertThat(Tars.find(items, "app/link").entry().isSymbolicLink()).isTrue();
        assertThat(Tars.find(items, "app/link").entry().getLinkName()).isEqualTo("hello.txt");
        assertThat(Tars.find(items, "app/hard").entry().isLink()).isTrue();
        assertThat(Tars.find(items, "app/hard").entry().getLinkName()).isEqualTo("app/hello.txt");
        assertThat(Tars.find(items, "etc/.wh.motd").content()).isEmpty();
        assertThat(Tars.find(items, "etc/.wh.motd").entry().getLongUserId()).isZero();
        Item nul = Tars.find(items, "dev/null");
        assertThat(nul.entry().isCharacterDevice()).isTrue();
        assertThat(nul.entry().getDevMajor()).isEqualTo(1);
        assertThat(nul.entry().getDevMinor()).isEqualTo(3);
        assertThat(nul.entry().getMode()).isEqualTo(020666);
        assertThat(Tars.find(items, "dev/sda").entry().isBlockDevice()).isTrue();
        assertThat(Tars.find(items, "run/fifo").entry().isFIFO()).isTrue();
    }

    @Test
    void rejectsPathsOutsideTheRootAndBadModes() {
        assertThatThrownBy(() -> Layer.builder().file("../etc/passwd", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("..");
        assertThatThrownBy(() -> Layer.builder().dir("a/../../b", 0755)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Layer.builder().dir("/", 0755)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Layer.builder().dir("x", 0100755)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permission bits");
        assertThatThrownBy(() -> Layer.builder().owner(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesBlobsIntoTheContentStoreAndDescribesThem() throws IOException {
        FileContentStore store = ImageStores.content(tmp.resolve("store"));
        BuiltImage img = ImageBuilder.create()
                .layer(Layer.builder().dir("etc", 0755).file("etc/motd", "hello\n").build())
                .layer(Layer.builder().whiteout("etc/motd").build().withCompression(Compression.ZSTD))
                .history("COPY motd /etc/").emptyHistory("ENV A=b").history("RUN rm /etc/motd")
                .entrypoint("/bin/sh", "-c").cmd("echo hi").env("PATH=/bin", "A=b").workingDir("/")
                .user("1000:1000").label("z", "1").label("a", "2").exposedPort("8080/tcp").exposedPort("53/udp")
                .volume("/data").stopSignal("SIGINT").author("podlab")
                .writeTo(store);

        assertThat(img.blobs()).hasSize(4);
        for (Digest d : img.blobs()) {
            assertThat(store.contains(d)).isTrue();
        }
        assertThat(img.target().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(img.target().annotations()).isNull();
        assertThat(img.target().platform()).isNull();
        assertThat(img.targetDigest()).isEqualTo(img.manifest().digest());
        assertThat(img.manifest().layers()).extracting(l -> l.mediaType())
                .containsExactly(MediaTypes.OCI_LAYER_GZIP, MediaTypes.OCI_LAYER_ZSTD);
        assertThat(Digest.sha256(Tars.uncompressed(store, img.manifest().layers().get(1))))
                .isEqualTo(img.diffIds().get(1));

        JsonNode cfg = JSON.readTree(store.read(img.configDigest()));
        assertThat(cfg.get("created").asText()).isEqualTo("2024-01-01T00:00:00Z");
        assertThat(cfg.get("architecture").asText()).isEqualTo(Platform.host().architecture());
        assertThat(cfg.at("/config/Entrypoint").toString()).isEqualTo("[\"/bin/sh\",\"-c\"]");
        assertThat(cfg.at("/config/Cmd").toString()).isEqualTo("[\"echo hi\"]");
        assertThat(cfg.at("/config/Env").toString()).isEqualTo("[\"PATH=/bin\",\"A=b\"]");
        assertThat(cfg.at("/config/User").asText()).isEqualTo("1000:1000");
        assertThat(cfg.at("/config/ExposedPorts").toString()).isEqualTo("{\"53/udp\":{},\"8080/tcp\":{}}");
        assertThat(cfg.at("/config/Labels").toString()).isEqualTo("{\"a\":\"2\",\"z\":\"1\"}");
        assertThat(cfg.at("/config/Volumes").toString()).isEqualTo("{\"/data\":{}}");
        assertThat(cfg.at("/config/StopSignal").asText()).isEqualTo("SIGINT");
        assertThat(cfg.at("/rootfs/diff_ids/0").asText()).isEqualTo(img.diffIds().get(0).toString());
        assertThat(cfg.get("history")).hasSize(3);
        assertThat(cfg.at("/history/0/created_by").asText()).isEqualTo("COPY motd /etc/");
        assertThat(cfg.at("/history/0/empty_layer").isMissingNode()).isTrue();
        assertThat(cfg.at("/history/1/created_by").asText()).isEqualTo("ENV A=b");
        assertThat(cfg.at("/history/1/empty_layer").asBoolean()).isTrue();
        assertThat(cfg.at("/history/2/created_by").asText()).isEqualTo("RUN rm /etc/motd");
    }

    @Test
    void historyIsPaddedForLayersWithoutOneAndSurplusEntriesMakeNoLayer() throws IOException {
        Map<Digest, byte[]> blobs = new HashMap<>();
        BuiltImage two = ImageBuilder.create().layer(Layer.builder().file("a", "1").build())
                .layer(Layer.builder().file("b", "2").build()).history("ADD a").write(blobs::put);
        JsonNode h = JSON.readTree(blobs.get(two.configDigest())).get("history");
        assertThat(h).hasSize(2);
        assertThat(h.get(1).get("created_by").asText()).isEqualTo("layer 2");

        BuiltImage one = ImageBuilder.create().layer(Layer.builder().file("a", "1").build())
                .history("ADD a").history("CMD x").write(blobs::put);
        h = JSON.readTree(blobs.get(one.configDigest())).get("history");
        assertThat(h.get(1).get("empty_layer").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void sameDescriptionGivesSameDigestsAndAnotherTimeDoesNot(Compression c) {
        List<BuiltImage> images = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            images.add(ImageBuilder.create().compression(c).layer(everyKind())
                    .layer(Layer.builder().file("big", FileContent.generated(7, 300_000), 0644).build())
                    .cmd("sh").label("b", "1").label("a", "2").write((d, b) -> {}));
        }
        assertThat(images.get(1).targetDigest()).isEqualTo(images.get(0).targetDigest());
        assertThat(images.get(1).blobs()).isEqualTo(images.get(0).blobs());
        BuiltImage later = ImageBuilder.create().compression(c).layer(everyKind()).created(Instant.parse("2025-01-01T00:00:00Z"))
                .write((d, b) -> {});
        assertThat(later.diffIds().get(0)).isNotEqualTo(images.get(0).diffIds().get(0));
    }

    @Test
    void indexWithPlatformsAndDockerMediaTypes() throws IOException {
        Map<Digest, byte[]> blobs = new HashMap<>();
        Platform arm = new Platform("arm64", "linux", "v8", null);
        BuiltImage img = ImageBuilder.create().format(ImageBuilder.Format.DOCKER)
                .layer(Layer.builder().file("x", "1").build())
                .platforms(List.of(Platform.host(), arm)).manifestAnnotation("k", "v").write(blobs::put);
        assertThat(img.target().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(img.blobs().get(img.blobs().size() - 1)).isEqualTo(img.targetDigest());
        JsonNode index = JSON.readTree(blobs.get(img.targetDigest()));
        assertThat(index.at("/manifests/1/platform/variant").asText()).isEqualTo("v8");
        assertThat(img.manifest(arm).imageConfig().architecture()).isEqualTo("arm64");
        assertThat(img.manifest().manifest().layers().get(0).mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER_GZIP);
        assertThat(img.manifest().manifest().annotations()).isNull();
        assertThat(img.manifest(arm).layerDigests()).isEqualTo(img.manifest().layerDigests());

        List<Digest> written = new ArrayList<>();
        assertThatThrownBy(() -> ImageBuilder.create().format(ImageBuilder.Format.DOCKER)
                .compression(Compression.ZSTD).layer(Layer.builder().file("x", "1").build())
                .write((d, b) -> written.add(d)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zstd");
        assertThat(written).as("nothing is written for an impossible description").isEmpty();
    }

    @Test
    void tarLayerIsKeptByteForByte() throws IOException {
        byte[] tar = LayerTars.tar(Layer.builder().file("x", "1").build(), Instant.EPOCH);
        Map<Digest, byte[]> blobs = new HashMap<>();
        BuiltImage img = ImageBuilder.create().tarLayer(tar, Compression.NONE).write(blobs::put);
        assertThat(blobs.get(img.layerDigests().get(0))).isEqualTo(tar);
        assertThat(img.diffIds().get(0)).isEqualTo(Digest.sha256(tar));
    }

    @Test
    void hostFileContentIsStreamedAndAMissingOneNamesLayerAndEntry() throws IOException {
        Path host = tmp.resolve("host.bin");
        Files.write(host, new byte[]{1, 2, 3});
        List<Item> items = Tars.read(LayerTars.tar(Layer.builder().file("bin/x", FileContent.hostFile(host), 0755)
                .build(), ImageBuilder.FIXED_TIME));
        assertThat(items.get(0).content()).containsExactly(1, 2, 3);

        assertThatThrownBy(() -> ImageBuilder.create().layer(Layer.builder().file("a", "1").build())
                .layer(Layer.builder().file("bin/y", FileContent.hostFile(tmp.resolve("missing")), 0755).build())
                .write((d, b) -> {}))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to build image: layer 2: failed to write layer entry /bin/y: ")
                .hasMessageContaining("missing");
    }

    @Test
    void generatedContentIsFixedRandomLookingAndSized() throws IOException {
        FileContent g = FileContent.generated(42, 100_003);
        byte[] a;
        try (InputStream in = g.open()) {
            a = in.readAllBytes();
        }
        byte[] b = new byte[100_003];
        try (InputStream in = g.open()) {
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) in.read();
            }
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(a).hasSize(100_003).isEqualTo(b);
        // Block 0 is SHA-256(seed || counter 0), both 8 bytes big-endian.
        byte[] first = Digest.newSha256().digest(java.nio.ByteBuffer.allocate(16).putLong(42).putLong(0).array());
        assertThat(java.util.Arrays.copyOf(a, 32)).isEqualTo(first);
        byte[] other;
        try (InputStream in = FileContent.generated(43, 32).open()) {
            other = in.readAllBytes();
        }
        assertThat(other).isNotEqualTo(java.util.Arrays.copyOf(a, 32));
        assertThat(LayerTars.compress(a, Compression.GZIP).length).as("incompressible").isGreaterThan(100_000);
    }

    @Test
    void busyboxLayerHasBinaryAppletsDirsAndGeneratedAccounts() throws IOException {
        HostRequirements.require(Busybox.available(), "needs /bin/busybox (Debian package busybox-static)");
        Layer layer = Busybox.layer(Busybox.HOST_BINARY,
                List.of(new Busybox.Account("app", 1000, 1000, "/app", "/bin/sh")));
        List<Item> items = Tars.read(LayerTars.tar(layer, ImageBuilder.FIXED_TIME));
        assertThat(Tars.find(items, "bin/busybox").content()).isEqualTo(Files.readAllBytes(Busybox.HOST_BINARY));
        assertThat(Tars.find(items, "bin/busybox").entry().getMode()).isEqualTo(0100755);
        assertThat(Tars.find(items, "bin/sh").entry().getLinkName()).isEqualTo("busybox");
        assertThat(Tars.find(items, "tmp/").entry().getMode()).isEqualTo(041777);
        assertThat(Tars.find(items, "root/").entry().getMode()).isEqualTo(040700);
        assertThat(Tars.names(items)).contains("proc/", "sys/", "dev/", "usr/bin/env", "var/tmp/");
        for (String applet : Busybox.applets(Busybox.HOST_BINARY)) {
            assertThat(Tars.names(items)).contains("bin/" + applet);
        }
        assertThat(new String(Tars.find(items, "etc/passwd").content(), StandardCharsets.UTF_8))
                .startsWith("root:x:0:0:root:/root:/bin/sh\n").endsWith("app:x:1000:1000:app:/app:/bin/sh\n");
        assertThat(new String(Tars.find(items, "etc/group").content(), StandardCharsets.UTF_8))
                .isEqualTo("root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\napp:x:1000:\n");
        assertThatThrownBy(() -> Busybox.layer(Busybox.HOST_BINARY,
                List.of(new Busybox.Account("root", 5, 5, "/", "/bin/sh"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Busybox.applets(tmp.resolve("no-busybox")))
                .isInstanceOf(ImageException.class).hasMessageStartingWith("failed to list the applets of ");
    }
}
