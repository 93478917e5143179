package dev.podlab.core.image.archive;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.archive.ImportContext.Candidate;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.store.FileContentStore;
import dev.podlab.core.image.store.OciLayoutImageStore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Imports images from an archive into an {@link ImageStore} ({@code podlab image import FILE [--name REF]}).
 *
 * <h2>Formats</h2> Detected from the content, not the file name: a directory holding {@code oci-layout} and
 * {@code index.json} is an OCI layout; a file is read as a tar (plain, gzip or zstd compressed): with
 * {@code oci-layout} and {@code index.json} it is an oci-archive (also docker 25+ archives, which carry both),
 * else with {@code manifest.json} a docker-archive ({@link DockerArchiveReader} says how it is converted). A
 * directory with {@code manifest.json} (an extracted docker-archive) is read the same way. Anything else fails
 * with "failed to import X: it is neither an OCI layout, an oci-archive nor a docker-archive (found: ...)".
 *
 * <h2>Names</h2>
 * <ul>
 * <li>With {@code name} given, the archive must hold exactly one image (one distinct target); it gets that name
 *     and only that one.</li>
 * <li>Otherwise a docker-archive image gets each of its RepoTags ({@code busybox:latest} means
 *     {@code docker.io/library/busybox:latest}). An OCI entry gets its {@code io.containerd.image.name} or
 *     {@code dev.podlab.image.name} annotation (full references) if it has one, else its
 *     {@code org.opencontainers.image.ref.name}: a full reference is used as it is, a bare tag ("v1") becomes
 *     {@code localhost/<archive base name>:<tag>}, the base name being the file (or directory) name without
 *     {@code .tar}, {@code .tar.gz}, {@code .tgz}, ..., lower-cased, other characters than letters and digits
 *     turned into '-' ("My Images.tar" gives {@code localhost/my-images:v1}).</li>
 * <li>An image without any name gets {@code localhost/<archive base name>@<manifest digest>}, so it is kept and
 *     can be found (and renamed) by its id.</li>
 * </ul>
 * A name that exists in the store already is moved to the imported image, as {@code docker load} does.
 *
 * <h2>Safety</h2> Member names that are absolute or contain ".." are refused, and so are links leading outside
 * the archive; a member shorter than its tar header declares is reported as a truncated archive naming it. All of
 * that is checked in a first pass, before anything is stored. Layers are streamed from the archive into the
 * store ({@link ContentStore#ingest}, which verifies every digest); a tar is read in passes (an index pass that
 * also keeps the small JSON members, then a pass that streams the layers) rather than spooled, so an import needs
 * no temporary disk space besides the store's own {@code ingest/} partial files. For the whole import a
 * {@link FileContentStore.Lease} protects what it stored from a concurrent prune. Names are set only after every
 * blob of every image is stored; if anything fails, no name is changed (names set before the failure are set
 * back). Blobs stored before a failure stay: each is complete and verified against its digest, referenced by
 * nothing, and removed by the next prune.
 */
public final class ImageImporter {

    private ImageImporter() {}

    /** {@link #importFrom(Path, ImageStore, Optional, ImportListener)} with the archive's own names, no listener. */
    public static List<ImageRecord> importFrom(Path source, ImageStore store) {
        return importFrom(source, store, Optional.empty(), ImportListener.NONE);
    }

    /**
     * Imports every image of {@code source} into {@code store}.
     *
     * @param name     the name to give the archive's single image, instead of its own names
     * @param listener told each step; {@link ImportListener#NONE} for none
     * @return the tagged images, one per name, in archive order
     * @throws ImageException one line naming the archive and the member or blob at fault
     */
    public static List<ImageRecord> importFrom(Path source, ImageStore store, Optional<ImageReference> name,
                                               ImportListener listener) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(name, "name");
        ImportListener l = listener == null ? ImportListener.NONE : listener;
        Instant start = Instant.now();
        try (ArchiveSource src = ArchiveSource.open(source); Held ignored = lease(store.content())) {
            ArchiveFormat format = detect(src);
            ImportContext ctx = new ImportContext(src, store.content(), l, ImportContext.baseName(source));
            ctx.emit(new ImportEvent.FormatDetected(source, format, src.describe()));
            List<Candidate> candidates = switch (format) {
                case OCI_ARCHIVE, OCI_LAYOUT_DIR -> OciLayoutReader.read(ctx);
                case DOCKER_ARCHIVE -> DockerArchiveReader.read(ctx);
            };
            Map<ImageReference, Candidate> names = names(src, ctx, candidates, name);
            List<ImageRecord> out = tagAll(src, store, names, ctx);
            ctx.emit(new ImportEvent.Finished(List.copyOf(out), ctx.copied, Duration.between(start, Instant.now())));
            return out;
        }
    }

    /** Which format {@code source} is in, without importing anything (for {@code podlab image inspect-archive}). */
    public static ArchiveFormat detect(Path source) {
        try (ArchiveSource src = ArchiveSource.open(source)) {
            return detect(src);
        }
    }

    static ArchiveFormat detect(ArchiveSource src) {
        if (src.exists("oci-layout") && src.exists("index.json")) {
            return src.isDirectory() ? ArchiveFormat.OCI_LAYOUT_DIR : ArchiveFormat.OCI_ARCHIVE;
        }
        if (src.exists("manifest.json")) {
            return ArchiveFormat.DOCKER_ARCHIVE;
        }
        throw src.error("it is neither an OCI layout, an oci-archive nor a docker-archive (found: "
                + src.describe() + ")");
    }

    /** Closes without checked exceptions. */
    private interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private static Held lease(ContentStore content) {
        if (content instanceof FileContentStore f) {
            FileContentStore.Lease lease = f.lease();
            return lease::close;
        }
        return () -> {};
    }

    private static Map<ImageReference, Candidate> names(ArchiveSource src, ImportContext ctx,
                                                        List<Candidate> candidates, Optional<ImageReference> name) {
        Map<ImageReference, Candidate> out = new LinkedHashMap<>();
        if (name.isPresent()) {
            List<String> targets = candidates.stream().map(c -> c.target().digest()).distinct().toList();
            if (targets.size() != 1) {
                throw src.error("a name (" + name.get() + ") can only be given to an archive with one image, this"
                        + " one holds " + targets.size() + ": " + String.join(", ", candidates.stream()
                        .map(c -> c.names().isEmpty() ? c.target().digest() : c.names().get(0).familiar())
                        .distinct().toList()));
            }
            out.put(name.get(), candidates.get(0));
            return out;
        }
        for (Candidate c : candidates) {
            List<ImageReference> refs = c.names().isEmpty()
                    ? List.of(ctx.parseName("localhost/" + ctx.baseName + "@" + c.target().digest(), c.origin()))
                    : c.names();
            for (ImageReference ref : refs) {
                Candidate before = out.putIfAbsent(ref, c);
                if (before != null && !before.target().digest().equals(c.target().digest())) {
                    throw src.error("the name " + ref + " is given to two images: " + before.origin() + " ("
                            + before.target().digest() + ") and " + c.origin() + " (" + c.target().digest() + ")");
                }
            }
        }
        return out;
    }

    /** Tags every name; on a failure the names already changed are set back (or removed) before rethrowing. */
    private static List<ImageRecord> tagAll(ArchiveSource src, ImageStore store, Map<ImageReference, Candidate> names,
                                            ImportContext ctx) {
        List<Runnable> undo = new ArrayList<>();
        List<ImageRecord> out = new ArrayList<>();
        try {
            for (Map.Entry<ImageReference, Candidate> e : names.entrySet()) {
                ImageReference ref = e.getKey();
                Optional<Descriptor> previous = previousTarget(store, ref);
                ImageRecord record = tag(src, store, ref, e.getValue());
                undo.add(() -> {
                    if (previous.isPresent()) {
                        store.tag(ref, previous.get());
                    } else {
                        store.untag(ref);
                    }
                });
                out.add(record);
            }
        } catch (RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                try {
                    undo.get(i).run();
                } catch (RuntimeException u) {
                    e.addSuppressed(u);
                }
            }
            throw e;
        }
        out.forEach(r -> ctx.emit(new ImportEvent.Tagged(r)));
        return out;
    }

    private static ImageRecord tag(ArchiveSource src, ImageStore store, ImageReference ref, Candidate c) {
        Supplier<ImageRecord> doTag = store instanceof OciLayoutImageStore s && c.platform() != null
                ? () -> s.tag(ref, c.target(), c.platform())
                : () -> store.tag(ref, c.target());
        try {
            return doTag.get();
        } catch (ImageException e) {
            throw src.error(c.origin() + ": " + e.getMessage(), e);
        }
    }

    /** What {@code ref} points at now, to set it back when a later step fails. */
    private static Optional<Descriptor> previousTarget(ImageStore store, ImageReference ref) {
        if (store instanceof OciLayoutImageStore s) {
            return s.names().stream().filter(n -> n.reference().equals(ref)).map(n -> n.target()).findFirst();
        }
        return store.find(ref.toString()).filter(r -> r.reference().equals(ref)).map(ImageRecord::target);
    }
}
