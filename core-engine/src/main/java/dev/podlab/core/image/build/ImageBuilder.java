package dev.podlab.core.image.build;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Index;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.image.oci.Platform;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Builds an OCI (or Docker schema 2) image from layers described in code and writes its blobs into a
 * {@link ContentStore}: layer blobs, a config per platform, a manifest per platform, and an index when built for
 * several platforms. Naming the result is the caller's job ({@code ImageStore.tag(reference, built.target())}).
 *
 * <pre>{@code
 * BuiltImage img = ImageBuilder.create()
 *         .layer(Busybox.layer())
 *         .layer(Layer.builder().dir("app", 0755).file("app/hello.txt", "hi\n").build())
 *         .history("COPY busybox /").history("COPY hello.txt /app/")
 *         .cmd("sh").env("PATH=/bin").workingDir("/app").label("org.example", "yes")
 *         .writeTo(store.content());
 * store.tag(ImageReference.parse("localhost/demo:latest"), img.target());
 * }</pre>
 *
 * <p><b>Deterministic.</b> Every tar entry, the config's {@code created} and every history entry carry the same
 * time ({@link #FIXED_TIME} unless {@link #created(Instant)} says otherwise); owners are numeric (0:0 unless set)
 * with empty names; labels, exposed ports and volumes are written sorted; gzip carries no name or time. The same
 * description therefore always gives the same digests, and two images sharing a layer description share its blob.
 *
 * <p><b>History.</b> {@code history(...)} entries describe the layers in order: the first N non-empty entries (N =
 * number of layers) belong to the layers; {@code emptyHistory(...)} entries (ENV, CMD ...) may sit anywhere in
 * between and do not count. Layers left without an entry get a generated one ({@code "layer N"}); surplus
 * entries are written as {@code empty_layer}.
 *
 * <p><b>Size.</b> Layers are assembled in memory (tar, then compressed blob): fine for sample, test and small
 * committed images of tens of MiB, not for gigabyte layers.
 *
 * <p>A builder is not thread-safe; {@link #write(BlobSink)} may be called more than once and writes the same
 * blobs each time.
 */
public final class ImageBuilder {
    /** The default time of every entry, config and history item: 2024-01-01T00:00:00Z. */
    public static final Instant FIXED_TIME = Instant.parse("2024-01-01T00:00:00Z");

    /** Media type family of the manifests, configs and layers. */
    public enum Format {
        /** OCI image spec v1 (index, manifest, config, layer.v1.tar[+gzip|+zstd]). */
        OCI,
        /** Docker schema 2 (manifest list, manifest, container config, rootfs.diff.tar[.gzip]); no zstd. */
        DOCKER
    }

    // Default Jackson settings on purpose: records serialise in component order, nulls left out by the OCI types.
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private sealed interface LayerSource {
        Compression compression();
    }

    private record Described(Layer layer) implements LayerSource {
        @Override
        public Compression compression() {
            return layer.compression();
        }
    }

    private record Tar(byte[] tar, Compression compression) implements LayerSource {}

    private record Step(String createdBy, String comment, boolean empty) {}

    private final List<LayerSource> layers = new ArrayList<>();
    private final List<Step> history = new ArrayList<>();
    private Compression compression = Compression.GZIP;
    private Format format = Format.OCI;
    private List<Platform> platforms = List.of(Platform.host());
    private boolean index;
    private Instant created = FIXED_TIME;
    private final Map<String, String> manifestAnnotations = new TreeMap<>();

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

    private ImageBuilder() {}

    /** An empty image for this host's platform, OCI media types, gzip layers. */
    public static ImageBuilder create() {
        return new ImageBuilder();
    }

    // ------------------------------------------------------------------------------------------------ layers

    /** Adds a layer on top of those added before. */
    public ImageBuilder layer(Layer layer) {
        layers.add(new Described(Objects.requireNonNull(layer, "layer")));
        return this;
    }

    /** A layer from a ready-made uncompressed tar (kept byte for byte), compressed as the image's default. */
    public ImageBuilder tarLayer(byte[] tar) {
        return tarLayer(tar, null);
    }

    /** A layer from a ready-made uncompressed tar, compressed {@code c} (null: the image's default). */
    public ImageBuilder tarLayer(byte[] tar, Compression c) {
        layers.add(new Tar(Objects.requireNonNull(tar, "tar").clone(), c));
        return this;
    }

    public int layerCount() {
        return layers.size();
    }

    /** The default compression of the layers (GZIP unless set). */
    public ImageBuilder compression(Compression c) {
        compression = Objects.requireNonNull(c, "compression");
        return this;
    }

    // ------------------------------------------------------------------------------------------------ shape

    public ImageBuilder format(Format f) {
        format = Objects.requireNonNull(f, "format");
        return this;
    }

    /** A single manifest (no index) whose config names {@code p}; the host's platform by default. */
    public ImageBuilder platform(Platform p) {
        platforms = List.of(Objects.requireNonNull(p, "platform"));
        index = false;
        return this;
    }

    /**
     * An index with one manifest per platform (same layers, a config per platform); the target is the index. One
     * platform gives an index with a single entry.
     */
    public ImageBuilder platforms(List<Platform> ps) {
        if (ps.isEmpty()) {
            throw new IllegalArgumentException("an image index needs at least one platform");
        }
        platforms = List.copyOf(ps);
        index = true;
        return this;
    }

    /** The time written on every tar entry, the config and every history entry ({@link #FIXED_TIME} default). */
    public ImageBuilder created(Instant t) {
        created = Objects.requireNonNull(t, "created");
        return this;
    }

    /** An annotation on each manifest (OCI only: Docker manifests have none). */
    public ImageBuilder manifestAnnotation(String key, String value) {
        manifestAnnotations.put(key, value);
        return this;
    }

    // ------------------------------------------------------------------------------------------------ config

    public ImageBuilder entrypoint(String... args) {
        return entrypoint(List.of(args));
    }

    public ImageBuilder entrypoint(List<String> args) {
        entrypoint = List.copyOf(args);
        return this;
    }

    public ImageBuilder cmd(String... args) {
        return cmd(List.of(args));
    }

    public ImageBuilder cmd(List<String> args) {
        cmd = List.copyOf(args);
        return this;
    }

    /** Adds "KEY=value" entries (the config has no Env until this is called). */
    public ImageBuilder env(String... vars) {
        return env(Arrays.asList(vars));
    }

    public ImageBuilder env(List<String> vars) {
        if (env == null) {
            env = new ArrayList<>();
        }
        for (String v : vars) {
            env.add(Objects.requireNonNull(v, "env entry"));
        }
        return this;
    }

    public ImageBuilder workingDir(String dir) {
        workingDir = dir;
        return this;
    }

    /** "uid", "uid:gid", "name" or "name:group", as in a Dockerfile. */
    public ImageBuilder user(String u) {
        user = u;
        return this;
    }

    public ImageBuilder label(String key, String value) {
        labels.put(Objects.requireNonNull(key, "label key"), Objects.requireNonNull(value, "label value"));
        return this;
    }

    public ImageBuilder labels(Map<String, String> ls) {
        ls.forEach(this::label);
        return this;
    }

    /** "80/tcp", "53/udp". */
    public ImageBuilder exposedPort(String port) {
        exposedPorts.put(Objects.requireNonNull(port, "port"), Map.of());
        return this;
    }

    public ImageBuilder volume(String path) {
        volumes.put(Objects.requireNonNull(path, "volume"), Map.of());
        return this;
    }

    public ImageBuilder stopSignal(String signal) {
        stopSignal = signal;
        return this;
    }

    public ImageBuilder author(String a) {
        author = a;
        return this;
    }

    /** The history entry of the next layer (see the class comment), e.g. {@code "RUN apk add curl"}. */
    public ImageBuilder history(String createdBy) {
        return history(createdBy, null);
    }

    public ImageBuilder history(String createdBy, String comment) {
        history.add(new Step(createdBy, comment, false));
        return this;
    }

    /** A history entry that made no layer (ENV, CMD, USER ...), placed in order. */
    public ImageBuilder emptyHistory(String createdBy) {
        return emptyHistory(createdBy, null);
    }

    public ImageBuilder emptyHistory(String createdBy, String comment) {
        history.add(new Step(createdBy, comment, true));
        return this;
    }

    /** How many history entries describe layers so far (not counting empty ones). */
    public int layerHistoryCount() {
        return (int) history.stream().filter(s -> !s.empty()).count();
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** Builds the image and puts every blob into {@code store}. */
    public BuiltImage writeTo(ContentStore store) {
        return write(BlobSink.of(store));
    }

    /**
     * Builds the image, giving every blob to {@code sink} in order (layers, then per platform config and
     * manifest, then the index). Throws {@link IllegalArgumentException} for a description that cannot be
     * written (zstd layers with Docker media types) before anything is written, and {@link ImageException}
     * ("failed to build image: ...") when a layer cannot be made (a host file that cannot be read).
     */
    public BuiltImage write(BlobSink sink) {
        Objects.requireNonNull(sink, "sink");
        for (LayerSource l : layers) {
            layerType(l.compression() != null ? l.compression() : compression);
        }
        String manifestType = format == Format.DOCKER ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
        String configType = format == Format.DOCKER ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG;
        String indexType = format == Format.DOCKER ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX;
        List<Digest> written = new ArrayList<>();
        List<Descriptor> layerDescriptors = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerSource spec = layers.get(i);
            byte[] tar;
            try {
                tar = spec instanceof Described d ? LayerTars.tar(d.layer(), created) : ((Tar) spec).tar();
            } catch (ImageException e) {
                throw new ImageException("failed to build image: layer " + (i + 1) + ": " + e.getMessage(), e);
            }
            Compression c = spec.compression() != null ? spec.compression() : compression;
            byte[] blob = LayerTars.compress(tar, c);
            Digest d = Digest.sha256(blob);
            put(sink, d, blob, written);
            diffIds.add(Digest.sha256(tar));
            layerDescriptors.add(Descriptor.of(layerType(c), d, blob.length));
        }
        List<BuiltManifest> manifests = new ArrayList<>();
        for (Platform p : platforms) {
            ImageConfig cfg = config(p, diffIds);
            byte[] cfgBytes = json(cfg);
            Digest cfgDigest = Digest.sha256(cfgBytes);
            put(sink, cfgDigest, cfgBytes, written);
            Descriptor cfgDesc = Descriptor.of(configType, cfgDigest, cfgBytes.length);
            Manifest m = new Manifest(2, manifestType, cfgDesc, List.copyOf(layerDescriptors),
                    manifestAnnotations.isEmpty() || format == Format.DOCKER ? null
                            : Collections.unmodifiableMap(new TreeMap<>(manifestAnnotations)));
            byte[] mBytes = json(m);
            Digest mDigest = Digest.sha256(mBytes);
            put(sink, mDigest, mBytes, written);
            Descriptor mDesc = new Descriptor(manifestType, mDigest.toString(), mBytes.length, null, null,
                    index ? p : null);
            manifests.add(new BuiltManifest(p, mDesc, m, cfgDesc, cfg, layerDescriptors, diffIds));
        }
        Descriptor target;
        if (index) {
            Index idx = new Index(2, indexType, manifests.stream().map(BuiltManifest::descriptor).toList(), null);
            byte[] iBytes = json(idx);
            Digest iDigest = Digest.sha256(iBytes);
            put(sink, iDigest, iBytes, written);
            target = Descriptor.of(indexType, iDigest, iBytes.length);
        } else {
            target = manifests.get(0).descriptor();
        }
        return new BuiltImage(target, manifests, written);
    }

    private static void put(BlobSink sink, Digest d, byte[] blob, List<Digest> written) {
        sink.put(d, blob);
        if (!written.contains(d)) {
            written.add(d);
        }
    }

    private ImageConfig config(Platform platform, List<Digest> diffIds) {
        ImageConfig.Config runtime = new ImageConfig.Config(user, exposedPorts.isEmpty() ? null : sorted(exposedPorts),
                env == null ? null : List.copyOf(env), entrypoint, cmd, volumes.isEmpty() ? null : sorted(volumes),
                workingDir, labels.isEmpty() ? null : sorted(labels), stopSignal);
        String time = created.toString();
        List<ImageConfig.History> h = new ArrayList<>();
        int described = 0;
        for (Step s : history) {
            boolean empty = s.empty() || described >= diffIds.size();
            if (!empty) {
                described++;
            }
            h.add(new ImageConfig.History(time, s.createdBy(), null, s.comment(), empty ? Boolean.TRUE : null));
        }
        while (described < diffIds.size()) {
            described++;
            h.add(new ImageConfig.History(time, "layer " + described, null, null, null));
        }
        return new ImageConfig(time, author, platform.architecture(), platform.os(), platform.variant(), runtime,
                new ImageConfig.RootFs("layers", diffIds.stream().map(Digest::toString).toList()), h);
    }

    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return Collections.unmodifiableMap(new TreeMap<>(m));
    }

    private String layerType(Compression c) {
        if (format == Format.DOCKER) {
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

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new ImageException(PodlabException.failed("serialise", value.getClass().getSimpleName(), e), e);
        }
    }
}
