package dev.podlab.core.image.archive;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.archive.ArchiveTestSupport.Stored;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.image.store.OciLayoutImageStore;
import dev.podlab.core.testing.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.podlab.core.image.archive.ArchiveTestSupport.dockerArchive;
import static dev.podlab.core.image.archive.ArchiveTestSupport.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every bad archive fails with one line naming the archive and the member at fault; the store keeps its images
 * (still tagged, still verifying) and gains no name.
 */
class BadArchiveTest {
    @TempDir
    Path tmp;

    private OciLayoutImageStore store;
    private ImageRecord kept;
    private Map<String, String> namesBefore;

    @BeforeEach
    void storeWithAnImage() {
        Stored s = ArchiveTestSupport.storeWithImage(tmp.resolve("store"), "localhost/keep:v1");
        store = s.store();
        kept = s.record();
        namesBefore = ArchiveTestSupport.names(store);
    }

    /** Imports {@code archive}, expecting a failure; checks the store is as before; returns the message. */
    private String failingImport(Path archive) {
        ImageException e = catchThrowableOfType(ImageException.class,
                () -> ImageImporter.importFrom(archive, store));
        assertThat(e).as("import of " + archive + " should fail").isNotNull();
        String msg = e.getMessage();
        assertThat(msg).startsWith("failed to import " + archive + ": ").doesNotContain("\n");
        assertThat(ArchiveTestSupport.names(store)).isEqualTo(namesBefore);
        ArchiveTestSupport.assertIntact(store, kept);
        return msg;
    }

    @Test
    void randomBytesAreNotAnArchive() throws Exception {
        Path f = tmp.resolve("random.bin");
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Files.write(f, junk);

        assertThat(failingImport(f)).isEqualTo("failed to import " + f + ": it is neither an OCI layout, an"
                + " oci-archive nor a docker-archive (found: a file that is not a tar archive)");
    }

    @Test
    void aTarOfSomethingElseSaysWhatItHolds() throws Exception {
        Path f = tar(tmp.resolve("notes.tar"), Map.of("notes.txt", "hi".getBytes(StandardCharsets.UTF_8)));

        assertThat(failingImport(f)).endsWith("(found: a tar archive with 1 member: notes.txt)");
        Path empty = Files.createDirectory(tmp.resolve("emptydir"));
        assertThat(failingImport(empty)).endsWith("(found: an empty directory)");
        Path missing = tmp.resolve("missing.tar");
        assertThat(failingImport(missing)).isEqualTo("failed to import " + missing + ": no such file or directory");
    }

    @Test
    void memberEscapingTheArchiveIsRefused() throws Exception {
        Path f = tar(tmp.resolve("escape.tar"), t -> {
            TestImages.Tar.file(t, "manifest.json", "[]");
            TestImages.Tar.file(t, "../escape", "x");
        });
        assertThat(failingImport(f)).contains("member \"../escape\" has an absolute path or a \"..\" component");
        assertThat(tmp.resolve("escape")).doesNotExist();

        Path abs = tar(tmp.resolve("abs.tar"), t -> TestImages.Tar.file(t, "/etc/evil", "x"));
        assertThat(failingImport(abs)).contains("member \"/etc/evil\" has an absolute path");
    }

    @Test
    void symlinkLeavingTheArchiveIsRefusedWhenUsed() throws Exception {
        byte[] layer = TestImages.tar(l -> l.file("a", "1"));
        Path f = dockerArchive(tmp.resolve("link.tar"), List.of(layer), List.of(Digest.sha256(layer)), List.of("x:1"));
        Map<String, byte[]> m = ArchiveTestSupport.members(f);
        Path bad = tar(tmp.resolve("badlink.tar"), t -> {
            for (var e : m.entrySet()) {
                if (!e.getKey().equals("layer0/layer.tar")) {
                    TestImages.Tar.file(t, e.getKey(), e.getValue(), 0644);
                }
            }
            TestImages.Tar.symlink(t, "layer0/layer.tar", "../../etc/passwd");
        });
        assertThat(failingImport(bad)).contains("member layer0/layer.tar is a symbolic link to \"../../etc/passwd\","
                + " outside the archive");
    }

    @Test
    void truncatedArchiveNamesTheMemberCutShort() throws Exception {
        byte[] layer = TestImages.tar(l -> l.file("big", new byte[200_000], 0644));
        Path f = dockerArchive(tmp.resolve("full.tar"), List.of(layer), List.of(Digest.sha256(layer)),
                List.of("x:1"));
        byte[] bytes = Files.readAllBytes(f);
        Path cut = tmp.resolve("cut.tar");
        Files.write(cut, Arrays.copyOf(bytes, 100_000));

        assertThat(failingImport(cut)).contains("truncated").contains("layer0/layer.tar");
    }

    @Test
    void manifestPointingAtAMissingLayer() throws Exception {
        byte[] layer = TestImages.tar(l -> l.file("a", "1"));
        Path f = dockerArchive(tmp.resolve("full.tar"), List.of(layer), List.of(Digest.sha256(layer)),
                List.of("x:1"));
        Map<String, byte[]> m = new LinkedHashMap<>(ArchiveTestSupport.members(f));
        m.remove("layer0/layer.tar");
        Path bad = tar(tmp.resolve("nolayer.tar"), m);

        assertThat(failingImport(bad)).isEqualTo("failed to import " + bad + ": manifest.json entry 0 names layer"
                + " \"layer0/layer.tar\", which is not in the archive");
    }

    @Test
    void layerNotMatchingTheDiffIdIsNotStored() throws Exception {
        byte[] layer = TestImages.tar(l -> l.file("a", "1"));
        byte[] other = TestImages.tar(l -> l.file("a", "2"));
        Path bad = dockerArchive(tmp.resolve("mismatch.tar"), List.of(layer), List.of(Digest.sha256(other)),
                List.of("x:1"));
        List<Digest> blobsBefore = store.content().list();

        String msg = failingImport(bad);

        assertThat(msg).contains("layer layer0/layer.tar does not match the diff id " + Digest.sha256(other))
                .contains("got " + Digest.sha256(layer));
        assertThat(store.content().contains(Digest.sha256(layer))).isFalse();
        assertThat(store.content().list()).isEqualTo(blobsBefore);
    }

    @Test
    void corruptJsonNamesTheMember() throws Exception {
        Path manifest = tar(tmp.resolve("json.tar"), Map.of("manifest.json",
                "[{\"Config\": \"a.json\",,}]".getBytes(StandardCharsets.UTF_8)));
        assertThat(failingImport(manifest)).contains("corrupt JSON in member manifest.json: ")
                .contains("at line 1, column");

        byte[] layer = TestImages.tar(l -> l.file("a", "1"));
        Path f = dockerArchive(tmp.resolve("full.tar"), List.of(layer), List.of(Digest.sha256(layer)), List.of("x:1"));
        Map<String, byte[]> m = new LinkedHashMap<>(ArchiveTestSupport.members(f));
        String cfg = m.keySet().stream().filter(k -> k.endsWith(".json") && !k.equals("manifest.json"))
                .findFirst().orElseThrow();
        m.put(cfg, "{\"rootfs\": ".getBytes(StandardCharsets.UTF_8));
        Path badConfig = tar(tmp.resolve("cfg.tar"), m);
        assertThat(failingImport(badConfig)).contains("corrupt JSON in member " + cfg + ": ");
    }

    @Test
    void ociArchiveProblems() throws Exception {
        Stored src = ArchiveTestSupport.storeWithImage(tmp.resolve("src"), "demo:v1");
        Path good = tmp.resolve("good.tar");
        ImageExporter.save(src.store(), List.of("demo:v1"), good, ArchiveFormat.OCI_ARCHIVE);
        Map<String, byte[]> m = ArchiveTestSupport.members(good);
        Digest layer = src.image().layerDigests().get(0);
        String layerMember = "blobs/sha256/" + layer.hex();

        Map<String, byte[]> missing = new LinkedHashMap<>(m);
        missing.remove(layerMember);
        Path noBlob = tar(tmp.resolve("noblob.tar"), missing);
        assertThat(failingImport(noBlob)).contains("missing blob " + layer + " (member " + layerMember
                + ", referenced by blobs/sha256/" + src.image().manifestDigest().hex() + " layers[0])");

        Map<String, byte[]> corrupt = new LinkedHashMap<>(m);
        byte[] flipped = m.get(layerMember).clone();
        flipped[flipped.length / 2] ^= 1;
        corrupt.put(layerMember, flipped);
        Path badBlob = tar(tmp.resolve("badblob.tar"), corrupt);
        assertThat(failingImport(badBlob)).contains("layer " + layerMember + ": failed to store blob " + layer
                + ": digest mismatch");

        Map<String, byte[]> unknown = new LinkedHashMap<>(m);
        String idx = new String(m.get("index.json"), StandardCharsets.UTF_8)
                .replace("application/vnd.oci.image.manifest.v1+json", "application/x-unknown");
        unknown.put("index.json", idx.getBytes(StandardCharsets.UTF_8));
        Path badType = tar(tmp.resolve("badtype.tar"), unknown);
        assertThat(failingImport(badType)).contains("index.json manifests[0] (" + src.image().manifestDigest()
                + ") has unknown media type \"application/x-unknown\"");

        Map<String, byte[]> badLayout = new LinkedHashMap<>(m);
        badLayout.put("oci-layout", "{\"imageLayoutVersion\": \"2.0.0\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(failingImport(tar(tmp.resolve("layout.tar"), badLayout)))
                .contains("member oci-layout has imageLayoutVersion \"2.0.0\"");
    }

    @Test
    void aNameNeedsASingleImage() throws Exception {
        Stored src = ArchiveTestSupport.storeWithImage(tmp.resolve("src"), "demo:v1");
        var other = TestImages.image().layer(l -> l.file("o", "1")).writeTo(src.store().content());
        src.store().tag(ImageReference.parse("demo:v2"), other.plainTarget());
        Path two = tmp.resolve("two.tar");
        ImageExporter.save(src.store(), List.of("demo:v1", "demo:v2"), two, ArchiveFormat.OCI_ARCHIVE);

        ImageException e = catchThrowableOfType(ImageException.class, () -> ImageImporter.importFrom(two, store,
                Optional.of(ImageReference.parse("one:1")), ImportListener.NONE));

        assertThat(e.getMessage()).isEqualTo("failed to import " + two + ": a name (docker.io/library/one:1) can"
                + " only be given to an archive with one image, this one holds 2: demo:v1, demo:v2");
        assertThat(ArchiveTestSupport.names(store)).isEqualTo(namesBefore);
    }

    @Test
    void aFailedTagSetsEarlierNamesBack() throws Exception {
        Stored src = ArchiveTestSupport.storeWithImage(tmp.resolve("src"), "localhost/keep:v1");
        var other = TestImages.image().layer(l -> l.file("o", "1")).writeTo(src.store().content());
        src.store().tag(ImageReference.parse("localhost/new:v2"), other.plainTarget());
        Path two = tmp.resolve("two.tar");
        ImageExporter.save(src.store(), List.of("localhost/keep:v1", "localhost/new:v2"), two,
                ArchiveFormat.OCI_ARCHIVE);
        // Points localhost/keep:v1 at something else first, so that the rollback has to restore it.
        var previous = TestImages.image().layer(l -> l.file("p", "1")).writeTo(store.content());
        store.tag(ImageReference.parse("localhost/keep:v1"), previous.plainTarget());
        Map<String, String> before = ArchiveTestSupport.names(store);
        AtomicInteger tags = new AtomicInteger();
        ImageStore failingSecondTag = new DelegatingStore(store) {
            @Override
            public ImageRecord tag(ImageReference reference, Descriptor target) {
                if (tags.incrementAndGet() == 2) {
                    throw new ImageException("failed to tag " + reference + ": simulated");
                }
                return super.tag(reference, target);
            }
        };

        ImageException e = catchThrowableOfType(ImageException.class,
                () -> ImageImporter.importFrom(two, failingSecondTag));

        assertThat(e.getMessage()).startsWith("failed to import " + two + ": index.json manifests[1]: failed to tag");
        assertThat(ArchiveTestSupport.names(store)).isEqualTo(before);
    }

    /** An ImageStore that is not an OciLayoutImageStore: the importer's generic path. */
    private static class DelegatingStore implements ImageStore {
        private final OciLayoutImageStore d;

        DelegatingStore(OciLayoutImageStore d) {
            this.d = d;
        }

        @Override
        public ContentStore content() {
            return d.content();
        }

        @Override
        public List<ImageRecord> list() {
            return d.list();
        }

        @Override
        public Optional<ImageRecord> find(String text) {
            return d.find(text);
        }

        @Override
        public ImageRecord tag(ImageReference reference, Descriptor target) {
            return d.tag(reference, target);
        }

        @Override
        public boolean untag(ImageReference reference) {
            return d.untag(reference);
        }

        @Override
        public Manifest manifest(Descriptor target, Platform platform) {
            return d.manifest(target, platform);
        }

        @Override
        public ImageConfig config(Manifest manifest) {
            return d.config(manifest);
        }

        @Override
        public PruneReport prune() {
            return d.prune();
        }
    }
}
