package dev.podlab.core.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.luben.zstd.ZstdOutputStream;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
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
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * Builds real OCI images from layers described in code, for tests. Everything is deterministic (fixed
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
    public static final Instant CREATED = Instant.parse("2024-01-01T00:00:00Z");
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    public static final Path BUSYBOX = Path.of("/bin/busybox");

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
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    public static byte[] compress(byte[] tar, Compression compression) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (compression) {
                case NONE -> {
                    return tar;
                }
                case GZIP -> {
                    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                        gz.write(tar);
                    }
                }
                case ZSTD -> {
                    try (ZstdOutputStream z = new ZstdOutputStream(out)) {
                        z.write(tar);
                    }
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("failed to compress test layer", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ busybox

    private static final class Busybox {
        static final byte[] BINARY;
        static final List<String> APPLETS;

        static {
            try {
                BINARY = Files.readAllBytes(BUSYBOX);
                Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("/bin/busybox --list failed: " + out);
                }
                APPLETS = out.lines().map(String::strip)
                        .filter(a -> !a.isEmpty() && !a.equals("busybox") && !a.contains("/"))
                        .sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("failed to read " + BUSYBOX, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The applet names of the host's /bin/busybox ({@code busybox --list}); skips the test when it is missing. */
    public static List<String> busyboxApplets() {
        requireBusybox();
        return Busybox.APPLETS;
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
        byte[] binary = Busybox.BINARY;
        List<String> applets = Busybox.APPLETS;
        return l -> {
            l.dir("bin", 0755).dir("dev", 0755).dir("etc", 0755).dir("home", 0755).dir("proc", 0555)
                    .dir("root", 0700).dir("sys", 0555).dir("tmp", 01777).dir("usr", 0755).dir("usr/bin", 0755)
                    .dir("var", 0755).dir("var/tmp", 01777);
            l.file("bin/busybox", binary, 0755);
            for (String applet : applets) {
                l.symlink("bin/" + applet, "busybox");
            }
            l.symlink("usr/bin/env", "../../bin/busybox");
            l.file("etc/passwd", ("root:x:0:0:root:/root:/bin/sh\n"
                    + "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                    + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8), 0644);
            l.file("etc/group", ("root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n").getBytes(StandardCharsets.UTF_8), 0644);
        };
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
            // preserveAbsolutePath=true: commons-compress would otherwise strip a leading "/".
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            e.setMode(mode);
            e.setModTime(FileTime.from(CREATED));
            e.setUserId(0);
            e.setGroupId(0);
            e.setUserName("");
            e.setGroupName("");
            return e;
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
        private final List<RawTar> entries = new ArrayList<>();
        private long uid;
        private long gid;

        /** Owner of the entries added after this call (0:0 before). */
        public LayerBuilder owner(long uid, long gid) {
            this.uid = uid;
            this.gid = gid;
            return this;
        }

        public LayerBuilder file(String path, byte[] content, int mode) {
            byte[] copy = content.clone();
            return add(path, TarConstants.LF_NORMAL, 0100000 | mode, null, copy);
        }

        public LayerBuilder file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), 0644);
        }

        public LayerBuilder file(String path, String content, int mode) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), mode);
        }

        public LayerBuilder dir(String path, int mode) {
            String p = clean(path);
            return add(p.endsWith("/") ? p : p + "/", TarConstants.LF_DIR, 040000 | mode, null, null);
        }

        /** {@code path} becomes a symbolic link to {@code target} (kept verbatim, relative or absolute). */
        public LayerBuilder symlink(String path, String target) {
            return add(path, TarConstants.LF_SYMLINK, 0120777, target, null);
        }

        /** {@code path} becomes a hard link to the earlier entry {@code target} (a path in the layer). */
        public LayerBuilder hardlink(String path, String target) {
            return add(path, TarConstants.LF_LINK, 0100644, clean(target), null);
        }

        /** Deletes {@code path} of a lower layer: the entry {@code dir/.wh.name}. */
        public LayerBuilder whiteout(String path) {
            String p = clean(path);
            int slash = p.lastIndexOf('/');
            String name = slash < 0 ? ".wh." + p : p.substring(0, slash + 1) + ".wh." + p.substring(slash + 1);
            return add(name, TarConstants.LF_NORMAL, 0100644, null, new byte[0]);
        }

        /** Hides everything a lower layer has in directory {@code dir}: the entry {@code dir/.wh..wh..opq}. */
        public LayerBuilder opaque(String dir) {
            String p = clean(dir);
            return add((p.isEmpty() ? "" : p + "/") + ".wh..wh..opq", TarConstants.LF_NORMAL, 0100644, null, new byte[0]);
        }

        public LayerBuilder charDevice(String path, int major, int minor) {
            String p = clean(path);
            long u = uid;
            long g = gid;
            entries.add(tar -> {
                TarArchiveEntry e = Tar.entry(p, TarConstants.LF_CHR, 020666);
                e.setDevMajor(major);
                e.setDevMinor(minor);
                e.setUserId(u);
                e.setGroupId(g);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            });
            return this;
        }

        public LayerBuilder fifo(String path) {
            return add(path, TarConstants.LF_FIFO, 010644, null, null);
        }

        /** Arbitrary raw entries in the middle of the described ones. */
        public LayerBuilder raw(RawTar raw) {
            entries.add(raw);
            return this;
        }

        private LayerBuilder add(String path, byte type, int mode, String link, byte[] content) {
            String p = clean(path);
            long u = uid;
            long g = gid;
            entries.add(tar -> {
                TarArchiveEntry e = Tar.entry(p, type, mode);
                e.setUserId(u);
                e.setGroupId(g);
                if (link != null) {
                    e.setLinkName(link);
                }
                if (content != null) {
                    e.setSize(content.length);
                }
                tar.putArchiveEntry(e);
                if (content != null) {
                    tar.write(content);
                }
                tar.closeArchiveEntry();
            });
            return this;
        }

        private static String clean(String path) {
            String p = path;
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
            return p;
        }

        void writeTo(TarArchiveOutputStream tar) throws IOException {
            for (RawTar e : entries) {
                e.write(tar);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ config

    /** The image config's runtime part and history. */
    public static final class ConfigBuilder {
        private String user;
        private List<String> env;
        private List<String> entrypoint;
        private List<String> cmd;
        private String workingDir;
        private final Map<String, String> labels = new TreeMap<>();
        private final Map<String, Object> exposedPorts = new TreeMap<>();
        private final Map<String, Object> volumes = new TreeMap<>();
        private String stopSignal;
        private String author;
        private final List<ImageConfig.History> history = new ArrayList<>();

        public ConfigBuilder entrypoint(String... args) {
            entrypoint = List.of(args);
            return this;
        }

        public ConfigBuilder cmd(String... args) {
            cmd = List.of(args);
            return this;
        }

        /** Adds "KEY=value" entries. */
        public ConfigBuilder env(String... vars) {
            if (env == null) {
                env = new ArrayList<>();
            }
            env.addAll(Arrays.asList(vars));
            return this;
        }

        public ConfigBuilder workingDir(String dir) {
            workingDir = dir;
            return this;
        }

        /** "uid", "uid:gid", "name" or "name:group", as in a Dockerfile. */
        public ConfigBuilder user(String u) {
            user = u;
            return this;
        }

        public ConfigBuilder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /** "80/tcp". */
        public ConfigBuilder exposedPort(String port) {
            exposedPorts.put(port, Map.of());
            return this;
        }

        public ConfigBuilder volume(String path) {
            volumes.put(path, Map.of());
            return this;
        }

        public ConfigBuilder stopSignal(String signal) {
            stopSignal = signal;
            return this;
        }

        public ConfigBuilder author(String a) {
            author = a;
            return this;
        }

        /**
         * A history entry of a layer: the first N entries (N = number of layers) describe the layers in order;
         * later ones are marked {@code empty_layer}. Layers without an entry get a generated one.
         */
        public ConfigBuilder history(String createdBy) {
            history.add(new ImageConfig.History(CREATED.toString(), createdBy, null, null, null));
            return this;
        }

        /** A history entry that made no layer (ENV, CMD ...): placed in order, does not count as a layer. */
        public ConfigBuilder emptyHistory(String createdBy) {
            history.add(new ImageConfig.History(CREATED.toString(), createdBy, null, null, true));
            return this;
        }

        ImageConfig build(Platform platform, List<Digest> diffIds) {
            ImageConfig.Config runtime = new ImageConfig.Config(user, exposedPorts.isEmpty() ? null : exposedPorts,
                    env == null ? null : List.copyOf(env), entrypoint, cmd, volumes.isEmpty() ? null : volumes,
                    workingDir, labels.isEmpty() ? null : labels, stopSignal);
            List<ImageConfig.History> h = new ArrayList<>();
            int layers = 0;
            for (ImageConfig.History e : history) {
                if (Boolean.TRUE.equals(e.emptyLayer())) {
                    h.add(e);
                } else if (layers < diffIds.size()) {
                    h.add(e);
                    layers++;
                } else {
                    h.add(new ImageConfig.History(e.created(), e.createdBy(), null, null, true));
                }
            }
            while (layers < diffIds.size()) {
                layers++;
                h.add(new ImageConfig.History(CREATED.toString(), "TestImages layer " + layers, null, null, null));
            }
            return new ImageConfig(CREATED.toString(), author, platform.architecture(), platform.os(),
                    platform.variant(), runtime,
                    new ImageConfig.RootFs("layers", diffIds.stream().map(Digest::toString).toList()), h);
        }
    }

    // ------------------------------------------------------------------------------------------------ image

    /** One image; see the class comment. */
    public static final class ImageBuilder {
        private final Path dir;
        private final List<LayerSpec> layers = new ArrayList<>();
        private final ConfigBuilder config = new ConfigBuilder();
        private Compression compression = Compression.GZIP;
        private String tag;
        private boolean docker;
        private List<Platform> platforms = List.of(Platform.host());
        private boolean index;
        private final Map<String, String> manifestAnnotations = new TreeMap<>();

        private record LayerSpec(RawTar tar, Compression compression, byte[] bytes) {}

        ImageBuilder(Path dir) {
            this.dir = dir;
        }

        /** A layer from a description; compressed with {@link #compression(Compression)}. */
        public ImageBuilder layer(Consumer<LayerBuilder> layer) {
            LayerBuilder b = new LayerBuilder();
            layer.accept(b);
            layers.add(new LayerSpec(b::writeTo, null, null));
            return this;
        }

        /** A layer compressed its own way (mixed-compression images). */
        public ImageBuilder layer(Compression c, Consumer<LayerBuilder> layer) {
            LayerBuilder b = new LayerBuilder();
            layer.accept(b);
            layers.add(new LayerSpec(b::writeTo, c, null));
            return this;
        }

        /** A layer whose tar entries {@code raw} writes itself (anything goes: see {@link Tar}). */
        public ImageBuilder rawLayer(RawTar raw) {
            layers.add(new LayerSpec(raw, null, null));
            return this;
        }

        /** A layer from ready-made uncompressed tar bytes. */
        public ImageBuilder tarLayer(byte[] tar) {
            byte[] copy = tar.clone();
            layers.add(new LayerSpec(t -> t.write(copy), null, copy));
            return this;
        }

        public ImageBuilder config(Consumer<ConfigBuilder> c) {
            c.accept(config);
            return this;
        }

        /** Compression of the layers (default GZIP). */
        public ImageBuilder compression(Compression c) {
            compression = Objects.requireNonNull(c);
            return this;
        }

        /** The tag written as {@code org.opencontainers.image.ref.name} on the index.json entry. */
        public ImageBuilder tag(String t) {
            tag = t;
            return this;
        }

        /** Docker schema 2 media types (manifest list, manifest, container config, rootfs.diff.tar[.gzip]). */
        public ImageBuilder dockerMediaTypes() {
            docker = true;
            return this;
        }

        /** A single manifest (no index) whose config says {@code platform}; the host's by default. */
        public ImageBuilder platform(Platform p) {
            platforms = List.of(p);
            index = false;
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
            platforms = Arrays.stream(ps).map(TestImages::platform).toList();
            index = true;
            return this;
        }

        public ImageBuilder platforms(Platform... ps) {
            platforms = List.of(ps);
            index = true;
            return this;
        }

        public ImageBuilder manifestAnnotation(String key, String value) {
            manifestAnnotations.put(key, value);
            return this;
        }

        /** Builds every blob in memory. {@link WrittenImage#dir()} is null. */
        public WrittenImage build() {
            String manifestType = docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
            String configType = docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG;
            String indexType = docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX;
            Map<Digest, byte[]> blobs = new LinkedHashMap<>();
            List<Descriptor> layerDescriptors = new ArrayList<>();
            List<Digest> diffIds = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec spec = layers.get(i);
                byte[] tar = spec.bytes() != null ? spec.bytes() : rawTar(spec.tar());
                Compression c = spec.compression() != null ? spec.compression() : compression;
                byte[] blob = compress(tar, c);
                Digest d = Digest.sha256(blob);
                blobs.put(d, blob);
                diffIds.add(Digest.sha256(tar));
                layerDescriptors.add(Descriptor.of(layerType(c), d, blob.length));
            }
            List<WrittenManifest> manifests = new ArrayList<>();
            for (Platform p : platforms) {
                ImageConfig cfg = config.build(p, diffIds);
                byte[] cfgBytes = json(cfg);
                Digest cfgDigest = Digest.sha256(cfgBytes);
                blobs.put(cfgDigest, cfgBytes);
                Descriptor cfgDesc = Descriptor.of(configType, cfgDigest, cfgBytes.length);
                Manifest m = new Manifest(2, manifestType, cfgDesc, List.copyOf(layerDescriptors),
                        manifestAnnotations.isEmpty() || docker ? null : Map.copyOf(manifestAnnotations));
                byte[] mBytes = json(m);
                Digest mDigest = Digest.sha256(mBytes);
                blobs.put(mDigest, mBytes);
                Descriptor mDesc = new Descriptor(manifestType, mDigest.toString(), mBytes.length, null, null,
                        index ? p : null);
                manifests.add(new WrittenManifest(p, mDesc, m, cfgDesc, cfg, List.copyOf(layerDescriptors),
                        List.copyOf(diffIds)));
            }
            Descriptor target;
            if (index) {
                Index idx = new Index(2, indexType, manifests.stream().map(WrittenManifest::descriptor).toList(), null);
                byte[] iBytes = json(idx);
                Digest iDigest = Digest.sha256(iBytes);
                blobs.put(iDigest, iBytes);
                target = Descriptor.of(indexType, iDigest, iBytes.length);
            } else {
                target = manifests.get(0).descriptor();
            }
            if (tag != null) {
                target = target.withAnnotations(Map.of(REF_NAME, tag));
            }
            return new WrittenImage(dir, tag, target, List.copyOf(manifests), Collections.unmodifiableMap(blobs));
        }

        private String layerType(Compression c) {
            if (docker) {
                return switch (c) {
                    case NONE -> MediaTypes.DOCKER_LAYER;
                    case GZIP -> MediaTypes.DOCKER_LAYER_GZIP;
                    case ZSTD -> throw new IllegalArgumentException("Docker schema 2 has no zstd layer type");
                };
            }
            return switch (c) {
                case NONE -> MediaTypes.OCI_LAYER;
                case GZIP -> MediaTypes.OCI_LAYER_GZIP;
                case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
            };
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
