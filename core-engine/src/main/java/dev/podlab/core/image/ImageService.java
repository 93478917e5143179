package dev.podlab.core.image;

import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.image.analysis.ImageAnalysis;
import dev.podlab.core.image.analysis.ImageAnalyzer;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.image.registry.CredentialStore;
import dev.podlab.core.image.registry.PullListener;
import dev.podlab.core.image.registry.RegistryClient;
import dev.podlab.core.image.registry.RegistryConfig;
import dev.podlab.core.image.run.ImageDefaults;
import dev.podlab.core.image.run.UserResolver;
import dev.podlab.core.image.snapshot.SnapshotStore;
import dev.podlab.core.rootfs.RootfsPopulator;
import dev.podlab.core.image.snapshot.SnapshotStores;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.image.store.OciLayoutImageStore;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Images for the engine: the OCI layout store ({@code <root>/images}), the unpacked layer
 * snapshots ({@code <root>/snapshots}), pulls through the registry client, and the step
 * from an image to a container's rootfs and process.
 */
public final class ImageService {
    /** Container label holding the image's ExposedPorts ("8080/tcp,53/udp"). */
    public static final String EXPOSED_PORTS_LABEL = "dev.podlab.image.exposed-ports";
    private final Path root;
    private final OciLayoutImageStore store;
    private final SnapshotStore snapshots;
    private final RegistryConfig registries;
    private final Path credentialsFile;

    public ImageService(Path stateRoot, RegistryConfig registries) {
        this.root = stateRoot;
        this.store = ImageStores.open(stateRoot.resolve("images"));
        this.snapshots = SnapshotStores.open(stateRoot.resolve("snapshots"));
        this.registries = registries;
        this.credentialsFile = stateRoot.resolve("auth.json");
    }

    public static ImageService forRoot(Path stateRoot) {
        return new ImageService(stateRoot, RegistryConfig.defaults());
    }

    public RegistryConfig registries() {
        return registries;
    }

    public OciLayoutImageStore store() {
        return store;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    /** podlab's own credentials file ({@code podlab login}), read before docker's and podman's. */
    public CredentialStore credentials() {
        return CredentialStore.forCurrentUser(credentialsFile);
    }

    public ImageRecord pull(String reference, PullListener listener) {
        return pull(reference, registries, listener);
    }

    /** A pull with other registry settings (mirrors, insecure hosts) than the service's. */
    public ImageRecord pull(String reference, RegistryConfig settings, PullListener listener) {
        ImageReference ref = ImageReference.parse(reference);
        try (RegistryClient client = new RegistryClient(settings, credentials())) {
            return client.pull(ref, Platform.host(), store, listener);
        }
    }

    /** The stored image, or an error that says how to get it. */
    public ImageRecord require(String text) {
        return store.find(text).orElseThrow(() -> new ImageException("failed to find image " + text
                + ": it is not in the store (podlab pull " + text + ", or podlab image import FILE)"));
    }

    public ImageAnalysis analyze(String text) {
        return ImageAnalyzer.analyze(store.content(), require(text));
    }

    /** The image's layers, unpacked once each, bottom first. */
    public SnapshotStore.Prepared prepare(ImageRecord image) {
        return snapshots.prepare(layerSources(image, store.content()));
    }

    /** What a snapshot store needs to unpack {@code image}'s layers from {@code content}. */
    public static List<SnapshotStore.LayerSource> layerSources(ImageRecord image, ContentStore content) {
        List<String> diffIds = image.config().rootfs() == null ? List.of() : image.config().rootfs().diffIds();
        if (diffIds.size() != image.layers().size()) {
            throw new ImageException("failed to prepare image " + image.reference() + ": its config lists "
                    + diffIds.size() + " diff ids for " + image.layers().size() + " layers");
        }
        List<SnapshotStore.LayerSource> sources = new ArrayList<>();
        for (int i = 0; i < image.layers().size(); i++) {
            Descriptor layer = image.layers().get(i);
            Digest blob = layer.parsedDigest();
            sources.add(new SnapshotStore.LayerSource(blob, layer.mediaType(), Digest.parse(diffIds.get(i)),
                    () -> content.open(blob)));
        }
        return sources;
    }

    /**
     * A container request for {@code image}: its layers as the rootfs, its config as the
     * process (with the user's overrides), its User resolved through its own account files.
     */
    public ContainerConfig.Builder containerFrom(ImageRecord image, ImageDefaults.Overrides overrides) {
        SnapshotStore.Prepared prepared = prepare(image);
        String name = image.reference().familiar();
        ImageDefaults.Process p = ImageDefaults.apply(image.config(), overrides, name);
        UserResolver.ResolvedUser user = UserResolver.resolve(p.user(), accountFilesRoot(prepared.dirs()));
        var b = ContainerConfig.builder(prepared.dirs(), name + " (" + image.id().shortHex() + ")", p.args())
                .env(p.env()).workingDir(p.workingDir()).user(user.uid(), user.gid())
                .supplementaryGroups(user.groups());
        var imageConfig = image.config().config();
        if (imageConfig != null && imageConfig.labels() != null) {
            imageConfig.labels().forEach(b::label);
        }
        if (imageConfig != null && imageConfig.exposedPorts() != null && !imageConfig.exposedPorts().isEmpty()) {
            // Recorded for inspect and for pod networking (ports are published by pods, not images).
            b.label(EXPOSED_PORTS_LABEL, String.join(",", new java.util.TreeSet<>(imageConfig.exposedPorts().keySet())));
        }
        return b;
    }

    /**
     * Fills a private rootfs with the image's layers applied in order: the engine's fallback
     * when the layers cannot be stacked by overlayfs.
     */
    public RootfsPopulator populator(ImageRecord image) {
        boolean ready = prepare(image).overlayReady();
        return new RootfsPopulator() {
            @Override
            public boolean overlayReady() {
                return ready;
            }

            @Override
            public void populate(Path rootfs) {
                snapshots.applyAll(layerSources(image, store.content()), rootfs);
            }
        };
    }

    /**
     * The layer that holds the image's /etc/passwd as the container will see it: the topmost
     * layer that has an /etc/passwd or /etc/group entry (file or overlay whiteout).
     */
    static Path accountFilesRoot(List<Path> layersBottomFirst) {
        for (int i = layersBottomFirst.size() - 1; i >= 0; i--) {
            Path etc = layersBottomFirst.get(i).resolve("etc");
            if (Files.exists(etc.resolve("passwd"), LinkOption.NOFOLLOW_LINKS)
                    || Files.exists(etc.resolve("group"), LinkOption.NOFOLLOW_LINKS)) {
                return layersBottomFirst.get(i);
            }
        }
        return layersBottomFirst.isEmpty() ? Path.of("/nonexistent") : layersBottomFirst.get(0);
    }

    /** Removes unreferenced blobs and the snapshots no image or container ({@code inUse}) needs. */
    public String prune(Set<Path> layerDirsInUse) {
        ImageStore.PruneReport blobs = store.prune();
        Set<Digest> keep = new HashSet<>();
        for (SnapshotStore.Snapshot s : snapshots.list()) {
            if (layerDirsInUse.contains(s.dir())) {
                keep.add(s.chainId());
            }
        }
        for (ImageRecord image : store.list()) {
            List<String> diffIds = image.config().rootfs() == null ? List.of() : image.config().rootfs().diffIds();
            Digest chain = null;
            for (String d : diffIds) {
                chain = dev.podlab.core.image.snapshot.ChainIds.next(chain, Digest.parse(d));
            }
            if (chain != null) {
                keep.add(chain);
            }
        }
        SnapshotStore.PruneReport layers = snapshots.prune(keep);
        return blobs.blobs().size() + " blobs (" + blobs.bytes() + " bytes) and " + layers.removed().size()
                + " unpacked layers (" + layers.bytes() + " bytes) removed";
    }

    public Path root() {
        return root;
    }
}
