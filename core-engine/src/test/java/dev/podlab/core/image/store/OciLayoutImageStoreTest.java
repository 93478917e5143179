package dev.podlab.core.image.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.testing.TestImages;
import dev.podlab.core.testing.TestImages.WrittenImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OciLayoutImageStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Platform AMD64 = TestImages.platform("linux/amd64");

    @TempDir
    Path tmp;

    Path root;
    OciLayoutImageStore store;

    @BeforeEach
    void open() {
        root = tmp.resolve("images");
        store = ImageStores.open(root, AMD64);
    }

    static ImageReference ref(String s) {
        return ImageReference.parse(s);
    }

    WrittenImage image(String marker) {
        return TestImages.image()
                .layer(l -> l.dir("etc", 0755).file("etc/os-release", "ID=test\n"))
                .layer(l -> l.file("marker", marker))
                .config(c -> c.cmd("/bin/sh").label("marker", marker))
                .platform(AMD64)
                .writeTo(store.content());
    }

    // ------------------------------------------------------------------ layout

    @Test
    void openCreatesAnEmptyLayout() throws IOException {
        assertThat(Files.readString(root.resolve("oci-layout"))).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
        JsonNode index = JSON.readTree(root.resolve("index.json").toFile());
        assertThat(index.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.get("manifests")).isEmpty();
        assertThat(root.resolve("blobs/sha256")).isDirectory();
        assertThat(store.list()).isEmpty();
        assertThat(ImageStores.open(root).list()).isEmpty();
    }

    @Test
    void corruptIndexJsonGivesAOneLineErrorAndIsLeftAlone() throws IOException {
        Path other = tmp.resolve("broken");
        Files.createDirectories(other);
        Files.writeString(other.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String broken = "{\"schemaVersion\": 2,\n \"manifests\": [ {\"digest\": ";
        Files.writeString(other.resolve("index.json"), broken);
        assertThatThrownBy(() -> ImageStores.open(other))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to read image index " + other.resolve("index.json") + ": ")
                .hasMessageContaining("line 2")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(Files.readString(other.resolve("index.json"))).isEqualTo(broken);
        assertThat(other.resolve("blobs")).doesNotExist();
    }

    @Test
    void indexJsonDamagedLaterBlocksWritesAndPrune() throws IOException {
        WrittenImage img = image("a");
        store.tag(ref("demo:v1"), img.plainTarget());
        String damaged = "{\"schemaVersion\": 2, \"manifests\": [], \"manifests\": []}";
        Files.writeString(root.resolve("index.json"), damaged);
        assertThatThrownBy(() -> store.tag(ref("demo:v2"), img.plainTarget()))
                .isInstanceOf(ImageException.class).hasMessageContaining("index.json")
                .hasMessageContaining("Duplicate field");
        assertThatThrownBy(() -> store.prune()).isInstanceOf(ImageException.class)
                .hasMessageContaining("index.json");
        assertThat(Files.readString(root.resolve("index.json"))).isEqualTo(damaged);
        assertThat(store.content().list()).hasSize(img.blobs().size());
    }

    @Test
    void wrongSchemaVersionAndLayoutVersionAreReported() throws IOException {
        Path other = tmp.resolve("v1");
        Files.createDirectories(other);
        Files.writeString(other.resolve("index.json"), "{\"schemaVersion\": 1, \"manifests\": []}");
        assertThatThrownBy(() -> ImageStores.open(other)).hasMessageContaining("schemaVersion is 1, expected 2");
        Files.writeString(other.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
        assertThatThrownBy(() -> ImageStores.open(other)).hasMessageContaining("imageLayoutVersion is \"2.0.0\"");
    }

    // ------------------------------------------------------------------ tag / untag / find

    @Test
    void tagWritesBothAnnotationsAndResolvesTheImage() throws IOException {
        WrittenImage img = image("a");
        ImageRecord r = store.tag(ref("localhost:5000/demo:v1"), img.plainTarget());
        assertThat(r.reference()).hasToString("localhost:5000/demo:v1");
        assertThat(r.id()).isEqualTo(img.configDigest());
        assertThat(r.manifest().parsedDigest()).isEqualTo(img.manifestDigest());
        assertThat(r.layers()).hasSize(2);
        assertThat(r.config().config().cmd()).containsExactly("/bin/sh");
        long size = img.manifest().descriptor().size() + img.manifest().config().size()
                + img.manifest().layers().stream().mapToLong(Descriptor::size).sum();
        assertThat(r.size()).isEqualTo(size);

        JsonNode entry = JSON.readTree(root.resolve("index.json").toFile()).get("manifests").get(0);
        assertThat(entry.at("/annotations/org.opencontainers.image.ref.name").asText()).isEqualTo("v1");
        assertThat(entry.at("/annotations/dev.podlab.image.name").asText()).isEqualTo("localhost:5000/demo:v1");
        assertThat(entry.get("mediaType").asText()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(PosixPerms.of(root.resolve("index.json"))).isEqualTo("rw-r--r--");
    }

    @Test
    void findAcceptsEveryWayOfNamingAnImage() {
        WrittenImage busybox = image("busybox");
        WrittenImage demo = image("demo");
        store.tag(ref("busybox"), busybox.plainTarget());
        store.tag(ref("localhost:5000/team/demo:v1"), demo.plainTarget());
        Digest id = busybox.configDigest();

        for (String text : List.of("busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox:latest",
                "index.docker.io/library/busybox", " busybox ", id.toString(), id.hex(), id.hex().substring(0, 12),
                "sha256:" + id.hex().substring(0, 12), "busybox@" + busybox.manifestDigest(),
                busybox.manifestDigest().toString())) {
            assertThat(store.find(text)).as(text).map(ImageRecord::id).contains(id);
        }
        assertThat(store.find("localhost:5000/team/demo:v1")).map(ImageRecord::id).contains(demo.configDigest());
        for (String text : List.of("localhost:5000/team/demo", "demo:v1", "busybox:1.36", "alpine", "",
                "busybox@" + demo.manifestDigest(), "ffffffffffff")) {
            assertThat(store.find(text)).as(text).isEmpty();
        }
        assertThat(store.find("abc")).as("3 hex digits are a name, never a prefix").isEmpty();
        assertThat(store.list()).extracting(r -> r.reference().toString())
                .containsExactly("docker.io/library/busybox:latest", "localhost:5000/team/demo:v1");
    }

    @Test
    void ambiguousIdPrefixListsTheCandidates() {
        // Find two configs whose ids share their first 4 hex digits (a birthday search, a few hundred tries).
        Map<String, Integer> seen = new HashMap<>();
        int a = -1;
        int b = -1;
        for (int i = 0; a < 0; i++) {
            int n = i;
            WrittenImage img = TestImages.image().config(c -> c.label("n", Integer.toString(n))).platform(AMD64).build();
            Integer prev = seen.putIfAbsent(img.configDigest().hex().substring(0, 4), i);
            if (prev != null) {
                a = prev;
                b = i;
            }
        }
        int fa = a;
        int fb = b;
        WrittenImage first = TestImages.image().config(c -> c.label("n", Integer.toString(fa))).platform(AMD64)
                .writeTo(store.content());
        WrittenImage second = TestImages.image().config(c -> c.label("n", Integer.toString(fb))).platform(AMD64)
                .writeTo(store.content());
        store.tag(ref("first"), first.plainTarget());
        store.tag(ref("second"), second.plainTarget());
        store.tag(ref("first-again"), first.plainTarget());
        String prefix = first.configDigest().hex().substring(0, 4);

        assertThatThrownBy(() -> store.find(prefix))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to find image \"" + prefix + "\": the id prefix is ambiguous: it matches ")
                .hasMessageContaining(first.configDigest().shortHex() + " (first-again:latest, first:latest)")
                .hasMessageContaining(second.configDigest().shortHex() + " (second:latest)");
        // Several names of one id are not ambiguous; a longer prefix tells them apart.
        assertThat(store.find(first.configDigest().hex().substring(0, 20))).map(ImageRecord::id)
                .contains(first.configDigest());
    }

    @Test
    void retaggingANameReplacesItsEntry() throws IOException {
        WrittenImage a = image("a");
        WrittenImage b = image("b");
        store.tag(ref("demo:v1"), a.plainTarget());
        store.tag(ref("demo:v1"), b.plainTarget());
        store.tag(ref("other:v1"), a.plainTarget());
        JsonNode entries = JSON.readTree(root.resolve("index.json").toFile()).get("manifests");
        assertThat(entries).hasSize(2);
        assertThat(store.find("demo:v1")).map(ImageRecord::id).contains(b.configDigest());
        assertThat(store.find("other:v1")).map(ImageRecord::id).contains(a.configDigest());
    }

    @Test
    void untagRemovesOnlyThatName() {
        WrittenImage a = image("a");
        store.tag(ref("demo:v1"), a.plainTarget());
        store.tag(ref("demo:v2"), a.plainTarget());
        assertThat(store.untag(ref("demo:v1"))).isTrue();
        assertThat(store.untag(ref("demo:v1"))).isFalse();
        assertThat(store.find("demo:v1")).isEmpty();
        assertThat(store.find("demo:v2")).isPresent();
        assertThat(store.content().contains(a.manifestDigest())).isTrue();
    }

    @Test
    void foreignEntriesAreKeptButNotListed() throws IOException {
        WrittenImage img = TestImages.layout(root).layer(l -> l.file("x", "1")).platform(AMD64).tag("skopeo-made")
                .write();
        store = ImageStores.open(root, AMD64);
        WrittenImage mine = image("mine");
        store.tag(ref("mine"), mine.plainTarget());
        assertThat(store.list()).extracting(r -> r.reference().familiar()).containsExactly("mine:latest");
        assertThat(store.prune().blobs()).isEmpty();
        assertThat(store.content().contains(img.layerDigests().get(0))).isTrue();
        JsonNode entries = JSON.readTree(root.resolve("index.json").toFile()).get("manifests");
        assertThat(entries).hasSize(2);
    }

    @Test
    void tagRefusesIncompleteImages() {
        WrittenImage img = image("a");
        store.content().delete(img.layerDigests().get(1));
        assertThatThrownBy(() -> store.tag(ref("demo:v1"), img.plainTarget()))
                .isInstanceOf(ImageException.class)
                .hasMessage("failed to tag docker.io/library/demo:v1: layer " + img.layerDigests().get(1)
                        + " is not in the store");
        Digest absent = Digest.sha256("nothing".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.tag(ref("demo:v1"), Descriptor.of(MediaTypes.OCI_MANIFEST, absent, 7)))
                .hasMessage("failed to tag docker.io/library/demo:v1: " + absent + " is not in the store " + root);
        Descriptor wrongSize = new Descriptor(MediaTypes.OCI_MANIFEST, img.manifestDigest().toString(), 1, null,
                null, null);
        assertThatThrownBy(() -> store.tag(ref("demo:v1"), wrongSize)).hasMessageContaining("says 1 bytes");
        assertThat(store.names()).isEmpty();
    }

    @Test
    @Timeout(60)
    void concurrentTaggersFromTwoStoreInstancesLoseNoName() throws Exception {
        WrittenImage img = image("a");
        OciLayoutImageStore second = ImageStores.open(root, AMD64);
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                ImageStore s = i % 2 == 0 ? store : second;
                int n = i;
                fs.add(pool.submit(() -> {
                    start.await();
                    for (int k = 0; k < 5; k++) {
                        s.tag(ref("demo:t" + n + "-" + k), img.plainTarget());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(50, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.names()).hasSize(40);
    }

    // ------------------------------------------------------------------ platforms and media types

    @Test
    void anIndexResolvesToTheRequestedPlatform() {
        WrittenImage multi = TestImages.image().layer(l -> l.file("x", "1"))
                .platforms("linux/amd64", "linux/arm64/v8", "linux/arm/v7").writeTo(store.content());
        Descriptor target = multi.plainTarget();
        assertThat(store.manifest(target, AMD64))
                .isEqualTo(multi.manifest("linux/amd64").manifest());
        assertThat(store.manifest(target, TestImages.platform("linux/arm64")))
                .isEqualTo(multi.manifest("linux/arm64/v8").manifest());
        assertThat(store.manifest(target, TestImages.platform("linux/arm/v7")))
                .isEqualTo(multi.manifest("linux/arm/v7").manifest());
        assertThatThrownBy(() -> store.manifest(target, TestImages.platform("linux/arm/v6")))
                .hasMessage("failed to select a manifest for linux/arm/v6 from " + multi.targetDigest()
                        + ": it offers linux/amd64, linux/arm64/v8, linux/arm/v7");

        ImageRecord r = store.tag(ref("multi:v1"), target);
        assertThat(r.target().parsedDigest()).isEqualTo(multi.targetDigest());
        assertThat(r.manifest().parsedDigest()).isEqualTo(multi.manifest("linux/amd64").digest());
        assertThat(r.config().architecture()).isEqualTo("amd64");
        assertThat(store.find("multi:v1@" + multi.manifest("linux/amd64").digest())).isPresent();
        assertThat(store.find("multi@" + multi.targetDigest())).isPresent();
    }

    @Test
    void aMissingPlatformIsNamedWithWhatTheIndexOffers() {
        WrittenImage foreign = TestImages.image().layer(l -> l.file("x", "1"))
                .platforms("linux/arm64", "linux/s390x").writeTo(store.content());
        assertThatThrownBy(() -> store.manifest(foreign.plainTarget(), AMD64))
                .isInstanceOf(ImageException.class)
                .hasMessage("failed to select a manifest for linux/amd64 from " + foreign.targetDigest()
                        + ": it offers linux/arm64, linux/s390x");
        assertThatThrownBy(() -> store.tag(ref("foreign:v1"), foreign.plainTarget()))
                .hasMessage("failed to tag docker.io/library/foreign:v1: failed to select a manifest for linux/amd64"
                        + " from docker.io/library/foreign:v1: it offers linux/arm64, linux/s390x");

        // Stored for another platform on purpose: find names the problem instead of saying "not found".
        store.tag(ref("foreign:v1"), foreign.plainTarget(), TestImages.platform("linux/arm64"));
        assertThatThrownBy(() -> store.find("foreign:v1"))
                .hasMessage("failed to select a manifest for linux/amd64 from docker.io/library/foreign:v1:"
                        + " it offers linux/arm64, linux/s390x");
        assertThat(store.list()).isEmpty();
        assertThat(store.names()).extracting(n -> n.reference().familiar()).containsExactly("foreign:v1");
        assertThat(ImageStores.open(root, TestImages.platform("linux/arm64")).find("foreign:v1"))
                .map(r -> r.config().architecture()).contains("arm64");
    }

    @Test
    void dockerSchema2ImagesWork() {
        WrittenImage img = TestImages.image().dockerMediaTypes().layer(l -> l.file("x", "1"))
                .config(c -> c.entrypoint("/x")).platforms("linux/amd64", "linux/arm64").writeTo(store.content());
        ImageRecord r = store.tag(ref("dockerish"), img.plainTarget());
        assertThat(r.target().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(r.manifest().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(r.config().config().entrypoint()).containsExactly("/x");
        assertThat(r.layers().get(0).mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER_GZIP);
    }

    @Test
    void unknownMediaTypesAreNamed() {
        byte[] artifact = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example.thing+json\"}"
                .getBytes(StandardCharsets.UTF_8);
        Digest d = store.content().put(artifact, null);
        Descriptor target = Descriptor.of("application/vnd.example.thing+json", d, artifact.length);
        assertThatThrownBy(() -> store.manifest(target, AMD64))
                .isInstanceOf(ImageException.class)
                .hasMessage("failed to read manifest " + d + " of " + d
                        + ": unknown media type \"application/vnd.example.thing+json\"");
        // Without a mediaType on the descriptor, the blob's own field is used.
        assertThatThrownBy(() -> store.manifest(new Descriptor(null, d.toString(), artifact.length, null, null, null),
                AMD64)).hasMessageContaining("unknown media type \"application/vnd.example.thing+json\"");

        WrittenImage img = image("a");
        Manifest m = img.manifest().manifest();
        Manifest helm = new Manifest(2, m.mediaType(), new Descriptor("application/vnd.cncf.helm.config.v1+json",
                m.config().digest(), m.config().size(), null, null, null), m.layers(), null);
        assertThatThrownBy(() -> store.config(helm))
                .hasMessage("failed to read image config " + m.config().digest()
                        + ": unknown media type \"application/vnd.cncf.helm.config.v1+json\" (not a container image)");
    }

    @Test
    void aCorruptManifestBlobIsReported() throws IOException {
        WrittenImage img = image("a");
        Files.writeString(store.content().path(img.manifestDigest()), "{}");
        assertThatThrownBy(() -> store.manifest(img.plainTarget(), AMD64))
                .hasMessageStartingWith("failed to read manifest " + img.manifestDigest() + ": its content hashes to");
    }

    // ------------------------------------------------------------------ prune and references

    @Test
    void pruneDeletesWhatNoNameReachesAndKeepsSharedLayers() {
        WrittenImage a = image("a");
        WrittenImage b = image("b");
        assertThat(a.layerDigests().get(0)).isEqualTo(b.layerDigests().get(0));
        store.tag(ref("a"), a.plainTarget());
        store.tag(ref("b"), b.plainTarget());
        Digest stray = store.content().put("stray".getBytes(StandardCharsets.UTF_8), null);

        ImageStore.PruneReport first = store.prune();
        assertThat(first.blobs()).containsExactly(stray);
        assertThat(first.bytes()).isEqualTo(5);

        store.untag(ref("a"));
        ImageStore.PruneReport second = store.prune();
        List<Digest> onlyA = List.of(a.manifestDigest(), a.configDigest(), a.layerDigests().get(1));
        assertThat(second.blobs()).containsExactlyInAnyOrderElementsOf(onlyA);
        long bytes = a.manifest().descriptor().size() + a.manifest().config().size()
                + a.manifest().layers().get(1).size();
        assertThat(second.bytes()).isEqualTo(bytes);
        for (Digest d : b.blobs().keySet()) {
            assertThat(store.content().contains(d)).as(d.toString()).isTrue();
        }
        assertThat(store.find("b")).isPresent();
        assertThat(store.prune().blobs()).isEmpty();
    }

    @Test
    void pruneKeepsEveryPlatformOfANamedIndexAndToleratesMissingOnes() {
        WrittenImage multi = TestImages.image().layer(l -> l.file("x", "1"))
                .platforms("linux/amd64", "linux/arm64").writeTo(store.content());
        // As after a pull for amd64 only: the arm64 manifest and config were never fetched.
        store.content().delete(multi.manifest("linux/arm64").digest());
        store.content().delete(multi.manifest("linux/arm64").configDigest());
        store.tag(ref("multi"), multi.plainTarget());
        assertThat(store.prune().blobs()).isEmpty();
        assertThat(store.find("multi")).isPresent();
    }

    @Test
    void pruneSparesBlobsOfAPullInProgress() {
        WrittenImage done = image("done");
        store.tag(ref("done"), done.plainTarget());
        WrittenImage pulling;
        try (FileContentStore.Lease lease = store.lease()) {
            pulling = TestImages.image().layer(l -> l.dir("etc", 0755).file("etc/os-release", "ID=test\n"))
                    .layer(l -> l.file("new", "layer")).platform(AMD64).writeTo(store.content());
            // Not tagged yet: only the lease keeps the blobs, including the base layer that was already present.
            assertThat(store.prune().blobs()).isEmpty();
            store.untag(ref("done"));
            assertThat(store.prune().blobs()).containsExactlyInAnyOrder(done.manifestDigest(), done.configDigest(),
                    done.layerDigests().get(1));
            store.tag(ref("pulled"), pulling.plainTarget());
        }
        assertThat(store.prune().blobs()).isEmpty();
        assertThat(store.find("pulled")).isPresent();
    }

    @Test
    void referencedLayersAreTheDiffIdsOfNamedImages() {
        WrittenImage a = image("a");
        WrittenImage b = image("b");
        image("unnamed");
        store.tag(ref("a"), a.plainTarget());
        store.tag(ref("b"), b.plainTarget());
        assertThat(store.referencedLayers()).containsExactlyInAnyOrder(a.diffIds().get(0), a.diffIds().get(1),
                b.diffIds().get(1));
        assertThat(store.referencedLayerBlobs()).containsExactlyInAnyOrder(a.layerDigests().get(0),
                a.layerDigests().get(1), b.layerDigests().get(1));
    }

    /** Permissions as "rw-r--r--". */
    static final class PosixPerms {
        static String of(Path p) throws IOException {
            return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        }
    }
}
