package dev.podlab.core.image.archive;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.archive.ImportContext.Candidate;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.oci.Manifest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.Platform;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Imports a docker-archive ({@code docker save}, {@code podman save}, {@code skopeo copy ... docker-archive:}):
 * {@code manifest.json} lists, per image, its config member, its RepoTags and its layer members, bottom first.
 * Layer members may be anywhere ({@code <id>/layer.tar}, {@code <hex>.tar}, {@code blobs/sha256/<hex>}) and may
 * be symbolic links inside the archive (skopeo writes {@code <id>/layer.tar -> ../<hex>.tar}).
 *
 * <p>Each image becomes an OCI manifest ({@code application/vnd.oci.image.manifest.v1+json}) whose config is the
 * archive's config blob byte for byte (so the image id is preserved, with media type
 * {@code application/vnd.oci.image.config.v1+json}) and whose layers are the archive's layer tars: uncompressed
 * tars as {@code application/vnd.oci.image.layer.v1.tar} whose digest is their sha256, which must equal the
 * config's {@code rootfs.diff_ids} entry (the store verifies it while copying, so a wrong layer is never
 * stored); gzip or zstd compressed layer members (podman accepts them) are stored as they are, with the matching
 * media type, and their uncompressed digest is checked against the diff id after copying.
 */
final class DockerArchiveReader {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Entry(@JsonProperty("Config") String config, @JsonProperty("RepoTags") List<String> repoTags,
                 @JsonProperty("Layers") List<String> layers) {}

    private record Planned(String where, List<ImageReference> names, String configMember, byte[] config,
                           Digest configDigest, ImageConfig parsed, List<String> layerMembers) {}

    private record StoredLayer(Digest digest, long size, String mediaType) {}

    private final ImportContext ctx;
    private final ArchiveSource src;
    /** Member -> the diff id the config(s) give it. */
    private final Map<String, Digest> diffIds = new LinkedHashMap<>();
    private final Map<String, String> diffIdSource = new HashMap<>();
    private final Map<String, StoredLayer> stored = new HashMap<>();

    private DockerArchiveReader(ImportContext ctx) {
        this.ctx = ctx;
        this.src = ctx.source;
    }

    static List<Candidate> read(ImportContext ctx) {
        return new DockerArchiveReader(ctx).read();
    }

    private List<Candidate> read() {
        String manifestMember = src.resolve("manifest.json")
                .orElseThrow(() -> src.error("member manifest.json is missing"));
        Entry[] entries = ArchiveJson.parse(src, "manifest.json",
                src.readOne(manifestMember, ArchiveLimits.MAX_JSON), Entry[].class);
        if (entries.length == 0) {
            throw src.error("member manifest.json lists no images");
        }
        List<Planned> plan = new ArrayList<>();
        for (int i = 0; i < entries.length; i++) {
            plan.add(plan(entries[i], "manifest.json entry " + i));
        }
        storeLayers();
        List<Candidate> out = new ArrayList<>();
        for (Planned p : plan) {
            out.add(finish(p));
        }
        return out;
    }

    private Planned plan(Entry e, String where) {
        if (e == null) {
            throw src.error(where + " is null");
        }
        if (e.config() == null || e.config().isBlank()) {
            throw src.error(where + " has no Config");
        }
        String configMember = src.resolve(e.config()).orElseThrow(() -> src.error(where + " names config \""
                + e.config() + "\", which is not in the archive"));
        byte[] config = src.readOne(configMember, ArchiveLimits.MAX_JSON);
        ImageConfig cfg = ArchiveJson.parse(src, configMember, config, ImageConfig.class);
        List<String> ids = cfg.rootfs() == null || cfg.rootfs().diffIds() == null ? List.of() : cfg.rootfs().diffIds();
        List<String> layers = e.layers() == null ? List.of() : e.layers();
        if (ids.size() != layers.size()) {
            throw src.error("config " + configMember + " lists " + ids.size() + " diff ids, but " + where + " has "
                    + layers.size() + " layers");
        }
        List<String> members = new ArrayList<>();
        for (int k = 0; k < layers.size(); k++) {
            String name = layers.get(k);
            if (name == null) {
                throw src.error(where + " Layers[" + k + "] is null");
            }
            String member = src.resolve(name).orElseThrow(() -> src.error(where + " names layer \"" + name
                    + "\", which is not in the archive"));
            Digest id;
            try {
                id = Digest.parse(ids.get(k));
            } catch (ImageException ex) {
                throw src.error("config " + configMember + " diff_ids[" + k + "]: " + ex.getMessage(), ex);
            }
            Digest before = diffIds.putIfAbsent(member, id);
            if (before != null && !before.equals(id)) {
                throw src.error("layer " + member + " is given diff id " + before + " by "
                        + diffIdSource.get(member) + " and " + id + " by config " + configMember);
            }
            diffIdSource.putIfAbsent(member, "config " + configMember);
            members.add(member);
        }
        List<ImageReference> names = new ArrayList<>();
        List<String> tags = e.repoTags() == null ? List.of() : e.repoTags();
        for (int t = 0; t < tags.size(); t++) {
            if (tags.get(t) != null && !tags.get(t).isBlank()) {
                names.add(ctx.parseName(tags.get(t), where + " RepoTags[" + t + "]"));
            }
        }
        return new Planned(where, names, configMember, config, Digest.sha256(config), cfg, members);
    }

    /** One pass over the archive: every layer member the store lacks is streamed in and verified. */
    private void storeLayers() {
        List<String> wanted = new ArrayList<>();
        for (Map.Entry<String, Digest> e : diffIds.entrySet()) {
            long size = src.size(e.getKey());
            // A compressed member has another size than the stored uncompressed blob: it is streamed and checked.
            if (ctx.content.contains(e.getValue()) && ctx.content.size(e.getValue()) == size
                    && ctx.present(e.getValue(), size)) {
                // The store has this uncompressed layer (verified when it was stored): the member is not needed.
                stored.put(e.getKey(), new StoredLayer(e.getValue(), size, MediaTypes.OCI_LAYER));
                ctx.emit(new ImportEvent.BlobStored(e.getKey(), e.getValue(), size, true));
            } else {
                wanted.add(e.getKey());
            }
        }
        src.stream(wanted, (member, size, in) -> {
            Digest diffId = diffIds.get(member);
            BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
            MediaTypes.Compression c = sniff(b);
            if (c == MediaTypes.Compression.NONE) {
                try {
                    ctx.ingest(member, diffId, size, b);
                } catch (ImageException e) {
                    throw src.error(e.getMessage().contains("digest mismatch")
                            ? "layer " + member + " does not match the diff id " + diffId + " that "
                                    + diffIdSource.get(member) + " gives it: " + e.getMessage()
                            : "layer " + member + ": " + e.getMessage(), e);
                }
                stored.put(member, new StoredLayer(diffId, size, MediaTypes.OCI_LAYER));
                return;
            }
            Digest blob;
            try {
                blob = ctx.ingest(member, null, size, b);
            } catch (ImageException e) {
                throw src.error("layer " + member + ": " + e.getMessage(), e);
            }
            // The blob stays in the store if this check fails: it is verified against its own digest, referenced
            // by nothing, and removed by the next prune.
            Digest actual = uncompressedDigest(blob, c, member);
            if (!actual.equals(diffId)) {
                throw src.error("layer " + member + " does not match the diff id " + diffId + " that "
                        + diffIdSource.get(member) + " gives it: it decompresses to " + actual);
            }
            stored.put(member, new StoredLayer(blob, size, c == MediaTypes.Compression.GZIP
                    ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER_ZSTD));
        });
    }

    private static MediaTypes.Compression sniff(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] m = in.readNBytes(4);
        in.reset();
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
            return MediaTypes.Compression.GZIP;
        }
        if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
                && (m[3] & 0xff) == 0xfd) {
            return MediaTypes.Compression.ZSTD;
        }
        return MediaTypes.Compression.NONE;
    }

    private Digest uncompressedDigest(Digest blob, MediaTypes.Compression c, String member) {
        MessageDigest md = Digest.newSha256();
        try (InputStream raw = ctx.content.open(blob);
             InputStream in = c == MediaTypes.Compression.GZIP ? new GZIPInputStream(raw, 1 << 16)
                     : new ZstdInputStreamNoFinalizer(raw)) {
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) != -1) {
                md.update(buf, 0, r);
            }
        } catch (IOException e) {
            throw src.error("layer " + member + " cannot be decompressed: "
                    + dev.podlab.core.PodlabException.describe(e), e);
        }
        return Digest.of("sha256", md);
    }

    private Candidate finish(Planned p) {
        ctx.putJson(p.configMember(), p.config(), p.configDigest());
        List<Descriptor> layers = new ArrayList<>();
        for (String m : p.layerMembers()) {
            StoredLayer l = stored.get(m);
            layers.add(Descriptor.of(l.mediaType(), l.digest(), l.size()));
        }
        Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST,
                Descriptor.of(MediaTypes.OCI_CONFIG, p.configDigest(), p.config().length), layers, null);
        byte[] bytes = ArchiveJson.write(manifest);
        Digest digest = Digest.sha256(bytes);
        ctx.putJson(p.where() + " (converted manifest)", bytes, digest);
        ImageConfig cfg = p.parsed();
        Platform platform = cfg.os() == null ? null : new Platform(cfg.architecture(), cfg.os(), cfg.variant(), null);
        return new Candidate(p.names(), Descriptor.of(MediaTypes.OCI_MANIFEST, digest, bytes.length), platform,
                p.where());
    }
}
