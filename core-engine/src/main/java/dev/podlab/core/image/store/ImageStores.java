package dev.podlab.core.image.store;

import dev.podlab.core.image.oci.Platform;

import java.nio.file.Path;

/** Opens the on-disk image store. */
public final class ImageStores {
    private ImageStores() {}

    /**
     * The image store in the OCI layout at {@code root} (for the engine: {@code <state root>/images}). Creates
     * the layout when missing ({@code oci-layout}, an empty {@code index.json}, {@code blobs/sha256},
     * {@code ingest}); checks an existing one and fails with a one-line {@code ImageException} naming the file
     * and the problem, without changing anything, when {@code oci-layout} or {@code index.json} is damaged.
     * Images resolve for this host's platform.
     */
    public static OciLayoutImageStore open(Path root) {
        return OciLayoutImageStore.open(root, Platform.host());
    }

    /** The same, resolving images for {@code platform} (e.g. to inspect an arm64 image on amd64). */
    public static OciLayoutImageStore open(Path root, Platform platform) {
        return OciLayoutImageStore.open(root, platform);
    }

    /** Only the blobs, without index.json (a scratch store for a pull or an export). */
    public static FileContentStore content(Path root) {
        return FileContentStore.open(root);
    }
}
