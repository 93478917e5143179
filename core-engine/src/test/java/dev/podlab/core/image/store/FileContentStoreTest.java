package dev.podlab.core.image.store;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileContentStoreTest extends ContentStoreContract {

    @Override
    protected ContentStore open(Path root) {
        return FileContentStore.open(root);
    }

    FileContentStore fileStore() {
        return (FileContentStore) store;
    }

    @Test
    void blobsAreLaidOutAsAnOciLayoutWithReadableModes() throws IOException {
        Digest d = store.put("abc".getBytes(StandardCharsets.UTF_8), null);
        Path blob = store.root().resolve("blobs/sha256").resolve(d.hex());
        assertThat(store.path(d)).isEqualTo(blob);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob.getParent())))
                .isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.root().resolve("blobs"))))
                .isEqualTo("rwxr-xr-x");
        try (Stream<Path> s = Files.list(store.root().resolve("ingest"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void sha512BlobsAreSupported() throws Exception {
        byte[] content = "five twelve".getBytes(StandardCharsets.UTF_8);
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-512");
        md.update(content);
        Digest d = Digest.of("sha512", md);
        assertThat(store.ingest(d, content.length, () -> new ByteArrayInputStream(content), null)).isEqualTo(d);
        assertThat(store.root().resolve("blobs/sha512").resolve(d.hex())).exists();
        assertThat(store.list()).containsExactly(d);
    }

    @Test
    void strayFilesInBlobsAreNotListed() throws IOException {
        Digest d = store.put("x".getBytes(StandardCharsets.UTF_8), null);
        Files.writeString(store.root().resolve("blobs/sha256/README"), "not a blob");
        assertThat(store.list()).containsExactly(d);
    }

    @Test
    void verifyFindsCorruption() throws IOException {
        Digest d = store.put("intact".getBytes(StandardCharsets.UTF_8), null);
        fileStore().verify(d);
        Files.writeString(store.path(d), "tampered");
        assertThatThrownBy(() -> fileStore().verify(d)).isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to verify blob " + d + ": its content hashes to "
                        + Digest.sha256("tampered".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aBlobAnotherProcessStoredFirstIsKept() throws IOException {
        // Simulate the cross-process race: the blob lands while our copy is being written.
        byte[] content = "race".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(content);
        assertThat(store.ingest(d, content.length, () -> {
            Files.createDirectories(store.path(d).getParent());
            Files.write(store.path(d), content);
            return new ByteArrayInputStream(content);
        }, null)).isEqualTo(d);
        assertThat(store.read(d)).isEqualTo(content);
        try (Stream<Path> s = Files.list(store.root().resolve("ingest"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void leasesProtectWhatIsStoredWhileTheyAreOpen() {
        Digest before = store.put("before".getBytes(StandardCharsets.UTF_8), null);
        try (FileContentStore.Lease lease = fileStore().lease()) {
            Digest during = store.put("during".getBytes(StandardCharsets.UTF_8), null);
            store.put("before".getBytes(StandardCharsets.UTF_8), null); // found present: protected too
            Digest other = Digest.sha256("elsewhere".getBytes(StandardCharsets.UTF_8));
            lease.protect(other);
            assertThat(lease.protectedBlobs()).containsExactlyInAnyOrder(before, during, other);
            assertThat(fileStore().protectedBlobs()).contains(before, during, other);
        }
        assertThat(fileStore().protectedBlobs()).isEmpty();
    }

    @Test
    void staleIngestFilesAreRemovedFreshOnesKept() throws IOException {
        Path stale = store.root().resolve("ingest/sha256-dead-1-1.partial");
        Path fresh = store.root().resolve("ingest/sha256-beef-1-2.partial");
        Files.write(stale, new byte[100]);
        Files.write(fresh, new byte[10]);
        Instant now = Instant.now();
        Files.setLastModifiedTime(stale, FileTime.from(now.minus(FileContentStore.STALE_INGEST).minusSeconds(60)));
        assertThat(fileStore().removeStaleIngests(now)).isEqualTo(100);
        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }
}
