package dev.podlab.core.image.unpack;

import dev.podlab.core.image.Digest;

import java.util.List;

/**
 * What unpacking one layer did.
 *
 * @param diffId            sha256 of the uncompressed tar (compare with the image config's rootfs.diff_ids)
 * @param entries           tar entries read
 * @param bytesWritten      bytes of regular file content written
 * @param compressedBytes   bytes read from the blob
 * @param overlayReady      the directory can serve as an overlay lower layer: every whiteout became a
 *                          0/0 character device and every opaque marker a {@code trusted.overlay.opaque}
 *                          xattr. False when the kernel refused (not root): then the layer dir lacks its
 *                          deletions and the rootfs must be built with {@link LayerUnpacker#applyTo}.
 *                          Always true for applied unpacking.
 * @param skippedDevices    device node entries left out (devices not allowed)
 * @param notes             warnings that did not fail the unpack (xattrs refused, ownership not kept...)
 */
public record UnpackResult(Digest diffId, long entries, long bytesWritten, long compressedBytes, boolean overlayReady,
                           List<String> skippedDevices, List<String> notes) {
    public UnpackResult {
        skippedDevices = List.copyOf(skippedDevices);
        notes = List.copyOf(notes);
    }
}
