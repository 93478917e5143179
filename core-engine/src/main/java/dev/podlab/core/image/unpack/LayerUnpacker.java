package dev.podlab.core.image.unpack;

import com.sun.jna.LastErrorException;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.oci.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Unpacks image layers (OCI image spec "layer changesets") safely.
 *
 * <p>Two forms:
 * <ul>
 *   <li>{@link #unpack}: an empty directory becomes ONE layer in overlayfs form, usable as a
 *       {@code lowerdir}: a whiteout {@code .wh.NAME} becomes a character device 0/0 named NAME,
 *       {@code .wh..wh..opq} sets {@code trusted.overlay.opaque=y} on its directory. Both need
 *       root; when the kernel refuses, the layer is still unpacked but
 *       {@link UnpackResult#overlayReady()} is false and the rootfs must be built with
 *       {@link #applyTo} instead.</li>
 *   <li>{@link #applyTo}: the layer is applied on top of a directory that holds the layers
 *       below (whiteouts delete, an opaque marker clears what lower layers left in its
 *       directory): the copy fallback when overlayfs cannot be used.</li>
 * </ul>
 *
 * <p>Safety: nothing is ever written outside the target. Paths are cleaned lexically (a
 * leading '/' is stripped, as tar does; a {@code ..} climbing above the root is refused) and
 * then walked from a descriptor of the target one component at a time with O_NOFOLLOW, so a
 * symlink, whether it comes from this layer, a lower one or a racing process, is never
 * traversed; an entry through one is refused. Hard links must name a non-directory inside
 * the target reached the same way; whiteouts obey the same walk and may not name '.' or '..';
 * files are created with O_EXCL|O_NOFOLLOW; metadata calls use descriptors or no-follow
 * variants. Device nodes follow {@link UnpackOptions#devices()}. Overlay xattrs in the tar
 * ({@code trusted.overlay.*}) are ignored, so a layer cannot forge redirects or opaqueness.
 *
 * <p>Failure: a refused or broken layer throws {@link ImageException} naming the layer digest
 * and the tar entry, and leaves the target as a partial directory. <b>The caller deletes
 * it</b>: unpack into a fresh temporary directory next to the final place and rename it on
 * success (the snapshot store does), never into a live tree. {@link #applyTo} cannot be
 * rolled back either: apply to a private copy that is discarded on failure.
 *
 * <p>Assumes nobody else writes into the target while it is unpacked (a private temp dir):
 * the no-follow walk keeps even a racing writer inside the tree, but chmod of a device or
 * FIFO goes through {@code /proc/self/fd}, which needs /proc mounted.
 */
public final class LayerUnpacker {
    private LayerUnpacker() {}

    /** Unpacks {@code blob} into the empty directory {@code target} in overlay form. */
    public static UnpackResult unpack(InputStream blob, MediaTypes.Compression compression, Path target,
                                      UnpackOptions options) {
        String layer = name(options);
        try (var s = Files.newDirectoryStream(target)) {
            if (s.iterator().hasNext()) {
                throw new ImageException("failed to unpack layer " + layer + " into " + target
                        + ": the directory is not empty");
            }
        } catch (IOException e) {
            throw new ImageException("failed to unpack layer " + layer + " into " + target + ": " + e, e);
        }
        return run(blob, compression, target, options, Extractor.Mode.OVERLAY);
    }

    /** Applies {@code blob} on top of {@code rootfs}, which holds the layers below it. */
    public static UnpackResult applyTo(InputStream blob, MediaTypes.Compression compression, Path rootfs,
                                       UnpackOptions options) {
        return run(blob, compression, rootfs, options, Extractor.Mode.APPLY);
    }

    private static String name(UnpackOptions o) {
        return o.layer() != null ? o.layer().toString() : "(digest unknown)";
    }

    private static UnpackResult run(InputStream blob, MediaTypes.Compression compression, Path target,
                                    UnpackOptions options, Extractor.Mode mode) {
        String layer = name(options);
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException("failed to unpack layer " + layer + " into " + target
                    + ": not a directory (or a symlink)");
        }
        int rootFd;
        try {
            rootFd = FsCalls.INSTANCE.openat(-100, FsCalls.c(target.toAbsolutePath().toString()),
                    FsCalls.O_PATH | FsCalls.O_DIRECTORY | FsCalls.O_NOFOLLOW | FsCalls.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new ImageException("failed to unpack layer " + layer + " into " + target + ": failed to open it: "
                    + SafeFs.errno(e), e);
        }
        Extractor ex = new Extractor(rootFd, mode, options);
        String current = null;
        try (LayerStreams in = LayerStreams.open(blob, compression)) {
            TarArchiveEntry e;
            while ((e = in.tar().getNextEntry()) != null) {
                current = e.getName();
                ex.process(e, in.tar());
            }
            current = null;
            ex.finishDirectories();
            Digest diffId = in.finish();
            return new UnpackResult(diffId, ex.entries(), ex.bytesWritten(), in.compressedBytes(),
                    mode == Extractor.Mode.APPLY || ex.overlayReady(), ex.skippedDevices(), ex.notes());
        } catch (IOException e) {
            String where = current != null ? ": entry \"" + Extractor.printable(current) + "\"" : "";
            throw new ImageException("failed to unpack layer " + layer + where + ": failed to read the layer: "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // commons-compress reports some malformed headers this way
            throw new ImageException("failed to unpack layer " + layer + ": malformed tar: " + e.getMessage(), e);
        } catch (LastErrorException e) {
            throw new ImageException("failed to unpack layer " + layer + ": " + SafeFs.errno(e), e);
        } finally {
            SafeFs.close(rootFd);
        }
    }
}
