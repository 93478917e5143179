package dev.podlab.core.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.build.BuiltImage;
import dev.podlab.core.image.build.BuiltManifest;
import dev.podlab.core.image.build.Busybox;
import dev.podlab.core.image.build.Layer;
import dev.podlab.core.image.build.LayerEntry;
import dev.podlab.core.image.build.LayerEntry.Owner;
import dev.podlab.core.image.build.LayerTars;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Index;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.image.oci.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Builds real OCI images from layers described in code, for tests: a thin test-side face of the main-code
 * {@link dev.podlab.core.image.build.ImageBuilder} (which does the work) plus the raw/malicious tar helpers that
 * only tests need. Everything is deterministic (fixed
 * timestamps, owners 0:0 unless set, empty user/group names), so the same description always gives the same
 * digests and two images built from the same layer description share that layer's blob.
 *
 * <pre>{@code
 * WrittenImage img = TestImages.layout(dir)
 *         .layer(TestImages.busyboxLayer())
 *         .layer(l -> l.dir("app", 0755).file("app/hello.txt", "hi\n").symlink("app/link", "hello.txt"))
 *         .config(c -> c.cmd("/bin/sh", "-c", "cat /app/hello.txt").env("PATH=/bin").workingDir("/app"))
 *         .compression(Compression.GZIP)
 *         .tag("v1")
 *         .write();
 * }</pre>
 *
 * <p>{@link ImageBuilder#write()} writes an OCI image layout ({@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/<hex>}) that skopeo and umoci accept; writing a second image into the same directory adds
 * to its index.json (an entry with the same tag is replaced). {@link ImageBuilder#writeTo(ContentStore)} only puts
 * the blobs into a content store (tag them yourself); {@link ImageBuilder#build()} keeps them in memory (for a
 * registry test that serves them).
 *
 * <p>Malicious layers: {@link ImageBuilder#rawLayer(RawTar)} hands you the {@link TarArchiveOutputStream}; the
 * {@link Tar} helpers write one entry each with any name (absolute, "..", through symlinks) and any type
 * (devices, fifos, hardlinks to anywhere). {@link #tar(Consumer)} and {@link #rawTar(RawTar)} give just the tar
 * bytes, for an unpacker test that needs no image.
 */
public final class TestImages {
    /** The modification time of every entry and the "created" of every config. */
    public static final Instant CREATED = dev.podlab.core.image.build.ImageBuilder.FIXED_TIME;
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    public static final Path BUSYBOX = Busybox.HOST_BINARY;

    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private TestImages() {}

    /** An image to be written as an OCI layout into {@code dir} (created when missing). */
    public static ImageBuilder layout(Path dir) {
        return new ImageBuilder(Objects.requireNonNull(dir));
    }

    /** An image not tied to a directory: use {@link ImageBuilder#build()} or {@link ImageBuilder#writeTo}. */
    public static ImageBuilder image() {
        return new ImageBuilder(null);
    }

    /** Writes raw tar entries; may throw IOException (unlike {@code Consumer}). */
    @FunctionalInterface
    public interface RawTar {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    /** "linux/amd64", "linux/arm64/v8" as a {@link Platform}. */
    public static Platform platform(String text) {
        String[] p = text.split("/");
        if (p.length < 2 || p.length > 3) {
            throw new IllegalArgumentException("platform must be os/arch[/variant]: " + text);
        }
        return new Platform(p[1], p[0], p.length == 3 ? p[2] : null, null);
    }

    /** The uncompressed tar of a layer description. */
    public static byte[] tar(Consumer<LayerBuilder> layer) {
        LayerBuilder b = new LayerBuilder();
        layer.accept(b);
        return rawTar(b::writeTo);
    }

    /** The uncompressed tar written by {@code raw} (POSIX long names, PAX for big numbers). */
    public static byte[] rawTar(RawTar raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = newTar(bytes)) {
            raw.write(tar);
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("failed to write test tar", e);
        }
        return bytes.toByteArray();
    }

    /** A {@link TarArchiveOutputStream} set up as the layers here are: POSIX/PAX long names and big numbers. */
    public static TarArchiveOutputStream newTar(OutputStream out) {
        return LayerTars.newTar(out);
    }

    public static byte[] compress(byte[] tar, Compression compression) {
        return LayerTars.compress(tar, compression);
    }

    // ------------------------------------------------------------------------------------------------ busybox

    /** The applet names of the host's /bin/busybox ({@code busybox --list}); skips the test when it is missing. */
    public static List<String> busyboxApplets() {
        requireBusybox();
        return Busybox.applets(BUSYBOX);
    }

    private static void requireBusybox() {
        HostRequirements.require(Files.isExecutable(BUSYBOX),
                "needs " + BUSYBOX + " (Debian package busybox-static)");
    }

    /**
     * A minimal root file system: the host's static /bin/busybox, a symlink {@code bin/<applet> -> busybox} for
     * every applet of {@code busybox --list} (plus {@code usr/bin/env}), the usual empty directories (tmp 1777,
     * root 0700, proc, sys, dev, ...), and a small /etc/passwd and /etc/group made here (root, daemon, nobody;
     * not copied from the host, so the image is the same on every machine with the same busybox). Skips the
     * calling test (fails on CI) when /bin/busybox is missing.
     */
    public static Consumer<LayerBuilder> busyboxLayer() {
        requireBusybox();
        Layer layer = Busybox.layer();
        return l -> layer.entries().forEach(l::entry);
    }

    // ------------------------------------------------------------------------------------------------ raw tar

    /**
     * One raw tar entry per call, names used exactly as given ("/etc/x", "../x", "a/../../x" all allowed): the
     * building blocks of malicious layers. Modes are permission bits (the type bits are added).
     */
    public static final class Tar {
        private Tar() {}

        public static void file(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
            TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, 0100000 | mode);
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }

        public static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
            file(tar, name, content.getBytes(StandardCharsets.UTF_8), 0644);
        }

        public static void dir(TarArchiveOutputStream tar, String name, int mode) throws IOException {
            put(tar, entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, 040000 | mode));
        }

        public static void symlink(TarArchiveOutputStream tar, String name, String target) throws IOException {
            TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0120777);
            e.setLinkName(target);
            put(tar, e);
        }

        /** A hard link {@code name} to the earlier entry (or any path) {@code target}. */
        public static void hardlink(TarArchiveOutputStream tar, String name, String target) throws IOException {
            TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0100644);
            e.setLinkName(target);
            put(tar, e);
        }

        public static void charDevice(TarArchiveOutputStream tar, String name, int major, int minor) throws IOException {
            TarArchiveEntry e = entry(name, TarConstants.LF_CHR, 020666);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            put(tar, e);
        }

        public static void blockDevice(TarArchiveOutputStream tar, String name, int major, int minor) throws IOException {
            TarArchiveEntry e = entry(name, TarConstants.LF_BLK, 060660);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            put(tar, e);
        }

        public static void fifo(TarArchiveOutputStream tar, String name) throws IOException {
            put(tar, entry(name, TarConstants.LF_FIFO, 010644));
        }

        /**
         * A fresh entry with the deterministic defaults used here (mtime {@link #CREATED}, uid/gid 0, no user
         * or group names); set what you like on it, then {@code putArchiveEntry}/write/{@code closeArchiveEntry}.
         */
        public static TarArchiveEntry entry(String name, byte type, int mode) {
            return LayerTars.header(name, type, mode, CREATED);
        }

        private static void put(TarArchiveOutputStream tar, TarArchiveEntry e) throws IOException {
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        }
    }

    // ------------------------------------------------------------------------------------------------ layers

    /**
     * The entries of one layer, in order. Paths are relative to the root ("bin/sh"; a leading "/" is dropped);
     * parent directories are not added implicitly (real layers often lack them too). Modes are permission bits.
     */
    public static final class LayerBuilder {
        /** {@link LayerEntry} or {@link RawTar}, in order. */
        private final List<Object> entries = new ArrayList<>();
        private Owner owner = Owner.ROOT;

        /** Owner of the entries added after this call (0:0 before). */
        public LayerBuilder owner(long uid, long gid) {
            owner = new Owner(uid, gid);
            return this;
        }

        /** Any main-code layer entry (its own owner applies). */
        public LayerBuilder entry(LayerEntry e) {
            entries.add(Objects.requireNonNull(e));
            return this;
        }

        public LayerBuilder file(String path, byte[] content, int mode) {
            return entry(new LayerEntry.RegularFile(path, dev.podlab.core.image.build.FileContent.of(content), mode,
                    owner));
        }

        public LayerBuilder file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), 0644);
        }

        public LayerBuilder file(String path, String content, int mode) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), mode);
        }

        public LayerBuilder dir(String path, int mode) {
            return entry(new LayerEntry.Directory(path, mode, owner));
        }

        /** {@code path} becomes a symbolic link to {@code target} (kept verbatim, relative or absolute). */
        public LayerBuilder symlink(String path, String target) {
            return entry(new LayerEntry.Symlink(path, target, owner));
        }

        /** {@code path} becomes a hard link to the earlier entry {@code target} (a path in the layer). */
        public LayerBuilder hardlink(String path, String target) {
            return entry(new LayerEntry.Hardlink(path, target, owner));
        }

        /** Deletes {@code path} of a lower layer: the entry {@code dir/.wh.name}. */
        public LayerBuilder whiteout(String path) {
            return entry(new LayerEntry.Whiteout(path, owner));
        }

        /** Hides everything a lower layer has in directory {@code dir}: the entry {@code dir/.wh..wh..opq}. */
        public LayerBuilder opaque(String dir) {
            return entry(new LayerEntry.OpaqueDirectory(dir, owner));
        }

        public LayerBuilder charDevice(String path, int major, int minor) {
            return entry(new LayerEntry.Device(path, LayerEntry.DeviceKind.CHARACTER, major, minor, 0666, owner));
        }

        public LayerBuilder blockDevice(String path, int major, int minor) {
            return entry(new LayerEntry.Device(path, LayerEntry.DeviceKind.BLOCK, major, minor, 0660, owner));
        }

        public LayerBuilder fifo(String path) {
            return entry(new LayerEntry.Fifo(path, 0644, owner));
        }

        /** Arbitrary raw entries in the middle of the described ones. */
        public LayerBuilder raw(RawTar raw) {
            entries.add(Objects.requireNonNull(raw));
            return this;
        }

        void writeTo(TarArchiveOutputStream tar) throws IOException {
            for (Object e : entries) {
                if (e instanceof LayerEntry entry) {
                    LayerTars.write(tar, entry, CREATED);
                } else {
                    ((RawTar) e).write(tar);
                }
            }
        }

        /** Adds this layer to {@code image}: as described entries, or as tar bytes when it has raw entries. */
        void addTo(dev.podlab.core.image.build.ImageBuilder image, Compression c) {
            if (entries.stream().allMatch(e -> e instanceof LayerEntry)) {
                image.layer(new Layer(entries.stream().map(e -> (LayerEntry) e).toList(), c));
            } else {
                image.tarLayer(rawTar(this::writeTo), c);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ config

    /** The image config's runtime part and history. */
    public static final class ConfigBuilder {
        private final dev.podlab.core.image.build.ImageBuilder image;

        ConfigBuilder(dev.podlab.core.image.build.ImageBuilder image) {
            this.image = image;
        }

        public ConfigBuilder entrypoint(String... args) {
            image.entrypoint(args);
            return this;
        }

        public ConfigBuilder cmd(String... args) {
            image.cmd(args);
            return this;
        }

        /** Adds "KEY=value" entries. */
        public ConfigBuilder env(String... vars) {
            image.env(vars);
            return this;
        }

        public ConfigBuilder workingDir(String dir) {
            image.workingDir(dir);
            return this;
        }

        /** "uid", "uid:gid", "name" or "name:group", as in a Dockerfile. */
        public ConfigBuilder user(String u) {
            image.user(u);
            return this;
        }

        public ConfigBuilder label(String key, String value) {
            image.label(key, value);
            return this;
        }

        /** "80/tcp". */
        public ConfigBuilder exposedPort(String port) {
            image.exposedPort(port);
            return this;
        }

        public ConfigBuilder volume(String path) {
            image.volume(path);
            return this;
        }

        public ConfigBuilder stopSignal(String signal) {
            image.stopSignal(signal);
            return this;
        }

        public ConfigBuilder author(String a) {
            image.author(a);
            return this;
        }

        /**
         * A history entry of a layer: the first N entries (N = number of layers) describe the layers in order;
         * later ones are marked {@code empty_layer}. Layers without an entry get a generated one.
         */
        public ConfigBuilder history(String createdBy) {
            image.history(createdBy);
            return this;
        }

        /** A history entry that made no layer (ENV, CMD ...): placed in order, does not count as a layer. */
        public ConfigBuilder emptyHistory(String createdBy) {
            image.emptyHistory(createdBy);
            return this;
        }
    }

    // ------------------------------------------------------------------------------------------------ image

    /** One image; see the class comment. */
    public static final class ImageBuilder {
        private final Path dir;
        private final dev.podlab.core.image.build.ImageBuilder image = dev.podlab.core.image.build.ImageBuilder.create();
        private final ConfigBuilder config = new ConfigBuilder(image);
        private String tag;

        ImageBuilder(Path dir) {
            this.dir = dir;
        }

        /** A layer from a description; compressed with {@link #compression(Compression)}. */
        public ImageBuilder layer(Consumer<LayerBuilder> layer) {
            return layer(null, layer);
        }

        /** A layer compressed its own way (mixed-compression images). */
        public ImageBuilder layer(Compression c, Consumer<LayerBuilder> layer) {
            LayerBuilder b = new LayerBuilder();
            layer.accept(b);
            b.addTo(image, c);
            return this;
        }

        /** A layer whose tar entries {@code raw} writes itself (anything goes: see {@link Tar}). */
        public ImageBuilder rawLayer(RawTar raw) {
            image.tarLayer(rawTar(raw));
            return this;
        }

        /** A layer from ready-made uncompressed tar bytes. */
        public ImageBuilder tarLayer(byte[] tar) {
            image.tarLayer(tar);
            return this;
        }

        public ImageBuilder config(Consumer<ConfigBuilder> c) {
            c.accept(config);
            return this;
        }

        /** Compression of the layers (default GZIP). */
        public ImageBuilder compression(Compression c) {
            image.compression(c);
            return this;
        }

        /** The tag written as {@code org.opencontainers.image.ref.name} on the index.json entry. */
        public ImageBuilder tag(String t) {
            tag = t;
            return this;
        }

        /** Docker schema 2 media types (manifest list, manifest, container config, rootfs.diff.tar[.gzip]). */
        public ImageBuilder dockerMediaTypes() {
            image.format(dev.podlab.core.image.build.ImageBuilder.Format.DOCKER);
            return this;
        }

        /** A single manifest (no index) whose config says {@code platform}; the host's by default. */
        public ImageBuilder platform(Platform p) {
            image.platform(p);
            return this;
        }

        /** A single manifest for "os/arch[/variant]". */
        public ImageBuilder platform(String p) {
            return platform(TestImages.platform(p));
        }

        /**
         * An image index with one manifest per platform (same layers, a config per platform); the tag points at
         * the index. One platform gives an index with a single entry ("missing platform" tests).
         */
        public ImageBuilder platforms(String... ps) {
            image.platforms(java.util.Arrays.stream(ps).map(TestImages::platform).toList());
            return this;
        }

        public ImageBuilder platforms(Platform... ps) {
            image.platforms(List.of(ps));
            return this;
        }

        public ImageBuilder manifestAnnotation(String key, String value) {
            image.manifestAnnotation(key, value);
            return this;
        }

        /** Builds every blob in memory. {@link WrittenImage#dir()} is null. */
        public WrittenImage build() {
            // Layers without a history entry are named as they always were here.
            for (int n = image.layerHistoryCount(); n < image.layerCount(); n++) {
                image.history("TestImages layer " + (n + 1));
            }
            Map<Digest, byte[]> blobs = new LinkedHashMap<>();
            BuiltImage built = image.write(blobs::put);
            List<WrittenManifest> manifests = built.manifests().stream().map(WrittenManifest::of).toList();
            Descriptor target = built.target();
            if (tag != null) {
                target = target.withAnnotations(Map.of(REF_NAME, tag));
            }
            return new WrittenImage(dir, tag, target, manifests, java.util.Collections.unmodifiableMap(blobs));
        }

        /**
         * Writes the image into the layout directory given to {@link TestImages#layout(Path)}: blobs, the
         * {@code oci-layout} file, and an index.json entry for the target (replacing an entry with the same tag).
         */
        public WrittenImage write() {
            if (dir == null) {
                throw new IllegalStateException("no layout directory: use TestImages.layout(dir)");
            }
            WrittenImage img = build();
            try {
                Path blobDir = dir.resolve("blobs/sha256");
                Files.createDirectories(blobDir);
                for (Map.Entry<Digest, byte[]> b : img.blobs().entrySet()) {
                    Path p = blobDir.resolve(b.getKey().hex());
                    if (!Files.exists(p)) {
                        Files.write(p, b.getValue());
                    }
                }
                Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
                Path indexFile = dir.resolve("index.json");
                List<Descriptor> entries = new ArrayList<>();
                if (Files.exists(indexFile)) {
                    Index old = JSON.readValue(indexFile.toFile(), Index.class);
                    if (old.manifests() != null) {
                        for (Descriptor d : old.manifests()) {
                            String ref = d.annotations() == null ? null : d.annotations().get(REF_NAME);
                            if (tag == null || !tag.equals(ref)) {
                                entries.add(d);
                            }
                        }
                    }
                }
                entries.add(img.target());
                Files.write(indexFile, json(new Index(2, MediaTypes.OCI_INDEX, entries, null)));
            } catch (IOException e) {
                throw new UncheckedIOException("failed to write test image layout " + dir, e);
            }
            return img;
        }

        /** Puts every blob into {@code store} (index.json is not touched: tag the target yourself). */
        public WrittenImage writeTo(ContentStore store) {
            WrittenImage img = build();
            for (Map.Entry<Digest, byte[]> b : img.blobs().entrySet()) {
                store.put(b.getValue(), b.getKey());
            }
            return new WrittenImage(store.root(), img.tag(), img.target(), img.manifests(), img.blobs());
        }
    }

    static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One platform's manifest of a written image. */
    public record WrittenManifest(Platform platform, Descriptor descriptor, Manifest manifest, Descriptor config,
                                  ImageConfig imageConfig, List<Descriptor> layers, List<Digest> diffIds) {
        static WrittenManifest of(BuiltManifest m) {
            return new WrittenManifest(m.platform(), m.descriptor(), m.manifest(), m.config(), m.imageConfig(),
                    m.layers(), m.diffIds());
        }

        public Digest digest() {
            return descriptor.parsedDigest();
        }

        public Digest configDigest() {
            return config.parsedDigest();
        }

        public List<Digest> layerDigests() {
            return layers.stream().map(Descriptor::parsedDigest).toList();
        }
    }

    /**
     * A built image.
     *
     * @param dir       the layout or store it was written to; null after {@link ImageBuilder#build()}
     * @param tag       the ref.name, or null
     * @param target    what index.json points at (index or manifest), annotated with the tag when there is one
     * @param manifests one per platform, in the order given
     * @param blobs     every blob by digest: layers, configs, manifests, index
     */
    public record WrittenImage(Path dir, String tag, Descriptor target, List<WrittenManifest> manifests,
                               Map<Digest, byte[]> blobs) {
        /** The target without annotations, as a registry or {@code ImageStore.tag} wants it. */
        public Descriptor plainTarget() {
            return target.withAnnotations(null);
        }

        public Digest targetDigest() {
            return target.parsedDigest();
        }

        /** The (first) manifest. */
        public WrittenManifest manifest() {
            return manifests.get(0);
        }

        public WrittenManifest manifest(String platform) {
            Platform p = TestImages.platform(platform);
            return manifests.stream().filter(m -> m.platform().equals(p)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no manifest for " + platform));
        }

        public Digest manifestDigest() {
            return manifest().digest();
        }

        /** The image id (config digest) of the first manifest. */
        public Digest configDigest() {
            return manifest().configDigest();
        }

        public List<Digest> layerDigests() {
            return manifest().layerDigests();
        }

        public List<Digest> diffIds() {
            return manifest().diffIds();
        }

        /** "oci:DIR:TAG" for skopeo. */
        public String skopeoRef() {
            return "oci:" + dir + (tag != null ? ":" + tag : "");
        }
    }
}
