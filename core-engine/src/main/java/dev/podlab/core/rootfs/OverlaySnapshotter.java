package dev.podlab.core.rootfs;

import com.sun.jna.LastErrorException;
import dev.podlab.core.sys.LibC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /** The kernel copies mount options into one page: the lowerdir list must fit in it. */
    static final int MAX_MOUNT_DATA = 4095;

    /** Why {@code lowers} cannot be stacked for this container, or null when they can. */
    public String unusable(List<Path> lowers, Path containerDir) {
        if (!OVERLAY_AVAILABLE) {
            return "this kernel has no overlay filesystem";
        }
        Snapshot s = layout(containerDir);
        int length = "lowerdir=,upperdir=,workdir=,volatile".length() + s.upper().toString().length()
                + s.work().toString().length() + lowers.stream().mapToInt(l -> l.toString().length() + 1).sum();
        if (length > MAX_MOUNT_DATA) {
            return lowers.size() + " layers need " + length + " bytes of mount options, more than the kernel's "
                    + MAX_MOUNT_DATA;
        }
        return null;
    }

    private static final boolean OVERLAY_AVAILABLE = overlayAvailable();

    private static boolean overlayAvailable() {
        try {
            return Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n");
        } catch (IOException e) {
            return true; // cannot tell: let the mount itself say
        }
    }

    /** The copy fallback: a private directory filled by {@code populator}, used without overlay. */
    public Snapshot copy(Path containerDir, RootfsPopulator populator) {
        Snapshot s = layout(containerDir);
        try {
            Files.createDirectories(s.merged());
        } catch (IOException e) {
            throw new RootfsException("failed to create rootfs directory in " + containerDir + ": " + e, e);
        }
        populator.populate(s.merged());
        return s;
    }

    /** Mounts {@code lowers} (bottom first) under a fresh upper directory of the container. */
    public Snapshot mount(List<Path> lowers, Path containerDir) {
        Snapshot s = layout(containerDir);
        StringBuilder lowerStr = new StringBuilder();
        for (int i = lowers.size() - 1; i >= 0; i--) {
            String l = lowers.get(i).toString();
            if (l.contains(",") || l.contains(":")) {
                throw new RootfsException("failed to mount rootfs " + l
                        + ": overlayfs cannot take a lower directory whose path contains ',' or ':'");
            }
            lowerStr.append(lowerStr.isEmpty() ? "" : ":").append(l);
        }
        try {
            Files.createDirectories(s.merged());
            Files.createDirectories(s.upper());
            Files.createDirectories(s.work());
        } catch (IOException e) {
            throw new RootfsException("failed to create snapshot directories in " + containerDir + ": " + e, e);
        }
        String data = "lowerdir=" + lowerStr + ",upperdir=" + s.upper() + ",workdir=" + s.work() + ",volatile";
        if (data.length() > MAX_MOUNT_DATA) {
            throw new RootfsException("failed to mount rootfs of " + lowers.size() + " layers: the overlay options are "
                    + data.length() + " bytes, more than the kernel's " + MAX_MOUNT_DATA);
        }
        try {
            LibC.INSTANCE.mount("overlay", s.merged().toString(), "overlay", LibC.MS_NODEV, data);
        } catch (LastErrorException e) {
            throw new RootfsException("failed to mount overlay rootfs at " + s.merged() + " over " + lowers + ": "
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
