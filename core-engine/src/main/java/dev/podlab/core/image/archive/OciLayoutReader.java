package dev.podlab.core.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.archive.ImportContext.Candidate;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Index;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.Platform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Imports an OCI image layout (directory or oci-archive): checks {@code oci-layout}, walks every entry of
 * {@code index.json} (indexes, manifests, configs: read into memory and verified against their digests), then
 * streams the layers into the store (verified by the store), then stores configs, manifests and indexes, bottom
 * up. An index whose platform manifests are partly missing from the archive (a single-platform copy of a
 * multi-platform image) keeps its present platforms; attestation manifests are not needed.
 */
final class OciLayoutReader {
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    static final String CONTAINERD_NAME = "io.containerd.image.name";
    static final String PODLAB_NAME = "dev.podlab.image.name";
    private static final String ATTESTATION = "vnd.docker.reference.type";

    private final ImportContext ctx;
    private final ArchiveSource src;
    /** Verified JSON blobs in the order found (top down): stored in reverse. */
    private final Map<Digest, Json> json = new LinkedHashMap<>();
    private final Map<Digest, Layer> layers = new LinkedHashMap<>();

    private record Json(String member, byte[] bytes) {}

    private record Layer(String member, long size) {}

    private OciLayoutReader(ImportContext ctx) {
        this.ctx = ctx;
        this.src = ctx.source;
    }

    static List<Candidate> read(ImportContext ctx) {
        return new OciLayoutReader(ctx).read();
    }

    private List<Candidate> read() {
        String layoutMember = src.resolve("oci-layout").orElseThrow(() -> src.error("member oci-layout is missing"));
        JsonNode layout = ArchiveJson.parse(src, "oci-layout", src.readOne(layoutMember, ArchiveLimits.MAX_JSON),
                JsonNode.class);
        JsonNode version = layout.get("imageLayoutVersion");
        if (version == null || !version.isTextual() || !version.asText().startsWith("1.")) {
            throw src.error("member oci-layout has imageLayoutVersion " + version + ", expected \"1.0.0\"");
        }
        String indexMember = src.resolve("index.json").orElseThrow(() -> src.error("member index.json is missing"));
        Index index = ArchiveJson.parse(src, "index.json", src.readOne(indexMember, ArchiveLimits.MAX_JSON),
                Index.class);
        if (index.schemaVersion() != 2) {
            throw src.error("member index.json has schemaVersion " + index.schemaVersion() + ", expected 2");
        }
        if (index.manifests() == null || index.manifests().isEmpty()) {
            throw src.error("member index.json lists no images");
        }
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < index.manifests().size(); i++) {
            Descriptor d = index.manifests().get(i);
            String where = "index.json manifests[" + i + "]";
            if (d == null) {
                throw src.error(where + " is null");
            }
            Platform platform = visit(d, where, 0);
            Descriptor target = new Descriptor(d.mediaType() != null ? d.mediaType() : type(d, where), d.digest(),
                    d.size(), null, null, null);
            out.add(new Candidate(names(d, where), target, platform, where));
        }
        storeLayers();
        List<Map.Entry<Digest, Json>> bottomUp = new ArrayList<>(json.entrySet());
        java.util.Collections.reverse(bottomUp);
        for (Map.Entry<Digest, Json> e : bottomUp) {
            ctx.putJson(e.getValue().member(), e.getValue().bytes(), e.getKey());
        }
        return out;
    }

    private List<ImageReference> names(Descriptor d, String where) {
        Map<String, String> a = d.annotations() == null ? Map.of() : d.annotations();
        for (String key : List.of(CONTAINERD_NAME, PODLAB_NAME)) {
            if (a.get(key) != null && !a.get(key).isBlank()) {
                return List.of(ctx.parseName(a.get(key), where + " annotation " + key));
            }
        }
        String ref = a.get(REF_NAME);
        if (ref != null && !ref.isBlank()) {
            return List.of(ctx.refName(ref, where + " annotation " + REF_NAME));
        }
        return List.of();
    }

    private static String blobMember(Digest d) {
        return "blobs/" + d.algorithm() + "/" + d.hex();
    }

    private Digest digest(Descriptor d, String where) {
        try {
            return Digest.parse(d.digest());
        } catch (ImageException e) {
            throw src.error(where + " has a bad digest: " + e.getMessage(), e);
        }
    }

    /** The member holding {@code d}, checked to exist and to have the descriptor's size. */
    private Optional<String> member(Descriptor d, String where) {
        Digest digest = digest(d, where);
        Optional<String> m = src.resolve(blobMember(digest));
        if (m.isPresent() && src.size(m.get()) != d.size()) {
            throw src.error("member " + m.get() + " is " + src.size(m.get()) + " bytes, but " + where + " says "
                    + d.size());
        }
        return m;
    }

    private String requireMember(Descriptor d, String where) {
        return member(d, where).orElseThrow(() -> src.error("missing blob " + d.digest() + " (member "
                + blobMember(digest(d, where)) + ", referenced by " + where + ")"));
    }

    private byte[] jsonBlob(Descriptor d, String where) {
        Digest digest = digest(d, where);
        Json known = json.get(digest);
        if (known != null) {
            return known.bytes();
        }
        String m = requireMember(d, where);
        byte[] bytes = ctx.readJson(m, digest);
        json.put(digest, new Json(m, bytes));
        return bytes;
    }

    /** The media type of an index.json entry without one: sniffed from the blob, as the store does. */
    private String type(Descriptor d, String where) {
        if (d.mediaType() != null) {
            return d.mediaType();
        }
        byte[] bytes = jsonBlob(d, where);
        JsonNode n = ArchiveJson.parse(src, blobMember(digest(d, where)), bytes, JsonNode.class);
        if (n.hasNonNull("mediaType")) {
            return n.get("mediaType").asText();
        }
        if (n.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (n.has("config") && n.has("layers")) {
            return MediaTypes.OCI_MANIFEST;
        }
        return "unknown";
    }

    /** Reads an index or manifest and what it references; returns the platform to tag it for. */
    private Platform visit(Descriptor d, String where, int depth) {
        if (depth > 4) {
            throw src.error(where + ": indexes nested more than 4 deep");
        }
        String type = type(d, where);
        if (MediaTypes.INDEXES.contains(type)) {
            return visitIndex(d, where, depth);
        }
        if (MediaTypes.MANIFESTS.contains(type)) {
            return visitManifest(d, where);
        }
        throw src.error(where + " (" + d.digest() + ") has unknown media type \"" + type
                + "\" (expected an image index or manifest)");
    }

    private Platform visitIndex(Descriptor d, String where, int depth) {
        String member = blobMember(digest(d, where));
        Index idx = ArchiveJson.parse(src, member, jsonBlob(d, where), Index.class);
        if (idx.manifests() == null || idx.manifests().isEmpty()) {
            throw src.error("image index " + member + " (" + where + ") lists no manifests");
        }
        Platform host = Platform.host();
        Platform chosen = null;
        int present = 0;
        for (int j = 0; j < idx.manifests().size(); j++) {
            Descriptor c = idx.manifests().get(j);
            String cwhere = member + " manifests[" + j + "]";
            if (c == null) {
                throw src.error(cwhere + " is null");
            }
            if (c.annotations() != null && c.annotations().containsKey(ATTESTATION)) {
                if (member(c, cwhere).isEmpty()) {
                    ctx.emit(new ImportEvent.Skipped(cwhere, "attestation manifest, not in the archive"));
                    continue;
                }
            } else if (member(c, cwhere).isEmpty()) {
                ctx.emit(new ImportEvent.Skipped(cwhere + " (" + c.platform() + ")", "its manifest "
                        + c.digest() + " is not in the archive"));
                continue;
            }
            Platform p = visit(c, cwhere, depth + 1);
            Platform entry = c.platform() != null ? c.platform() : p;
            present++;
            boolean attestation = c.annotations() != null && c.annotations().containsKey(ATTESTATION);
            if (!attestation && (chosen == null || (entry != null && host.os().equals(entry.os())
                    && host.architecture().equals(entry.architecture())))) {
                chosen = entry;
            }
        }
        if (present == 0) {
            throw src.error("missing blob: none of the " + idx.manifests().size() + " manifests of image index "
                    + member + " (" + where + ") is in the archive");
        }
        return chosen;
    }

    private Platform visitManifest(Descriptor d, String where) {
        String member = blobMember(digest(d, where));
        Manifest m = ArchiveJson.parse(src, member, jsonBlob(d, where), Manifest.class);
        Descriptor c = m.config();
        if (c == null) {
            throw src.error("manifest " + member + " (" + where + ") has no config");
        }
        if (!MediaTypes.OCI_CONFIG.equals(c.mediaType()) && !MediaTypes.DOCKER_CONFIG.equals(c.mediaType())) {
            throw src.error("manifest " + member + " has a config of unknown media type \"" + c.mediaType()
                    + "\" (not a container image)");
        }
        String cwhere = member + " config";
        ImageConfig cfg = ArchiveJson.parse(src, blobMember(digest(c, cwhere)), jsonBlob(c, cwhere),
                ImageConfig.class);
        List<Descriptor> ls = m.layers() == null ? List.of() : m.layers();
        for (int k = 0; k < ls.size(); k++) {
            Descriptor l = ls.get(k);
            String lwhere = member + " layers[" + k + "]";
            if (l == null) {
                throw src.error(lwhere + " is null");
            }
            try {
                MediaTypes.layerCompression(l.mediaType());
            } catch (ImageException e) {
                throw src.error(lwhere + " (" + l.digest() + ") has unknown media type \"" + l.mediaType() + "\"");
            }
            layers.put(digest(l, lwhere), new Layer(requireMember(l, lwhere), l.size()));
        }
        int diffIds = cfg.rootfs() == null || cfg.rootfs().diffIds() == null ? 0 : cfg.rootfs().diffIds().size();
        if (diffIds != ls.size()) {
            throw src.error("config " + blobMember(digest(c, cwhere)) + " lists " + diffIds + " diff ids, but manifest "
                    + member + " has " + ls.size() + " layers");
        }
        if (d.platform() != null) {
            return d.platform();
        }
        return cfg.os() == null ? null : new Platform(cfg.architecture(), cfg.os(), cfg.variant(), null);
    }

    /** Streams every layer the store lacks in one pass over the archive; the store verifies each digest. */
    private void storeLayers() {
        Map<String, Digest> wanted = new LinkedHashMap<>();
        for (Map.Entry<Digest, Layer> e : layers.entrySet()) {
            if (ctx.present(e.getKey(), e.getValue().size())) {
                ctx.emit(new ImportEvent.BlobStored(e.getValue().member(), e.getKey(), e.getValue().size(), true));
            } else {
                wanted.put(e.getValue().member(), e.getKey());
            }
        }
        src.stream(wanted.keySet(), (member, size, in) -> {
            Digest d = wanted.get(member);
            try {
                ctx.ingest(member, d, size, in);
            } catch (ImageException e) {
                throw src.error("layer " + member + ": " + e.getMessage(), e);
            }
        });
    }
}
