package dev.podlab.core.cgroup;

import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes cgroup v1 count block IO per cgroup on the disk the state root lives on, so that the metrics' IO columns
 * are not always zero there.
 *
 * <p>Why it is needed: v1 keeps the {@code blkio.throttle.io_service_bytes/io_serviced} counters only for IO to a
 * device whose queue has blk-throttle active, and a queue becomes active when some cgroup first gets a throttle
 * rule for it (and stays so until reboot). v2's io.stat counts every device without this. What podlab does: a
 * read rule of 1 TiB/s for that disk in podlab's own parent cgroup, a limit no disk reaches, so nothing is
 * throttled; a rule already there for the disk (the user's) is left alone. The rule is visible in the raw cgroup
 * values, and the engine reports what it did as an event at start.
 */
public final class BlockIoAccounting {
    /** A read limit that throttles nothing: 1 TiB/s. */
    static final long NO_OP_BYTES_PER_SECOND = 1L << 40;
    private static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");

    private BlockIoAccounting() {}

    /**
     * What {@link #activate} found and did.
     *
     * @param counting whether cgroups now count IO to the disk of the directory
     * @param detail   one line for the engine's event: the disk, the rule and where, or why not
     */
    public record Outcome(boolean counting, String detail) {}

    /** Activates counting for the disk holding {@code directory}; never throws (the metrics work without it). */
    public static Outcome activate(CgroupLayout layout, String cgroupParent, Path directory) {
        return activate(layout, cgroupParent, directory, SYS_DEV_BLOCK);
    }

    static Outcome activate(CgroupLayout layout, String cgroupParent, Path directory, Path sysDevBlock) {
        Path blkio = layout.version() == CgroupVersion.V1 ? layout.controllerMounts().get("blkio") : null;
        if (blkio == null) {
            return new Outcome(layout.version() == CgroupVersion.V2,
                    layout.version() == CgroupVersion.V2 ? "cgroup v2: io.stat counts block IO on every disk"
                            : "no v1 blkio hierarchy is mounted: block IO is not counted");
        }
        String disk = "the disk of " + directory;
        try {
            long dev = ((Number) Files.getAttribute(directory, "unix:dev")).longValue();
            long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
            long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
            if (major == 0) {
                return new Outcome(false, directory + " is on a file system without a block device (device 0:" + minor
                        + "): block IO there is not counted per cgroup");
            }
            Path device = sysDevBlock.resolve(major + ":" + minor);
            if (!Files.exists(device)) {
                return new Outcome(false, "no block device " + major + ":" + minor + " in " + sysDevBlock
                        + ": block IO of " + directory + " is not counted per cgroup");
            }
            // A partition's IO is throttled (and counted) on its whole disk's queue: rules name the disk.
            Path real = device.toRealPath();
            Path whole = Files.exists(real.resolve("partition")) ? real.getParent() : real;
            String majorMinor = Files.readString(whole.resolve("dev"), StandardCharsets.US_ASCII).strip();
            disk = whole.getFileName() + " (" + majorMinor + ")";
            Path parent = blkio.resolve(cgroupParent);
            Files.createDirectories(parent);
            Path rules = parent.resolve("blkio.throttle.read_bps_device");
            for (String line : Files.readAllLines(rules, StandardCharsets.US_ASCII)) {
                if (line.startsWith(majorMinor + " ")) {
                    return new Outcome(true, "block IO on " + disk + " is counted per cgroup: " + rules
                            + " already has a rule for it (" + line.strip() + ")");
                }
            }
            Files.writeString(rules, majorMinor + " " + NO_OP_BYTES_PER_SECOND, StandardCharsets.US_ASCII);
            return new Outcome(true, "block IO on " + disk + " is counted per cgroup: cgroup v1 counts only on disks "
                    + "with a throttle rule, so " + rules + " has a 1 TiB/s read limit for it, which throttles nothing");
        } catch (IOException | RuntimeException e) {
            return new Outcome(false, PodlabException.failed("activate block IO accounting for", disk, e));
        }
    }
}
