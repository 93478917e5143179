package dev.podlab.core.rootfs;

import com.sun.jna.LastErrorException;
import dev.podlab.core.sys.LibC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives each container a private writable view of a read-only root filesystem: an overlay
 * with the rootfs as lower layer and {@code upper}/{@code work} in the container directory.
 * The source rootfs is never written to. The overlay is {@code volatile}: it skips syncing
 * the upper layer (unmounting drops from milliseconds to a fraction of one), at the price
 * that a machine crash makes the writable layer unusable, which a container that died in
 * the same crash cannot use anyway.
 */
public final class OverlaySnapshotter {

    /** Paths of one container's snapshot. */
    public record Snapshot(Path merged, Path upper, Path work) {}

    public static Snapshot layout(Path containerDir) {
        return new Snapshot(containerDir.resolve("rootfs"), containerDir.resolve("upper"), containerDir.resolve("work"));
    }

    public Snapshot mount(Path lower, Path containerDir) {
        Snapshot s = layout(containerDir);
        String lowerStr = lower.toString();
        if (lowerStr.contains(",") || lowerStr.contains(":")) {
            throw new RootfsException("failed to mount rootfs " + lower
                    + ": overlayfs cannot take a lower directory whose path contains ',' or ':'");
        }
        try {
            Files.createDirectories(s.merged());
            Files.createDirectories(s.upper());
            Files.createDirectories(s.work());
        } catch (IOException e) {
            throw new RootfsException("failed to create snapshot directories in " + containerDir + ": " + e, e);
        }
        String data = "lowerdir=" + lowerStr + ",upperdir=" + s.upper() + ",workdir=" + s.work() + ",volatile";
        try {
            LibC.INSTANCE.mount("overlay", s.merged().toString(), "overlay", LibC.MS_NODEV, data);
        } catch (LastErrorException e) {
            throw new RootfsException("failed to mount overlay rootfs at " + s.merged() + " over " + lower + ": "
                    + LibC.describe(e), e);
        }
        return s;
    }

    /** Unmounts the snapshot; a snapshot that is not mounted (already released) is fine. */
    public void unmount(Path containerDir) {
        Path merged = layout(containerDir).merged();
        try {
            LibC.INSTANCE.umount2(merged.toString(), 0);
        } catch (LastErrorException e) {
            int err = e.getErrorCode();
            // EINVAL: not a mount point (never mounted or already gone); ENOENT: directory gone.
            if (err == LibC.EINVAL || err == LibC.ENOENT) {
                return;
            }
            if (err == LibC.EBUSY) {
                // Something still holds it (a lingering process in a dying namespace): detach lazily.
                try {
                    LibC.INSTANCE.umount2(merged.toString(), LibC.MNT_DETACH);
                    return;
                } catch (LastErrorException again) {
                    e = again;
                }
            }
            throw new RootfsException("failed to unmount rootfs " + merged + ": " + LibC.describe(e), e);
        }
    }
}
