package dev.podlab.core.image.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.podlab.core.PodlabException;
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
import dev.podlab.core.image.oci.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@link ImageStore} over an OCI image layout: blobs in a {@link FileContentStore}, names in
 * {@code index.json}. Open it with {@link ImageStores#open(Path)}.
 *
 * <p>Each name is one index.json entry annotated with {@value #REF_NAME} = the tag (what {@code skopeo
 * oci:DIR:TAG} and {@code umoci --image DIR:TAG} look up) and {@value #IMAGE_NAME} = the full reference. A name
 * tagged again replaces its entry. Entries without {@value #IMAGE_NAME} (written by other tools) are kept and
 * protect their blobs from prune, but are not listed. Note that two names with the same tag (busybox:latest,
 * alpine:latest) share one ref.name, which skopeo then reports as ambiguous.
 *
 * <p>index.json is changed read-modify-write under a lock (a per-root in-process lock plus a FileChannel lock
 * on {@code index.lock}, for other processes) and replaced atomically (temp file, fsync, rename). A corrupt
 * index.json is reported ("failed to read image index ROOT/index.json: ... at line L, column C") and never
 * overwritten.
 *
 * <p>Prune marks every blob reachable from index.json (indexes, manifests, configs, layers), keeps what an open
 * {@link FileContentStore.Lease} protects or an ingest is writing, and deletes the rest; see
 * {@link FileContentStore} for why leases. It holds the index lock, so a concurrent {@link #tag} either lands
 * before the mark (and its blobs are kept) or after the sweep (and fails if a blob it needs was swept).
 */
public final class OciLayoutImageStore implements ImageStore {
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    public static final String IMAGE_NAME = "dev.podlab.image.name";
    static final String LAYOUT_VERSION = "1.0.0";

    private static final Logger LOG = LoggerFactory.getLogger(OciLayoutImageStore.class);
    private static final Pattern HEX_PREFIX = Pattern.compile("(?:sha256:)?([a-f0-9]{4,64})");
    private static final String ATTESTATION = "vnd.docker.reference.type";

    private final Path root;
    private final Path indexFile;
    private final Path lockFile;
    private final FileContentStore content;
    private final Platform host;

    /** A name in index.json and what it points at. */
    public record NamedImage(ImageReference reference, Descriptor target) {}

    private record Selected(Descriptor descriptor, Manifest manifest) {}

    private OciLayoutImageStore(Path root, FileContentStore content, Platform host) {
        this.root = root;
        this.indexFile = root.resolve("index.json");
        this.lockFile = root.resolve("index.lock");
        this.content = content;
        this.host = host;
    }

    /** See {@link ImageStores#open(Path)}. */
    static OciLayoutImageStore open(Path root, Platform host) {
        Path abs = root.toAbsolutePath().normalize();
        try {
            // Validate before creating anything, so a foreign or damaged directory is left as it was.
            Path layout = abs.resolve("oci-layout");
            if (Files.exists(layout)) {
                checkLayoutFile(layout);
            }
            Path index = abs.resolve("index.json");
            if (Files.exists(index)) {
                readIndex(index);
            }
            LayoutFiles.createDirs(abs);
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("open image store", abs.toString(), e), e);
        }
        OciLayoutImageStore store = new OciLayoutImageStore(abs, FileContentStore.open(abs), host);
        store.withIndexLock(() -> {
            try {
                if (!Files.exists(store.root.resolve("oci-layout"))) {
                    LayoutFiles.writeAtomically(store.root.resolve("oci-layout"),
                            ("{\"imageLayoutVersion\":\"" + LAYOUT_VERSION + "\"}").getBytes());
                }
                if (!Files.exists(store.indexFile)) {
                    store.writeIndex(new Index(2, MediaTypes.OCI_INDEX, List.of(), null));
                }
            } catch (IOException e) {
                throw new ImageException(PodlabException.failed("create image layout in", abs.toString(), e), e);
            }
            return null;
        });
        return store;
    }

    private static void checkLayoutFile(Path layout) throws IOException {
        try {
            JsonNode n = LayoutFiles.JSON.readTree(Files.readAllBytes(layout));
            String v = n == null || n.get("imageLayoutVersion") == null ? null : n.get("imageLayoutVersion").asText();
            if (v == null || !v.startsWith("1.")) {
                throw new ImageException("failed to open image layout " + layout + ": imageLayoutVersion is "
                        + (v == null ? "missing" : "\"" + v + "\"") + ", expected \"" + LAYOUT_VERSION + "\"");
            }
        } catch (JsonProcessingException e) {
            throw new ImageException("failed to read image layout file " + layout + ": " + LayoutFiles.describe(e), e);
        }
    }

    /** Reads and checks index.json: one-line errors naming the file and the JSON problem. */
    static Index readIndex(Path indexFile) throws IOException {
        Index idx;
        try {
            idx = LayoutFiles.JSON.readValue(Files.readAllBytes(indexFile), Index.class);
        } catch (JsonProcessingException e) {
            throw new ImageException("failed to read image index " + indexFile + ": " + LayoutFiles.describe(e), e);
        }
        if (idx == null) {
            throw new ImageException("failed to read image index " + indexFile + ": it is empty (null)");
        }
        if (idx.schemaVersion() != 2) {
            throw new ImageException("failed to read image index " + indexFile + ": schemaVersion is "
                    + idx.schemaVersion() + ", expected 2");
        }
        if (idx.manifests() == null) {
            throw new ImageException("failed to read image index " + indexFile + ": it has no \"manifests\" array");
        }
        for (int i = 0; i < idx.manifests().size(); i++) {
            Descriptor d = idx.manifests().get(i);
            try {
                Objects.requireNonNull(d, "null entry").parsedDigest();
            } catch (ImageException | NullPointerException e) {
                throw new ImageException("failed to read image index " + indexFile + ": manifests[" + i + "]: "
                        + e.getMessage(), e);
            }
        }
        return idx;
    }

    private Index readIndex() {
        try {
            return readIndex(indexFile);
        } catch (NoSuchFileException e) {
            throw new ImageException("failed to read image index " + indexFile + ": the file is missing", e);
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("read image index", indexFile.toString(), e), e);
        }
    }

    private void writeIndex(Index idx) throws IOException {
        LayoutFiles.writeAtomically(indexFile, LayoutFiles.JSON.writeValueAsBytes(idx));
    }

    /** Runs {@code action} holding the in-process and the cross-process index lock. */
    private <T> T withIndexLock(Supplier<T> action) {
        var local = content.shared().index;
        local.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return action.get();
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("lock image index", lockFile.toString(), e), e);
        } finally {
            local.unlock();
        }
    }

    /** Read-modify-write of the index.json entries under the lock. */
    private <T> T updateIndex(Function<List<Descriptor>, T> change) {
        return withIndexLock(() -> {
            Index old = readIndex();
            List<Descriptor> entries = new ArrayList<>(old.manifests());
            T result = change.apply(entries);
            if (!entries.equals(old.manifests())) {
                try {
                    writeIndex(new Index(2, old.mediaType() != null ? old.mediaType() : MediaTypes.OCI_INDEX,
                            entries, old.annotations()));
                } catch (IOException e) {
                    throw new ImageException(PodlabException.failed("write image index", indexFile.toString(), e), e);
                }
            }
            return result;
        });
    }

    // ------------------------------------------------------------------------------------------ API

    @Override
    public FileContentStore content() {
        return content;
    }

    public Path root() {
        return root;
    }

    /** The platform {@link #list()}, {@link #find} and {@link #tag(ImageReference, Descriptor)} resolve for. */
    public Platform platform() {
        return host;
    }

    /** A lease on the content store: hold it while pulling until the image is tagged. */
    public FileContentStore.Lease lease() {
        return content.lease();
    }

    /** Every podlab name in index.json, resolved or not (a UI can show names whose platform is missing). */
    public List<NamedImage> names() {
        List<NamedImage> out = new ArrayList<>();
        for (Descriptor d : readIndex().manifests()) {
            String name = d.annotations() == null ? null : d.annotations().get(IMAGE_NAME);
            if (name == null) {
                continue;
            }
            try {
                out.add(new NamedImage(ImageReference.parse(name), d));
            } catch (ImageException e) {
                LOG.warn("ignoring index.json entry {} of {}: {}", d.digest(), indexFile, e.getMessage());
            }
        }
        out.sort(Comparator.comparing(n -> n.reference().toString()));
        return out;
    }

    @Override
    public List<ImageRecord> list() {
        List<ImageRecord> out = new ArrayList<>();
        for (NamedImage n : names()) {
            try {
                out.add(resolve(n, host));
            } catch (ImageException e) {
                // One broken or foreign-platform image must not hide the others; names() still shows it.
                LOG.warn("not listing {}: {}", n.reference(), e.getMessage());
            }
        }
        return out;
    }

    @Override
    public Optional<ImageRecord> find(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        List<NamedImage> names = names();
        if (t.startsWith("sha256:") || t.startsWith("sha512:")) {
            String hex = t.substring("sha256:".length());
            if (t.startsWith("sha256:") && hex.length() < 64 && HEX_PREFIX.matcher(hex).matches()) {
                return byIdPrefix(t, hex, names);
            }
            return byDigest(names, Digest.parse(t));
        }
        ImageReference ref = null;
        try {
            ref = ImageReference.parse(t);
        } catch (ImageException notAReference) {
            // Maybe an id prefix such as "0123abcd" with upper-case or similar: handled below.
        }
        if (ref != null) {
            Optional<ImageRecord> byName = byReference(names, ref);
            if (byName.isPresent()) {
                return byName;
            }
        }
        if (HEX_PREFIX.matcher(t).matches()) {
            if (t.length() == 64) {
                Optional<ImageRecord> byId = byDigest(names, new Digest("sha256", t));
                if (byId.isPresent()) {
                    return byId;
                }
            }
            return byIdPrefix(t, t, names);
        }
        return Optional.empty();
    }

    private Optional<ImageRecord> byReference(List<NamedImage> names, ImageReference ref) {
        for (NamedImage n : names) {
            if (ref.digest() == null && n.reference().equals(ref)) {
                return Optional.of(resolve(n, host));
            }
        }
        if (ref.digest() == null) {
            return Optional.empty();
        }
        // Pinned: same repository, and the digest is the name's target, its manifest, or the stored pin.
        for (NamedImage n : names) {
            if (!n.reference().name().equals(ref.name())) {
                continue;
            }
            if (ref.digest().equals(n.reference().digest()) || ref.digest().equals(n.target().parsedDigest())) {
                return Optional.of(resolve(n, host));
            }
        }
        for (NamedImage n : names) {
            if (n.reference().name().equals(ref.name())) {
                Optional<ImageRecord> r = tryResolve(n);
                if (r.isPresent() && r.get().manifest().parsedDigest().equals(ref.digest())) {
                    return r;
                }
            }
        }
        return Optional.empty();
    }

    /** An image id (config digest), else a manifest or index digest a name points at. */
    private Optional<ImageRecord> byDigest(List<NamedImage> names, Digest d) {
        List<ImageRecord> resolved = names.stream().map(this::tryResolve).flatMap(Optional::stream).toList();
        return resolved.stream().filter(r -> r.id().equals(d)).findFirst()
                .or(() -> resolved.stream().filter(r -> r.manifest().parsedDigest().equals(d)
                        || r.target().parsedDigest().equals(d)).findFirst());
    }

    private Optional<ImageRecord> byIdPrefix(String text, String prefix, List<NamedImage> names) {
        Map<Digest, List<ImageRecord>> byId = new LinkedHashMap<>();
        for (NamedImage n : names) {
            tryResolve(n).filter(r -> r.id().algorithm().equals("sha256") && r.id().hex().startsWith(prefix))
                    .ifPresent(r -> byId.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r));
        }
        if (byId.size() > 1) {
            List<String> candidates = byId.entrySet().stream()
                    .map(e -> e.getKey().shortHex() + " (" + String.join(", ",
                            e.getValue().stream().map(r -> r.reference().familiar()).toList()) + ")")
                    .toList();
            throw new ImageException("failed to find image \"" + text + "\": the id prefix is ambiguous: it matches "
                    + String.join(", ", candidates));
        }
        return byId.values().stream().findFirst().map(l -> l.get(0));
    }

    private Optional<ImageRecord> tryResolve(NamedImage n) {
        try {
            return Optional.of(resolve(n, host));
        } catch (ImageException e) {
            LOG.debug("cannot resolve {}: {}", n.reference(), e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public ImageRecord tag(ImageReference reference, Descriptor target) {
        return tag(reference, target, host);
    }

    /**
     * Names {@code target}, checking first that the manifest for {@code platform} and its config and layers are
     * in the content store (so a pull that lost a race with prune fails here, not at run time).
     */
    public ImageRecord tag(ImageReference reference, Descriptor target, Platform platform) {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(target, "target");
        return updateIndex(entries -> {
            Digest digest = target.parsedDigest();
            if (!content.contains(digest)) {
                throw new ImageException("failed to tag " + reference + ": " + digest + " is not in the store "
                        + root);
            }
            long size = content.size(digest);
            if (target.size() != size) {
                throw new ImageException("failed to tag " + reference + ": the descriptor says " + target.size()
                        + " bytes, the stored blob " + digest + " has " + size);
            }
            String type = target.mediaType() != null ? target.mediaType() : sniffMediaType(digest);
            Map<String, String> annotations = new LinkedHashMap<>();
            if (target.annotations() != null) {
                annotations.putAll(target.annotations());
            }
            annotations.remove(REF_NAME);
            if (reference.tag() != null) {
                annotations.put(REF_NAME, reference.tag());
            }
            annotations.put(IMAGE_NAME, reference.toString());
            Descriptor entry = new Descriptor(type, target.digest(), size, target.urls(), Map.copyOf(annotations),
                    target.platform());
            ImageRecord record;
            try {
                record = resolve(new NamedImage(reference, entry), platform);
                for (Descriptor layer : record.layers()) {
                    if (!content.contains(layer.parsedDigest())) {
                        throw new ImageException("layer " + layer.digest() + " is not in the store");
                    }
                }
            } catch (ImageException e) {
                throw new ImageException("failed to tag " + reference + ": " + e.getMessage(), e);
            }
            entries.removeIf(d -> d.annotations() != null && reference.toString().equals(d.annotations().get(IMAGE_NAME)));
            entries.add(entry);
            return record;
        });
    }

    @Override
    public boolean untag(ImageReference reference) {
        return updateIndex(entries -> entries.removeIf(d -> d.annotations() != null
                && reference.toString().equals(d.annotations().get(IMAGE_NAME))));
    }

    @Override
    public Manifest manifest(Descriptor target, Platform platform) {
        return select(target, platform, describe(target)).manifest();
    }

    @Override
    public ImageConfig config(Manifest manifest) {
        Descriptor c = manifest.config();
        if (c == null) {
            throw new ImageException("failed to read image config: the manifest has no config descriptor");
        }
        if (!MediaTypes.OCI_CONFIG.equals(c.mediaType()) && !MediaTypes.DOCKER_CONFIG.equals(c.mediaType())) {
            throw new ImageException("failed to read image config " + c.digest() + ": unknown media type \""
                    + c.mediaType() + "\" (not a container image)");
        }
        return readJson(c.parsedDigest(), ImageConfig.class, "image config");
    }

    // ------------------------------------------------------------------------------------------ prune

    @Override
    public PruneReport prune() {
        Instant start = Instant.now();
        return withIndexLock(() -> content.exclusively(() -> {
            Set<Digest> keep = new HashSet<>();
            for (Descriptor root : readIndex().manifests()) {
                mark(root, keep, m -> {});
            }
            keep.addAll(content.protectedBlobs());
            List<Digest> removed = new ArrayList<>();
            long bytes = 0;
            for (Digest d : content.list()) {
                if (keep.contains(d)) {
                    continue;
                }
                long size;
                try {
                    size = Files.size(content.path(d));
                } catch (IOException gone) {
                    continue; // removed by someone else meanwhile: nothing to do
                }
                content.delete(d);
                removed.add(d);
                bytes += size;
            }
            long stale = content.removeStaleIngests(start);
            LOG.info("pruned {} blobs ({} bytes) and {} bytes of stale partial downloads from {}",
                    removed.size(), bytes, stale, root);
            return new PruneReport(List.copyOf(removed), bytes);
        }));
    }

    /**
     * Marks {@code d} and everything below it; {@code onManifest} sees each manifest. A blob that is referenced
     * but missing (a platform never pulled) is simply not followed. A blob that cannot be read aborts: prune must
     * not delete what it could not see.
     */
    private void mark(Descriptor d, Set<Digest> keep, Consumer<Manifest> onManifest) {
        Digest digest = d.parsedDigest();
        if (!keep.add(digest) || !content.contains(digest)) {
            return;
        }
        String type = d.mediaType() != null ? d.mediaType() : sniffMediaType(digest);
        if (MediaTypes.INDEXES.contains(type)) {
            Index idx = readJson(digest, Index.class, "image index");
            for (Descriptor child : idx.manifests() == null ? List.<Descriptor>of() : idx.manifests()) {
                mark(child, keep, onManifest);
            }
        } else if (MediaTypes.MANIFESTS.contains(type)) {
            Manifest m = readJson(digest, Manifest.class, "manifest");
            if (m.config() != null) {
                keep.add(m.config().parsedDigest());
            }
            for (Descriptor layer : m.layers() == null ? List.<Descriptor>of() : m.layers()) {
                keep.add(layer.parsedDigest());
            }
            onManifest.accept(m);
        }
        // Any other type (an artifact, a signature) is kept as a blob; podlab does not know its references.
    }

    /**
     * The diff ids (uncompressed layer digests, as in the configs' rootfs.diff_ids) of every manifest reachable
     * from index.json, all platforms that are present: the snapshot store keeps the unpacked layers in this set.
     */
    public Set<Digest> referencedLayers() {
        Set<Digest> out = new LinkedHashSet<>();
        walkManifests(m -> {
            if (m.config() != null && content.contains(m.config().parsedDigest())) {
                ImageConfig.RootFs rootfs;
                try {
                    rootfs = config(m).rootfs();
                } catch (ImageException e) {
                    return; // not a container image config: it has no unpackable layers
                }
                if (rootfs != null && rootfs.diffIds() != null) {
                    rootfs.diffIds().forEach(id -> out.add(Digest.parse(id)));
                }
            }
        });
        return out;
    }

    /** The layer blob digests (compressed, as in the manifests) of every manifest reachable from index.json. */
    public Set<Digest> referencedLayerBlobs() {
        Set<Digest> out = new LinkedHashSet<>();
        walkManifests(m -> {
            if (m.layers() != null) {
                m.layers().forEach(l -> out.add(l.parsedDigest()));
            }
        });
        return out;
    }

    private void walkManifests(Consumer<Manifest> onManifest) {
        Set<Digest> seen = new HashSet<>();
        withIndexLock(() -> {
            for (Descriptor root : readIndex().manifests()) {
                mark(root, seen, onManifest);
            }
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------ resolving

    private ImageRecord resolve(NamedImage n, Platform platform) {
        Selected s = select(n.target(), platform, n.reference().toString());
        ImageConfig cfg = config(s.manifest());
        List<Descriptor> layers = s.manifest().layers() == null ? List.of() : List.copyOf(s.manifest().layers());
        long size = s.descriptor().size() + s.manifest().config().size()
                + layers.stream().mapToLong(Descriptor::size).sum();
        return new ImageRecord(n.reference(), n.target(), s.descriptor(), s.manifest().config().parsedDigest(), cfg,
                layers, size);
    }

    private Selected select(Descriptor target, Platform platform, String source) {
        Digest digest = target.parsedDigest();
        String type = target.mediaType() != null ? target.mediaType() : sniffMediaType(digest);
        if (MediaTypes.MANIFESTS.contains(type)) {
            Manifest m = readJson(digest, Manifest.class, "manifest");
            if (m.config() == null) {
                throw new ImageException("failed to read manifest " + digest + " of " + source
                        + ": it has no config descriptor");
            }
            Descriptor plain = new Descriptor(type, target.digest(), target.size(), target.urls(), null,
                    target.platform());
            return new Selected(plain, m);
        }
        if (!MediaTypes.INDEXES.contains(type)) {
            throw new ImageException("failed to read manifest " + digest + " of " + source + ": unknown media type \""
                    + type + "\"");
        }
        Index idx = readJson(digest, Index.class, "image index");
        List<Descriptor> entries = idx.manifests() == null ? List.of() : idx.manifests();
        Descriptor chosen = null;
        for (Descriptor e : entries) {
            if (isAttestation(e) || !matches(platform, e.platform())) {
                continue;
            }
            if (chosen == null || (platform.variant() == null && chosen.platform().variant() != null
                    && e.platform().variant() == null)) {
                chosen = e;
            }
        }
        if (chosen == null) {
            Set<String> offered = new LinkedHashSet<>();
            for (Descriptor e : entries) {
                if (!isAttestation(e)) {
                    offered.add(e.platform() == null ? "an entry without platform" : e.platform().toString());
                }
            }
            throw new ImageException("failed to select a manifest for " + platform + " from " + source + ": it offers "
                    + (offered.isEmpty() ? "nothing" : String.join(", ", offered)));
        }
        if (!content.contains(chosen.parsedDigest())) {
            throw new ImageException("failed to select a manifest for " + platform + " from " + source + ": its "
                    + chosen.platform() + " manifest " + chosen.digest() + " is not in the store (pull it again)");
        }
        return select(chosen, platform, source);
    }

    private static boolean isAttestation(Descriptor d) {
        return d.annotations() != null && d.annotations().containsKey(ATTESTATION);
    }

    /** os and architecture must match; the variant too when one is asked for (arm64 without variant is v8). */
    static boolean matches(Platform want, Platform have) {
        if (have == null || !Objects.equals(want.os(), have.os())
                || !Objects.equals(want.architecture(), have.architecture())) {
            return false;
        }
        if (want.variant() == null) {
            return true;
        }
        return Objects.equals(normalVariant(want), normalVariant(have));
    }

    private static String normalVariant(Platform p) {
        if (p.variant() == null && "arm64".equals(p.architecture())) {
            return "v8";
        }
        return p.variant();
    }

    private static String describe(Descriptor target) {
        String name = target.annotations() == null ? null : target.annotations().get(IMAGE_NAME);
        return name != null ? name : target.digest();
    }

    /** The mediaType field of a JSON blob (index.json entries may lack one); "unknown" when it has none. */
    private String sniffMediaType(Digest digest) {
        JsonNode n = readJson(digest, JsonNode.class, "manifest");
        if (n.hasNonNull("mediaType")) {
            return n.get("mediaType").asText();
        }
        if (n.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (n.has("layers") && n.has("config")) {
            return MediaTypes.OCI_MANIFEST;
        }
        return "unknown";
    }

    /** Reads a small JSON blob, checking that it still hashes to its digest. */
    private <T> T readJson(Digest digest, Class<T> type, String what) {
        byte[] bytes;
        try {
            bytes = content.read(digest);
        } catch (ImageException e) {
            throw new ImageException("failed to read " + what + " " + digest + ": " + afterPrefix(e.getMessage()), e);
        }
        Digest actual = FileContentStore.hash(digest.algorithm(), bytes);
        if (!actual.equals(digest)) {
            throw new ImageException("failed to read " + what + " " + digest + ": its content hashes to " + actual
                    + " (the blob is corrupt: remove the image and pull it again)");
        }
        try {
            T value = LayoutFiles.JSON.readValue(bytes, type);
            if (value == null) {
                throw new ImageException("failed to read " + what + " " + digest + ": it is JSON null");
            }
            return value;
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? LayoutFiles.describe(j) : PodlabException.describe(e);
            throw new ImageException("failed to read " + what + " " + digest + ": " + why, e);
        }
    }

    /** "failed to read blob X: it is not in the store R" -> "it is not in the store R". */
    private static String afterPrefix(String message) {
        int i = message.indexOf(": ");
        return i < 0 ? message : message.substring(i + 2);
    }
}
