package dev.podlab.core.image.registry;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.podlab.core.image.registry.PullTestSupport.assertOnlyVerifiedBlobs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pulls from an in-test imitation of a registry that can lie and demand authentication. */
class FakeRegistryPullTest {
    @TempDir
    Path tmp;
    FakeRegistry fake;
    ImageStore store;
    TestImages.WrittenImage img;

    @BeforeEach
    void setUp() throws Exception {
        fake = FakeRegistry.start();
        store = TestStores.open(tmp.resolve("store"));
        img = PullTestSupport.smallImage().build();
        fake.add("demo", "v1", img);
    }

    @AfterEach
    void tearDown() {
        fake.close();
    }

    private ImageReference ref(String rest) {
        return ImageReference.parse(fake.hostPort() + "/" + rest);
    }

    private RegistryClient client(Credentials creds) {
        return new RegistryClient(RegistryConfig.defaults(), creds);
    }

    @Test
    void pullsStoresAndTagsWithPerLayerEvents() throws Exception {
        var events = new PullTestSupport.Events();
        ImageRecord rec;
        try (RegistryClient c = client(Credentials.none())) {
            rec = c.pull(ref("demo:v1"), Platform.host(), store, events);
        }
        assertThat(rec.id()).isEqualTo(img.configDigest());
        assertThat(rec.layers()).extracting(Descriptor::parsedDigest).containsExactlyElementsOf(img.layerDigests());
        assertThat(rec.target().parsedDigest()).isEqualTo(img.targetDigest());
        assertThat(store.find(fake.hostPort() + "/demo:v1")).isPresent();
        for (Digest d : img.blobs().keySet()) {
            assertThat(store.content().contains(d)).as("blob %s stored", d).isTrue();
        }
        assertThat(events.of(PullEvent.Resolved.class)).singleElement()
                .satisfies(e -> assertThat(e.target().parsedDigest()).isEqualTo(img.targetDigest()));
        assertThat(events.of(PullEvent.LayerStarted.class)).extracting(PullEvent.LayerStarted::index).containsExactlyInAnyOrder(0, 1);
        assertThat(events.of(PullEvent.LayerDone.class)).extracting(PullEvent.LayerDone::digest)
                .containsExactlyInAnyOrderElementsOf(img.layerDigests());
        // The big layer reports its progress, ending at its full size.
        Digest big = img.layerDigests().get(1);
        long bigSize = img.manifest().layers().get(1).size();
        assertThat(events.of(PullEvent.LayerProgress.class)).filteredOn(p -> p.digest().equals(big))
                .last().satisfies(p -> assertThat(p.bytes()).isEqualTo(bigSize));
        assertThat(events.of(PullEvent.EndpointUsed.class)).allSatisfy(e -> assertThat(e.endpoint().mirror()).isFalse());
        assertThat(events.all.get(events.all.size() - 1)).isInstanceOf(PullEvent.Finished.class);
        assertThat(events.of(PullEvent.Finished.class).get(0).downloaded())
                .isEqualTo(img.manifest().layers().stream().mapToLong(Descriptor::size).sum() + img.manifest().config().size());
    }

    @Test
    void layersAlreadyPresentAreNotDownloadedAgain() throws Exception {
        try (RegistryClient c = client(Credentials.none())) {
            c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE);
            int before = fake.blobRequests().size();
            var events = new PullTestSupport.Events();
            c.pull(ref("demo:v1"), Platform.host(), store, events);
            assertThat(fake.blobRequests()).hasSize(before);
            assertThat(events.of(PullEvent.LayerPresent.class)).hasSize(2);
            assertThat(events.of(PullEvent.ConfigFetched.class)).singleElement()
                    .satisfies(e -> assertThat(e.alreadyPresent()).isTrue());
        }
    }

    @Test
    void downloadsLayersInParallelUpToTheLimit() throws Exception {
        TestImages.ImageBuilder b = TestImages.image().tag("many");
        for (int i = 0; i < 6; i++) {
            int n = i;
            b.layer(l -> l.file("f" + n, "layer " + n));
        }
        fake.add("demo", "many", b.build());
        fake.blobDelayMillis = 150;
        RegistryConfig cfg = RegistryConfig.builder().parallelDownloads(2).build();
        try (RegistryClient c = new RegistryClient(cfg, Credentials.none())) {
            c.pull(ref("demo:many"), Platform.host(), store, PullListener.NONE);
        }
        assertThat(fake.maxBlobsInFlight.get()).isEqualTo(2);
    }

    @Test
    void pullByDigestVerifiesTheManifest() throws Exception {
        try (RegistryClient c = client(Credentials.none())) {
            ImageRecord rec = c.pull(ref("demo@" + img.manifestDigest()), Platform.host(), store, PullListener.NONE);
            assertThat(rec.manifest().parsedDigest()).isEqualTo(img.manifestDigest());
            assertThat(rec.reference().digest()).isEqualTo(img.manifestDigest());

            // A registry that serves other bytes under a digest is caught.
            Digest fakeDigest = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
            fake.manifest("demo", fakeDigest.toString(), MediaTypes.OCI_MANIFEST, img.blobs().get(img.manifestDigest()));
            assertThatThrownBy(() -> c.pull(ref("demo@" + fakeDigest), Platform.host(), store, PullListener.NONE))
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("digest mismatch")
                    .hasMessageContaining(fakeDigest.toString())
                    .hasMessageContaining(fake.url() + "/v2/demo/manifests/" + fakeDigest);
        }
    }

    @Test
    void unknownManifestMediaTypeIsNamed() throws Exception {
        fake.manifest("demo", "odd", "application/vnd.example.unknown+json", "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8));
        try (RegistryClient c = client(Credentials.none())) {
            assertThatThrownBy(() -> c.pull(ref("demo:odd"), Platform.host(), store, PullListener.NONE))
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("unknown manifest media type \"application/vnd.example.unknown+json\"")
                    .hasMessageContaining(fake.url() + "/v2/demo/manifests/odd")
                    .hasMessageContaining(fake.hostPort() + "/demo:odd");
        }
        assertThat(store.list()).isEmpty();
        assertThat(store.content().list()).isEmpty();
    }

    @Test
    void unknownLayerMediaTypeFailsBeforeAnyDownload() throws Exception {
        Manifest m = img.manifest().manifest();
        Descriptor l0 = m.layers().get(0);
        Manifest odd = new Manifest(2, MediaTypes.OCI_MANIFEST, m.config(), List.of(
                new Descriptor("application/vnd.example.weird.layer", l0.digest(), l0.size(), null, null, null)), null);
        byte[] bytes = RegistryClient.JSON.writeValueAsBytes(odd);
        fake.manifest("demo", "weird", MediaTypes.OCI_MANIFEST, bytes);
        try (RegistryClient c = client(Credentials.none())) {
            assertThatThrownBy(() -> c.pull(ref("demo:weird"), Platform.host(), store, PullListener.NONE))
                    .hasMessageContaining("unknown media type \"application/vnd.example.weird.layer\"")
                    .hasMessageContaining(l0.digest());
        }
        assertThat(fake.blobRequests()).isEmpty();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void corruptBlobIsRefusedAndNothingIsTagged() throws Exception {
        Digest bad = img.layerDigests().get(1);
        byte[] corrupt = fake.blob(bad).clone();
        corrupt[corrupt.length / 2] ^= 0x5a;
        fake.lie(bad, corrupt);
        try (RegistryClient c = client(Credentials.none())) {
            assertThatThrownBy(() -> c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE))
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("layer " + bad)
                    .hasMessageContaining(fake.url() + "/v2/demo/blobs/" + bad)
                    .hasMessageContaining("digest mismatch")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        assertThat(store.list()).isEmpty();
        assertThat(store.content().contains(bad)).isFalse();
        assertThat(store.content().contains(img.manifestDigest())).as("manifest stored only after its blobs").isFalse();
        assertOnlyVerifiedBlobs(store);
    }

    @Test
    void truncatedBlobIsRefusedAndNothingIsTagged() throws Exception {
        Digest bad = img.layerDigests().get(1);
        byte[] whole = fake.blob(bad);
        fake.lie(bad, Arrays.copyOf(whole, whole.length / 3));
        try (RegistryClient c = client(Credentials.none())) {
            assertThatThrownBy(() -> c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE))
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("layer " + bad)
                    .hasMessageContaining("truncated")
                    .hasMessageContaining(whole.length / 3 + " of " + whole.length + " bytes");
        }
        assertThat(store.list()).isEmpty();
        assertThat(store.content().contains(bad)).isFalse();
        assertOnlyVerifiedBlobs(store);
    }

    @Test
    void missingTagGivesTheRegistryMessage() {
        try (RegistryClient c = client(Credentials.none())) {
            assertThatThrownBy(() -> c.pull(ref("demo:nope"), Platform.host(), store, PullListener.NONE))
                    .isInstanceOf(RegistryException.class)
                    .hasMessage("failed to fetch manifest " + fake.hostPort() + "/demo:nope from " + fake.url()
                            + "/v2/demo/manifests/nope: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown")
                    .satisfies(e -> assertThat(((RegistryException) e).status()).isEqualTo(404));
        }
    }

    @Test
    void bearerTokenFlowWithCredentialsFromDockerConfig() throws Exception {
        fake.auth = FakeRegistry.Auth.BEARER;
        CredentialStore creds = dockerConfigWith(fake.hostPort(), "alice", "s3cret");
        try (RegistryClient c = client(creds)) {
            ImageRecord rec = c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE);
            assertThat(rec.id()).isEqualTo(img.configDigest());
            // Second pull of the same repository reuses the cached token.
            c.resolve(ref("demo:v1"));
        }
        List<FakeRegistry.Request> tokens = fake.requests.stream().filter(r -> r.path().equals("/token")).toList();
        assertThat(tokens).singleElement().satisfies(t -> {
            assertThat(t.query()).contains("service=test").contains("scope=repository%3Ademo%3Apull");
            assertThat(t.authorization()).startsWith("Basic ");
        });
        assertThat(fake.blobRequests()).isNotEmpty()
                .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer " + fake.token));
    }

    @Test
    void bearerWithoutScopeInTheChallengeAsksForPullOfTheRepository() throws Exception {
        fake.auth = FakeRegistry.Auth.BEARER;
        fake.bearerScope = null;
        fake.tokenAsAccessToken = true;
        try (RegistryClient c = client(Credentials.of(Map.of(fake.hostPort(), Credential.basic("alice", "s3cret"))))) {
            c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE);
        }
        assertThat(fake.requests.stream().filter(r -> r.path().equals("/token")).toList())
                .singleElement().satisfies(t -> assertThat(t.query()).contains("scope=repository%3Ademo%3Apull"));
    }

    @Test
    void bearerWithWrongPasswordSaysWhoRefused() {
        fake.auth = FakeRegistry.Auth.BEARER;
        try (RegistryClient c = client(Credentials.of(Map.of(fake.hostPort(), Credential.basic("alice", "wrong"))))) {
            assertThatThrownBy(() -> c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE))
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("failed to fetch manifest " + fake.hostPort() + "/demo:v1")
                    .hasMessageContaining(fake.url() + "/token")
                    .hasMessageContaining("401 Unauthorized: UNAUTHORIZED: bad credentials")
                    .hasMessageContaining("user alice");
        }
        assertThat(store.list()).isEmpty();
    }

    @Test
    void basicAuthWithAndWithoutCredentials() throws Exception {
        fake.auth = FakeRegistry.Auth.BASIC;
        try (RegistryClient c = client(Credentials.none())) {
            assertThatThrownBy(() -> c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("401 Unauthorized: UNAUTHORIZED: authentication required")
                    .hasMessageContaining("none are configured for " + fake.hostPort());
        }
        try (RegistryClient c = client(dockerConfigWith(fake.hostPort(), "alice", "s3cret"))) {
            ImageRecord rec = c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE);
            assertThat(rec.id()).isEqualTo(img.configDigest());
            c.login(fake.hostPort(), Credential.basic("alice", "s3cret"));
            assertThatThrownBy(() -> c.login(fake.hostPort(), Credential.basic("alice", "nope")))
                    .hasMessageStartingWith("failed to log in to " + fake.hostPort())
                    .hasMessageContaining("401");
        }
    }

    @Test
    void blobRedirectsAreFollowedWithoutTheAuthorizationHeader() throws Exception {
        try (FakeRegistry storage = FakeRegistry.start()) {
            storage.add("demo", "v1", img);
            fake.auth = FakeRegistry.Auth.BASIC;
            fake.blobRedirect = storage.url();
            try (RegistryClient c = client(Credentials.of(Map.of(fake.hostPort(), Credential.basic("alice", "s3cret"))))) {
                ImageRecord rec = c.pull(ref("demo:v1"), Platform.host(), store, PullListener.NONE);
                assertThat(rec.layers()).hasSize(2);
            }
            // The storage refuses (400) any request carrying Authorization: the pull succeeding shows none was sent.
            assertThat(storage.requests).hasSize(3)
                    .allSatisfy(r -> assertThat(r.authorization()).isNull());
        }
    }

    @Test
    void resolveReturnsTheTargetDescriptorWithoutBlobs() throws Exception {
        try (RegistryClient c = client(Credentials.none())) {
            Descriptor d = c.resolve(ref("demo:v1"));
            assertThat(d.parsedDigest()).isEqualTo(img.targetDigest());
            assertThat(d.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        }
        assertThat(fake.blobRequests()).isEmpty();
    }

    private CredentialStore dockerConfigWith(String host, String user, String password) throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve(".docker"));
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        Files.writeString(home.resolve(".docker/config.json"),
                "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
        return CredentialStore.open(tmp.resolve("podlab/auth.json"), home, null);
    }
}
