package dev.podlab.core.image.registry;

import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.testing.LocalRegistry;
import dev.podlab.core.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.podlab.core.image.registry.PullTestSupport.assertOnlyVerifiedBlobs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pulls from Debian's docker-registry, filled with skopeo from OCI layouts built in code. */
@Tag("host-tools")
class LocalRegistryPullTest {
    static LocalRegistry registry;
    static Path layouts;
    static TestImages.WrittenImage single;
    static TestImages.WrittenImage multi;
    static TestImages.WrittenImage foreign;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startRegistry() throws IOException {
        LocalRegistry.requireTools();
        layouts = Files.createTempDirectory("podlab-layouts");
        registry = LocalRegistry.start();
        Path dir = layouts.resolve("oci");
        single = TestImages.layout(dir)
                .layer(l -> l.dir("etc", 0755).file("etc/hello.txt", "hello\n"))
                .layer(l -> l.dir("app", 0755).file("app/data.bin", new byte[200_000], 0644))
                .config(c -> c.cmd("/bin/sh"))
                .tag("v1").write();
        multi = TestImages.layout(dir)
                .layer(l -> l.file("multi.txt", "one image, two platforms\n"))
                .platforms("linux/arm64", "linux/amd64")
                .tag("multi").write();
        foreign = TestImages.layout(dir)
                .layer(l -> l.file("far.txt", "elsewhere\n"))
                .platforms("linux/arm64/v8", "linux/s390x")
                .tag("foreign").write();
        registry.push(dir, "v1", "demo");
        registry.push(dir, "multi", "demo");
        registry.push(dir, "foreign", "demo");
        registry.push(dir, "v1", "team/demo", "v2s2");
    }

    @AfterAll
    static void stopRegistry() throws IOException {
        if (registry != null) {
            registry.close();
        }
        if (layouts != null) {
            try (var walk = Files.walk(layouts)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private ImageStore store() {
        return TestStores.open(tmp.resolve("store"));
    }

    private static ImageReference ref(LocalRegistry reg, String rest) {
        return ImageReference.parse(reg.hostPort() + "/" + rest);
    }

    private static RegistryClient client() {
        return new RegistryClient(RegistryConfig.defaults(), Credentials.none());
    }

    @Test
    void pingAnswers() {
        try (RegistryClient c = client()) {
            RegistryClient.Ping p = c.ping(registry.hostPort());
            assertThat(p.status()).isEqualTo(200);
            assertThat(p.authRequired()).isFalse();
        }
    }

    @Test
    void pullByTag() throws Exception {
        ImageStore store = store();
        var events = new PullTestSupport.Events();
        try (RegistryClient c = client()) {
            ImageRecord rec = c.pull(ref(registry, "demo:v1"), Platform.host(), store, events);
            assertThat(rec.id()).isEqualTo(single.configDigest());
            assertThat(rec.layers()).extracting(Descriptor::parsedDigest).containsExactlyElementsOf(single.layerDigests());
            assertThat(rec.config().config().cmd()).containsExactly("/bin/sh");
        }
        assertThat(store.find(registry.hostPort() + "/demo:v1")).isPresent();
        assertThat(events.of(PullEvent.LayerDone.class)).hasSize(2);
        assertThat(events.of(PullEvent.EndpointUsed.class))
                .allSatisfy(e -> assertThat(e.url().toString()).startsWith(registry.url() + "/v2/demo/"));
        assertOnlyVerifiedBlobs(store);
    }

    @Test
    void pullByDigest() throws Exception {
        ImageStore store = store();
        try (RegistryClient c = client()) {
            Descriptor resolved = c.resolve(ref(registry, "demo:v1"));
            assertThat(resolved.parsedDigest()).isEqualTo(single.manifestDigest());
            ImageRecord rec = c.pull(ref(registry, "demo@" + resolved.digest()), Platform.host(), store, PullListener.NONE);
            assertThat(rec.manifest().parsedDigest()).isEqualTo(single.manifestDigest());
            assertThat(store.content().read(single.manifestDigest())).isEqualTo(single.blobs().get(single.manifestDigest()));
        }
    }

    @Test
    void pullFromAnIndexPicksTheHostPlatformAndStoresTheIndex() throws Exception {
        ImageStore store = store();
        var events = new PullTestSupport.Events();
        try (RegistryClient c = client()) {
            ImageRecord rec = c.pull(ref(registry, "demo:multi"), Platform.host(), store, events);
            TestImages.WrittenManifest mine = multi.manifest("linux/" + Platform.host().architecture());
            assertThat(rec.target().mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
            assertThat(rec.target().parsedDigest()).isEqualTo(multi.targetDigest());
            assertThat(rec.manifest().parsedDigest()).isEqualTo(mine.digest());
            assertThat(rec.id()).isEqualTo(mine.configDigest());
            assertThat(store.content().contains(multi.targetDigest())).isTrue();
            // Only the chosen platform's config is fetched.
            TestImages.WrittenManifest other = multi.manifest("linux/arm64");
            assertThat(store.content().contains(other.configDigest())).isFalse();
        }
        assertThat(events.of(PullEvent.PlatformSelected.class)).singleElement()
                .satisfies(e -> assertThat(e.platform()).isEqualTo(Platform.host()));
    }

    @Test
    void pullForAnotherPlatform() throws Exception {
        ImageStore store = store();
        Platform arm64 = new Platform("arm64", "linux", null, null);
        try (RegistryClient c = client()) {
            ImageRecord rec = c.pull(ref(registry, "demo:multi"), arm64, store, PullListener.NONE);
            assertThat(rec.manifest().parsedDigest()).isEqualTo(multi.manifest("linux/arm64").digest());
            assertThat(rec.config().architecture()).isEqualTo("arm64");
        }
    }

    @Test
    void missingPlatformListsWhatTheIndexOffers() throws Exception {
        ImageStore store = store();
        try (RegistryClient c = client()) {
            assertThatThrownBy(() -> c.pull(ref(registry, "demo:foreign"), Platform.host(), store, PullListener.NONE))
                    .hasMessage("failed to pull " + registry.hostPort() + "/demo:foreign: no manifest for platform "
                            + Platform.host() + " in index " + foreign.targetDigest()
                            + "; it offers linux/arm64/v8, linux/s390x");
        }
        assertThat(store.list()).isEmpty();
    }

    @Test
    void dockerSchema2ImagesInANestedRepository() throws Exception {
        ImageStore store = store();
        try (RegistryClient c = client()) {
            ImageRecord rec = c.pull(ref(registry, "team/demo:v1"), Platform.host(), store, PullListener.NONE);
            assertThat(rec.target().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
            assertThat(rec.layers()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.DOCKER_LAYER_GZIP);
            assertThat(rec.layers()).extracting(Descriptor::parsedDigest).containsExactlyElementsOf(single.layerDigests());
        }
    }

    @Test
    void missingTagNamesUrlReferenceAndRegistryMessage() {
        try (RegistryClient c = client()) {
            assertThatThrownBy(() -> c.pull(ref(registry, "demo:missing"), Platform.host(), store(), PullListener.NONE))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageStartingWith("failed to fetch manifest " + registry.hostPort() + "/demo:missing from "
                            + registry.url() + "/v2/demo/manifests/missing: 404 Not Found: MANIFEST_UNKNOWN: ")
                    .hasMessageContaining("manifest unknown");
            assertThatThrownBy(() -> c.pull(ref(registry, "nosuchrepo:v1"), Platform.host(), store(), PullListener.NONE))
                    .hasMessageContaining("/v2/nosuchrepo/manifests/v1: 404 Not Found");
        }
    }

    @Test
    void mirrorAnswersForAMadeUpRegistryThatIsNeverContacted() throws Exception {
        try (LocalRegistry mirror = LocalRegistry.start()) {
            mirror.push(layouts.resolve("oci"), "v1", "demo");
            RegistryConfig cfg = RegistryConfig.builder().mirror("registry.example.test", mirror.url()).build();
            ImageStore store = store();
            var events = new PullTestSupport.Events();
            try (RegistryClient c = new RegistryClient(cfg, Credentials.none())) {
                ImageRecord rec = c.pull(ImageReference.parse("registry.example.test/demo:v1"), Platform.host(), store, events);
                assertThat(rec.id()).isEqualTo(single.configDigest());
                assertThat(rec.reference().registry()).isEqualTo("registry.example.test");
            }
            assertThat(store.find("registry.example.test/demo:v1")).isPresent();
            assertThat(events.of(PullEvent.EndpointFailed.class)).isEmpty();
            // manifest + config + 2 layers, every one served by the mirror, none by registry.example.test
            assertThat(events.of(PullEvent.EndpointUsed.class)).hasSize(4).allSatisfy(e -> {
                assertThat(e.endpoint().mirror()).isTrue();
                assertThat(e.url().getAuthority()).isEqualTo(mirror.hostPort());
            });
            assertThat(events.of(PullEvent.Resolved.class)).singleElement()
                    .satisfies(e -> assertThat(e.endpoint().base().toString()).isEqualTo(mirror.url()));
        }
    }

    @Test
    void mirrorsFallBackInOrderOnConnectionErrorsAnd404() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (LocalRegistry empty = LocalRegistry.start()) {
            RegistryConfig cfg = RegistryConfig.builder()
                    .mirror(registry.hostPort(), "http://127.0.0.1:" + closedPort)
                    .mirror(registry.hostPort(), empty.url())
                    .build();
            var events = new PullTestSupport.Events();
            try (RegistryClient c = new RegistryClient(cfg, Credentials.none())) {
                ImageRecord rec = c.pull(ref(registry, "demo:v1"), Platform.host(), store(), events);
                assertThat(rec.id()).isEqualTo(single.configDigest());
            }
            var failed = events.of(PullEvent.EndpointFailed.class);
            assertThat(failed).filteredOn(e -> e.what().startsWith("manifest")).hasSize(2);
            assertThat(failed.get(0).reason()).startsWith("connection failed");
            assertThat(failed.get(1).reason()).contains("404 Not Found");
            assertThat(events.of(PullEvent.EndpointUsed.class)).allSatisfy(e -> {
                assertThat(e.endpoint().mirror()).isFalse();
                assertThat(e.url().getAuthority()).isEqualTo(registry.hostPort());
            });

            // When nothing has it, the error lists every endpoint tried.
            try (RegistryClient c = new RegistryClient(cfg, Credentials.none())) {
                assertThatThrownBy(() -> c.pull(ref(registry, "demo:gone"), Platform.host(), store(), PullListener.NONE))
                        .hasMessageStartingWith("failed to fetch manifest " + registry.hostPort() + "/demo:gone: tried http://127.0.0.1:"
                                + closedPort + "/v2/demo/manifests/gone: connection failed")
                        .hasMessageContaining(empty.url() + "/v2/demo/manifests/gone: 404 Not Found")
                        .hasMessageContaining(registry.url() + "/v2/demo/manifests/gone: 404 Not Found");
            }
        }
    }
}
