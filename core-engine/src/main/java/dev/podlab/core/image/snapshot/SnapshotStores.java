package dev.podlab.core.image.snapshot;

import java.nio.file.Path;

/** Opens snapshot stores. */
public final class SnapshotStores {
    private SnapshotStores() {}

    /** The layer snapshot store under {@code root} (e.g. {@code /var/lib/podlab/snapshots}), created when missing. */
    public static SnapshotStore open(Path root) {
        return LayerSnapshotStore.open(root);
    }
}
