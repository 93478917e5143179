package dev.podlab.core.rootfs;

/**
 * Fills a container's private root filesystem directory when its layers cannot be stacked
 * by overlayfs (no overlay in the kernel, layers unpacked without overlay whiteouts, or more
 * layers than one mount's options can name). Given by whoever knows where the layers come
 * from (the image service applies the image's layer blobs in order).
 */
public interface RootfsPopulator {
    /** False when the layer directories are not in overlay form and must be copied. */
    boolean overlayReady();

    /** Writes the merged layers into the empty directory {@code rootfs}. */
    void populate(java.nio.file.Path rootfs);
}
