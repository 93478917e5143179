package dev.podlab.core.image.archive;

/** Sizes podlab accepts for the JSON documents of an archive (they are read into memory). */
final class ArchiveLimits {
    /** manifest.json, index.json, image configs, manifests, indexes. */
    static final long MAX_JSON = 16L << 20;

    private ArchiveLimits() {}
}
