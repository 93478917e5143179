package dev.podlab.core.image.snapshot;

import dev.podlab.core.image.ImageException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The overlayfs mount options for a rootfs made of snapshot layers. mount(2) copies its data
 * argument into one page, so the whole option string must stay under {@value #MOUNT_DATA_LIMIT}
 * bytes; overlayfs also stacks at most {@value #MAX_LOWER_LAYERS} lower layers. When either
 * limit is exceeded the caller builds the rootfs with {@link SnapshotStore#applyAll} instead.
 */
public final class OverlayMounts {
    /** PAGE_SIZE (4096 on x86_64 and arm64 with 4k pages) minus the terminating NUL. */
    public static final int MOUNT_DATA_LIMIT = 4095;
    /** OVL_MAX_STACK in the kernel. */
    public static final int MAX_LOWER_LAYERS = 500;

    private OverlayMounts() {}

    /**
     * The options, whether they can be mounted, and if not why.
     *
     * @param data   {@code lowerdir=...,upperdir=...,workdir=...[,extra]} (upper/work omitted when null)
     * @param fits   false when the string is too long or there are too many layers
     * @param reason why it does not fit, null when it does
     */
    public record Plan(String data, boolean fits, String reason) {}

    /** {@code lowerdir} value: the layer directories top first, ':'-separated. */
    public static String lowerDir(List<Path> bottomFirst) {
        if (bottomFirst.isEmpty()) {
            throw new ImageException("failed to build overlay lowerdir: no layers");
        }
        List<String> parts = new ArrayList<>();
        for (int i = bottomFirst.size() - 1; i >= 0; i--) {
            parts.add(checked(bottomFirst.get(i)));
        }
        return String.join(":", parts);
    }

    /** The full mount data for the layers plus {@code upper} and {@code work} (both null for a read-only mount). */
    public static Plan plan(List<Path> bottomFirst, Path upper, Path work, String... extraOptions) {
        StringBuilder sb = new StringBuilder("lowerdir=").append(lowerDir(bottomFirst));
        if (upper != null) {
            sb.append(",upperdir=").append(checked(upper)).append(",workdir=").append(checked(work));
        }
        for (String o : extraOptions) {
            sb.append(',').append(o);
        }
        String data = sb.toString();
        if (bottomFirst.size() > MAX_LOWER_LAYERS) {
            return new Plan(data, false, bottomFirst.size() + " layers exceed overlayfs' " + MAX_LOWER_LAYERS);
        }
        int len = data.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (len > MOUNT_DATA_LIMIT) {
            return new Plan(data, false, "mount options of " + len + " bytes exceed the " + MOUNT_DATA_LIMIT
                    + "-byte mount data limit");
        }
        return new Plan(data, true, null);
    }

    /** True when {@link #plan} for these layers would fit. */
    public static boolean fits(List<Path> bottomFirst, Path upper, Path work, String... extraOptions) {
        return plan(bottomFirst, upper, work, extraOptions).fits();
    }

    private static String checked(Path p) {
        String s = p.toAbsolutePath().toString();
        if (s.contains(",") || s.contains(":") || s.contains("\\")) {
            throw new ImageException("failed to build overlay options: path " + s
                    + " contains ',', ':' or '\\', which overlayfs would misread");
        }
        return s;
    }
}
