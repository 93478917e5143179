package dev.podlab.core.image.archive;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** What the format readers share during one import: the source, the store, the listener, the naming rule. */
final class ImportContext {
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final long PROGRESS_STEP = 1 << 20;

    /**
     * An image found in the archive, its blobs all stored: the names the archive gives it (maybe none), what to
     * point them at, and the platform to check it for when tagging.
     *
     * @param origin where the archive describes it ("index.json manifests[0]"), for errors
     */
    record Candidate(List<ImageReference> names, Descriptor target, Platform platform, String origin) {}

    final ArchiveSource source;
    final ContentStore content;
    private final ImportListener listener;
    final String baseName;
    long copied;

    ImportContext(ArchiveSource source, ContentStore content, ImportListener listener, String baseName) {
        this.source = source;
        this.content = content;
        this.listener = listener;
        this.baseName = baseName;
    }

    void emit(ImportEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            // A listener's failure must not fail the import (see ImportListener).
        }
    }

    /**
     * Streams {@code in} (member {@code member}) into the store, verifying it against {@code expected} (null:
     * whatever it hashes to). A blob already stored is not copied again (and {@code in} is not read).
     */
    Digest ingest(String member, Digest expected, long size, InputStream in) {
        boolean present = expected != null && content.contains(expected);
        long[] last = {0};
        Digest d = content.ingest(expected, size, () -> in, n -> {
            if (n - last[0] >= PROGRESS_STEP || n == size) {
                last[0] = n;
                emit(new ImportEvent.BlobProgress(member, n, size));
            }
        });
        if (!present) {
            copied += size;
        }
        emit(new ImportEvent.BlobStored(member, d, size, present));
        return d;
    }

    /** Makes sure a blob the store may already hold is there (and leased), copying it from the archive if not. */
    boolean present(Digest digest, long size) {
        if (!content.contains(digest)) {
            return false;
        }
        // Goes through ingest so the blob is leased; the source is never opened for a present blob.
        content.ingest(digest, size, () -> {
            throw new IOException("blob " + digest + " vanished from the store while being imported");
        }, null);
        return true;
    }

    void putJson(String member, byte[] bytes, Digest digest) {
        boolean present = content.contains(digest);
        content.put(bytes, digest);
        emit(new ImportEvent.BlobStored(member, digest, bytes.length, present));
    }

    /** Reads a JSON member into memory and checks that it hashes to {@code expected} (when given). */
    byte[] readJson(String member, Digest expected) {
        byte[] bytes = source.readOne(member, ArchiveLimits.MAX_JSON);
        if (expected != null) {
            Digest actual = hash(expected, bytes);
            if (!actual.equals(expected)) {
                throw source.error("member " + member + " does not match its digest " + expected + ": got " + actual);
            }
        }
        return bytes;
    }

    static Digest hash(Digest like, byte[] bytes) {
        if (like.algorithm().equals("sha256")) {
            return Digest.sha256(bytes);
        }
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-512");
            md.update(bytes);
            return Digest.of(like.algorithm(), md);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The name for an {@code org.opencontainers.image.ref.name} value: a bare tag ("v1") becomes
     * {@code localhost/<archive base name>:v1}; anything else must be a full reference.
     */
    ImageReference refName(String refName, String where) {
        if (TAG.matcher(refName).matches()) {
            return parseName("localhost/" + baseName + ":" + refName, where);
        }
        return parseName(refName, where);
    }

    ImageReference parseName(String text, String where) {
        try {
            return ImageReference.parse(text);
        } catch (ImageException e) {
            throw source.error(where + " has an invalid image name: " + e.getMessage(), e);
        }
    }

    /**
     * A repository name made from an archive's file name: "My Images.tar.gz" -> "my-images"; "imported" when
     * nothing usable is left.
     */
    static String baseName(java.nio.file.Path source) {
        java.nio.file.Path file = source.toAbsolutePath().normalize().getFileName();
        String name = file == null ? "" : file.toString().toLowerCase(Locale.ROOT);
        for (String ext : List.of(".tar.gz", ".tar.zst", ".tgz", ".tar", ".oci", ".gz", ".zst")) {
            if (name.endsWith(ext) && name.length() > ext.length()) {
                name = name.substring(0, name.length() - ext.length());
                break;
            }
        }
        name = name.replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return name.isEmpty() ? "imported" : name;
    }
}
