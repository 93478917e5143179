package dev.podlab.core.image.archive;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Index;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.image.store.FileContentStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Saves images of an {@link ImageStore} as an archive ({@code podlab image save IMAGE... -o FILE [--format F]}).
 *
 * <ul>
 * <li>{@link ArchiveFormat#OCI_ARCHIVE}: a tar of an OCI layout ({@code oci-layout}, {@code index.json},
 *     {@code blobs/sha256/<hex>}), blobs byte for byte as stored, so manifest, config and layer digests are
 *     unchanged. Each name is one index.json entry annotated with {@code org.opencontainers.image.ref.name} (the
 *     tag, as skopeo's {@code oci-archive:FILE:TAG} and the store itself use it), {@code io.containerd.image.name}
 *     and {@code dev.podlab.image.name} (the full reference, which {@link ImageImporter} reads back). A
 *     multi-platform image is saved with its index when every platform's manifest, config and layers are in
 *     the store; otherwise just its manifest for this host's platform.</li>
 * <li>{@link ArchiveFormat#OCI_LAYOUT_DIR}: the same layout as a directory, which must not exist yet (or be
 *     empty).</li>
 * <li>{@link ArchiveFormat#DOCKER_ARCHIVE}: what {@code docker load} reads: {@code manifest.json} (Config,
 *     RepoTags in docker's short form, Layers), {@code repositories}, the config as {@code <hex>.json} (byte for
 *     byte, so the image id is unchanged) and each layer uncompressed as {@code <diff id hex>/layer.tar}.
 *     gzip and zstd layers are decompressed; each layer's uncompressed digest must equal its config's diff id
 *     (checked before anything is written, and again while writing). Only this host's platform of a
 *     multi-platform image is saved (the format has one config per image). Names pinned only by digest have
 *     no RepoTag.</li>
 * </ul>
 *
 * An archive is written to a temporary file next to the target, fsync'd and renamed over it: the target is either
 * the complete archive or untouched. A lease keeps prune from removing the blobs while they are copied.
 */
public final class ImageExporter {
    private static final FileTime EPOCH = FileTime.from(Instant.EPOCH);
    private static final int BUFFER = 1 << 16;

    private ImageExporter() {}

    /**
     * Saves {@code images} (names, ids or id prefixes, as {@link ImageStore#find} accepts them) to {@code target}.
     *
     * @throws ImageException "failed to save images to TARGET: ..." naming the image or blob at fault
     */
    public static ExportResult save(ImageStore store, List<String> images, Path target, ArchiveFormat format) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(format, "format");
        Saver s = new Saver(store, target.toAbsolutePath().normalize(), format);
        return s.save(images == null ? List.of() : images);
    }

    private static final class Saver {
        private final ImageStore store;
        private final ContentStore content;
        private final Path target;
        private final ArchiveFormat format;

        Saver(ImageStore store, Path target, ArchiveFormat format) {
            this.store = store;
            this.content = store.content();
            this.target = target;
            this.format = format;
        }

        ImageException error(String why) {
            return new ImageException("failed to save images to " + target + ": " + why);
        }

        ImageException error(String why, Throwable cause) {
            return new ImageException("failed to save images to " + target + ": " + why, cause);
        }

        ExportResult save(List<String> texts) {
            if (texts.isEmpty()) {
                throw error("no image given");
            }
            List<ImageRecord> records = new ArrayList<>();
            Set<ImageReference> seen = new LinkedHashSet<>();
            for (String t : texts) {
                ImageRecord r;
                try {
                    r = store.find(t).orElseThrow(() -> error("no image \"" + t + "\" in the store"));
                } catch (ImageException e) {
                    throw e.getMessage().startsWith("failed to save") ? e : error(e.getMessage(), e);
                }
                if (seen.add(r.reference())) {
                    records.add(r);
                }
            }
            FileContentStore.Lease lease = content instanceof FileContentStore f ? f.lease() : null;
            try {
                return switch (format) {
                    case OCI_ARCHIVE, OCI_LAYOUT_DIR -> saveOci(records, lease);
                    case DOCKER_ARCHIVE -> saveDocker(records, lease);
                };
            } finally {
                if (lease != null) {
                    lease.close();
                }
            }
        }

        // ------------------------------------------------------------------------------------ OCI

        private ExportResult saveOci(List<ImageRecord> records, FileContentStore.Lease lease) {
            Set<Digest> blobs = new LinkedHashSet<>();
            List<Descriptor> entries = new ArrayList<>();
            for (ImageRecord r : records) {
                Descriptor t = plain(r.target());
                if (MediaTypes.INDEXES.contains(t.mediaType()) && !complete(t, r, 0)) {
                    t = plain(r.manifest());
                }
                collect(t, r, blobs, lease);
                Map<String, String> a = new LinkedHashMap<>();
                if (r.reference().tag() != null) {
                    a.put(OciLayoutReader.REF_NAME, r.reference().tag());
                }
                a.put(OciLayoutReader.CONTAINERD_NAME, r.reference().toString());
                a.put(OciLayoutReader.PODLAB_NAME, r.reference().toString());
                entries.add(new Descriptor(t.mediaType(), t.digest(), t.size(), null, Map.copyOf(new TreeMap<>(a)),
                        null));
            }
            byte[] index = ArchiveJson.write(new Index(2, MediaTypes.OCI_INDEX, entries, null));
            byte[] layout = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
            long bytes;
            if (format == ArchiveFormat.OCI_LAYOUT_DIR) {
                bytes = writeDirectory(layout, index, blobs);
            } else {
                bytes = writeAtomically(out -> {
                    TarArchiveOutputStream tar = newTar(out);
                    file(tar, "oci-layout", layout.length, new ByteArrayInputStream(layout), null);
                    file(tar, "index.json", index.length, new ByteArrayInputStream(index), null);
                    dir(tar, "blobs/");
                    Set<String> algs = new LinkedHashSet<>();
                    for (Digest d : blobs) {
                        if (algs.add(d.algorithm())) {
                            dir(tar, "blobs/" + d.algorithm() + "/");
                        }
                    }
                    for (Digest d : blobs) {
                        try (InputStream in = content.open(d)) {
                            file(tar, "blobs/" + d.algorithm() + "/" + d.hex(), content.size(d), in, d);
                        }
                    }
                    tar.finish();
                });
            }
            return new ExportResult(target, format, List.copyOf(records), blobs.size(), bytes);
        }

        private static Descriptor plain(Descriptor d) {
            return new Descriptor(d.mediaType(), d.digest(), d.size(), null, null, null);
        }

        /** Whether every blob below {@code d} is in the store (an index may list platforms never pulled). */
        private boolean complete(Descriptor d, ImageRecord r, int depth) {
            Digest digest = d.parsedDigest();
            if (!content.contains(digest) || depth > 4) {
                return false;
            }
            if (MediaTypes.INDEXES.contains(d.mediaType())) {
                Index idx = json(digest, Index.class, r);
                for (Descriptor c : idx.manifests() == null ? List.<Descriptor>of() : idx.manifests()) {
                    if (!complete(c, r, depth + 1)) {
                        return false;
                    }
                }
                return true;
            }
            if (MediaTypes.MANIFESTS.contains(d.mediaType())) {
                Manifest m = json(digest, Manifest.class, r);
                if (m.config() == null || !content.contains(m.config().parsedDigest())) {
                    return false;
                }
                for (Descriptor l : m.layers() == null ? List.<Descriptor>of() : m.layers()) {
                    if (!content.contains(l.parsedDigest())) {
                        return false;
                    }
                }
                return true;
            }
            return true; // another kind of blob (an attestation's payload): present is all it needs
        }

        /** Adds {@code d} and everything below it to {@code blobs}, each checked present and leased. */
        private void collect(Descriptor d, ImageRecord r, Set<Digest> blobs, FileContentStore.Lease lease) {
            Digest digest = d.parsedDigest();
            if (lease != null) {
                lease.protect(digest);
            }
            if (!content.contains(digest)) {
                throw error("blob " + digest + " of " + r.reference().familiar() + " is not in the store");
            }
            if (!blobs.add(digest)) {
                return;
            }
            if (MediaTypes.INDEXES.contains(d.mediaType())) {
                Index idx = json(digest, Index.class, r);
                for (Descriptor c : idx.manifests() == null ? List.<Descriptor>of() : idx.manifests()) {
                    collect(c, r, blobs, lease);
                }
            } else if (MediaTypes.MANIFESTS.contains(d.mediaType())) {
                Manifest m = json(digest, Manifest.class, r);
                if (m.config() == null) {
                    throw error("manifest " + digest + " of " + r.reference().familiar() + " has no config");
                }
                collect(m.config(), r, blobs, lease);
                for (Descriptor l : m.layers() == null ? List.<Descriptor>of() : m.layers()) {
                    collect(l, r, blobs, lease);
                }
            }
        }

        private <T> T json(Digest digest, Class<T> type, ImageRecord r) {
            byte[] bytes = content.read(digest);
            if (!ImportContext.hash(digest, bytes).equals(digest)) {
                throw error("blob " + digest + " of " + r.reference().familiar() + " is corrupt in the store (its"
                        + " content hashes to " + ImportContext.hash(digest, bytes) + ")");
            }
            try {
                return ArchiveJson.JSON.readValue(bytes, type);
            } catch (IOException e) {
                throw error("blob " + digest + " of " + r.reference().familiar() + ": "
                        + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                        ? ArchiveJson.describe(j) : PodlabException.describe(e)), e);
            }
        }

        private long writeDirectory(byte[] layout, byte[] index, Set<Digest> blobs) {
            if (Files.exists(target)) {
                boolean empty;
                try (Stream<Path> s = Files.list(target)) {
                    empty = s.findAny().isEmpty();
                } catch (IOException e) {
                    throw error("it exists and is not an empty directory", e);
                }
                if (!empty) {
                    throw error("it exists and is not empty (give a new directory)");
                }
            }
            Path parent = target.getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw error("the directory " + parent + " does not exist");
            }
            Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            long bytes = layout.length + index.length;
            try {
                Files.createDirectory(tmp);
                Files.createDirectories(tmp.resolve("blobs"));
                for (Digest d : blobs) {
                    Path dir = tmp.resolve("blobs").resolve(d.algorithm());
                    Files.createDirectories(dir);
                    Path f = dir.resolve(d.hex());
                    try (InputStream in = content.open(d);
                         FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        OutputStream out = Channels.newOutputStream(ch);
                        bytes += copy(in, out, d, "blob " + d);
                        ch.force(true);
                    }
                }
                writeFile(tmp.resolve("oci-layout"), layout);
                writeFile(tmp.resolve("index.json"), index);
                try {
                    Files.deleteIfExists(target); // an empty directory, checked above
                } catch (DirectoryNotEmptyException e) {
                    throw error("it was filled while saving (give a new directory)");
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                syncDir(parent);
                return bytes;
            } catch (IOException e) {
                throw error(PodlabException.describe(e), e);
            } finally {
                deleteTree(tmp);
            }
        }

        private static void writeFile(Path f, byte[] bytes) throws IOException {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
        }

        // ------------------------------------------------------------------------------------ docker

        private record DockerLayer(Digest diffId, Digest blob, Compression compression, long size) {}

        private record DockerImage(List<ImageReference> names, Digest config, byte[] configBytes,
                                   List<DockerLayer> layers) {}

        private ExportResult saveDocker(List<ImageRecord> records, FileContentStore.Lease lease) {
            Map<String, DockerImage> images = new LinkedHashMap<>();
            Map<Digest, DockerLayer> measured = new HashMap<>();
            for (ImageRecord r : records) {
                Manifest m = store.manifest(r.manifest(), Platform.host());
                Digest cfgDigest = m.config().parsedDigest();
                if (lease != null) {
                    lease.protect(r.manifest().parsedDigest());
                    lease.protect(cfgDigest);
                    m.layers().forEach(l -> lease.protect(l.parsedDigest()));
                }
                byte[] cfgBytes = content.read(cfgDigest);
                if (!ImportContext.hash(cfgDigest, cfgBytes).equals(cfgDigest)) {
                    throw error("config " + cfgDigest + " of " + r.reference().familiar() + " is corrupt in the store");
                }
                ImageConfig cfg = r.config();
                List<String> ids = cfg.rootfs() == null || cfg.rootfs().diffIds() == null ? List.of()
                        : cfg.rootfs().diffIds();
                List<Descriptor> ls = m.layers() == null ? List.of() : m.layers();
                if (ids.size() != ls.size()) {
                    throw error("the config of " + r.reference().familiar() + " lists " + ids.size()
                            + " diff ids for " + ls.size() + " layers");
                }
                List<DockerLayer> layers = new ArrayList<>();
                for (int i = 0; i < ls.size(); i++) {
                    layers.add(layer(r, i, ls.get(i), Digest.parse(ids.get(i)), measured));
                }
                String key = cfgDigest + layers.stream().map(l -> " " + l.diffId()).reduce("", String::concat);
                DockerImage img = images.computeIfAbsent(key,
                        k -> new DockerImage(new ArrayList<>(), cfgDigest, cfgBytes, layers));
                img.names().add(r.reference());
            }
            List<Map<String, Object>> manifest = new ArrayList<>();
            Map<String, Map<String, String>> repositories = new TreeMap<>();
            for (DockerImage img : images.values()) {
                List<String> tags = new ArrayList<>();
                for (ImageReference ref : img.names()) {
                    if (ref.tag() == null) {
                        continue;
                    }
                    ImageReference tagged = new ImageReference(ref.registry(), ref.repository(), ref.tag(), null);
                    tags.add(tagged.familiar());
                    if (!img.layers().isEmpty()) {
                        String repo = new ImageReference(ref.registry(), ref.repository(), null, null).familiar();
                        repositories.computeIfAbsent(repo, k -> new TreeMap<>())
                                .put(ref.tag(), img.layers().get(img.layers().size() - 1).diffId().hex());
                    }
                }
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("Config", img.config().hex() + ".json");
                e.put("RepoTags", tags.isEmpty() ? null : tags);
                e.put("Layers", img.layers().stream().map(l -> l.diffId().hex() + "/layer.tar").toList());
                manifest.add(e);
            }
            byte[] manifestBytes = ArchiveJson.write(manifest);
            byte[] repoBytes = ArchiveJson.write(repositories);
            Set<Digest> configs = new LinkedHashSet<>();
            Map<Digest, DockerLayer> layers = new LinkedHashMap<>();
            for (DockerImage img : images.values()) {
                configs.add(img.config());
                img.layers().forEach(l -> layers.putIfAbsent(l.diffId(), l));
            }
            long bytes = writeAtomically(out -> {
                TarArchiveOutputStream tar = newTar(out);
                file(tar, "manifest.json", manifestBytes.length, new ByteArrayInputStream(manifestBytes), null);
                file(tar, "repositories", repoBytes.length, new ByteArrayInputStream(repoBytes), null);
                Set<Digest> written = new LinkedHashSet<>();
                for (DockerImage img : images.values()) {
                    if (written.add(img.config())) {
                        file(tar, img.config().hex() + ".json", img.configBytes().length,
                                new ByteArrayInputStream(img.configBytes()), img.config());
                    }
                }
                for (DockerLayer l : layers.values()) {
                    dir(tar, l.diffId().hex() + "/");
                    try (InputStream in = uncompressed(l)) {
                        file(tar, l.diffId().hex() + "/layer.tar", l.size(), in, l.diffId());
                    }
                }
                tar.finish();
            });
            return new ExportResult(target, format, List.copyOf(records), configs.size() + layers.size(), bytes);
        }

        /** A layer's uncompressed size, checked against the diff id its config gives it (decompressing once). */
        private DockerLayer layer(ImageRecord r, int i, Descriptor d, Digest diffId, Map<Digest, DockerLayer> measured) {
            DockerLayer known = measured.get(diffId);
            if (known != null) {
                return known;
            }
            Compression c;
            try {
                c = MediaTypes.layerCompression(d.mediaType());
            } catch (ImageException e) {
                throw error("layer " + i + " (" + d.digest() + ") of " + r.reference().familiar()
                        + " has unknown media type \"" + d.mediaType() + "\"");
            }
            Digest blob = d.parsedDigest();
            DockerLayer l;
            if (c == Compression.NONE) {
                if (!blob.equals(diffId)) {
                    throw error("layer " + i + " (" + blob + ") of " + r.reference().familiar()
                            + " is an uncompressed tar, but its config's diff id is " + diffId);
                }
                l = new DockerLayer(diffId, blob, c, content.size(blob));
            } else {
                MessageDigest md = Digest.newSha256();
                long n = 0;
                try (InputStream in = uncompressed(new DockerLayer(diffId, blob, c, -1))) {
                    byte[] buf = new byte[BUFFER];
                    int k;
                    while ((k = in.read(buf)) != -1) {
                        md.update(buf, 0, k);
                        n += k;
                    }
                } catch (IOException e) {
                    throw error("layer " + i + " (" + blob + ") of " + r.reference().familiar()
                            + " cannot be decompressed: " + PodlabException.describe(e), e);
                }
                Digest actual = Digest.of("sha256", md);
                if (!actual.equals(diffId)) {
                    throw error("layer " + i + " (" + blob + ") of " + r.reference().familiar() + " decompresses to "
                            + actual + ", but its config's diff id is " + diffId);
                }
                l = new DockerLayer(diffId, blob, c, n);
            }
            measured.put(diffId, l);
            return l;
        }

        private InputStream uncompressed(DockerLayer l) throws IOException {
            InputStream raw = content.open(l.blob());
            try {
                return switch (l.compression()) {
                    case NONE -> raw;
                    case GZIP -> new GZIPInputStream(raw, BUFFER);
                    case ZSTD -> new ZstdInputStreamNoFinalizer(raw);
                };
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        // ------------------------------------------------------------------------------------ files

        @FunctionalInterface
        private interface Writer {
            void write(OutputStream out) throws IOException;
        }

        /** Writes to a temp file next to the target, fsyncs, renames over the target. Returns the size. */
        private long writeAtomically(Writer writer) {
            Path parent = target.getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw error("the directory " + parent + " does not exist");
            }
            if (Files.isDirectory(target)) {
                throw error("it is a directory");
            }
            Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER);
                    writer.write(out);
                    out.flush();
                    ch.force(true);
                }
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                long size = Files.size(tmp);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                syncDir(parent);
                return size;
            } catch (IOException e) {
                throw error(PodlabException.describe(e), e);
            } finally {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // Best effort while rolling back: the original error is the one worth reporting.
                }
            }
        }

        private static TarArchiveOutputStream newTar(OutputStream out) {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            return tar;
        }

        private static TarArchiveEntry entry(String name, byte type, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setMode(mode);
            e.setModTime(EPOCH);
            e.setUserId(0);
            e.setGroupId(0);
            return e;
        }

        private static void dir(TarArchiveOutputStream tar, String name) throws IOException {
            tar.putArchiveEntry(entry(name, TarConstants.LF_DIR, 040755));
            tar.closeArchiveEntry();
        }

        /** One regular member; with {@code expected}, its bytes must hash to it (a corrupt blob fails the save). */
        private void file(TarArchiveOutputStream tar, String name, long size, InputStream in, Digest expected)
                throws IOException {
            TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, 0100644);
            e.setSize(size);
            tar.putArchiveEntry(e);
            long n = copy(in, tar, expected, name);
            if (n != size) {
                throw error("member " + name + " has " + n + " bytes, expected " + size);
            }
            tar.closeArchiveEntry();
        }

        private long copy(InputStream in, OutputStream out, Digest expected, String what) throws IOException {
            MessageDigest md = expected == null ? null : newDigest(expected);
            byte[] buf = new byte[BUFFER];
            long n = 0;
            int r;
            while ((r = in.read(buf)) != -1) {
                if (md != null) {
                    md.update(buf, 0, r);
                }
                out.write(buf, 0, r);
                n += r;
            }
            if (md != null) {
                Digest actual = Digest.of(expected.algorithm(), md);
                if (!actual.equals(expected)) {
                    throw error(what + ": the stored content hashes to " + actual + ", not " + expected
                            + " (the store is corrupt)");
                }
            }
            return n;
        }

        private static MessageDigest newDigest(Digest d) {
            try {
                return MessageDigest.getInstance(d.algorithm().equals("sha512") ? "SHA-512" : "SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void syncDir(Path dir) throws IOException {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        }

        private static void deleteTree(Path p) {
            if (!Files.exists(p)) {
                return;
            }
            try (Stream<Path> s = Files.walk(p)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException e) {
                        // Best effort while rolling back a failed save.
                    }
                });
            } catch (IOException e) {
                // Best effort while rolling back a failed save.
            }
        }
    }
}
