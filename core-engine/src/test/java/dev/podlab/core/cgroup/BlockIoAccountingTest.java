package dev.podlab.core.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The no-op throttle rule that makes cgroup v1 count block IO, against a fake blkio hierarchy and a fake
 * /sys/dev/block (the real rule and its effect: BlockIoHostTest).
 */
class BlockIoAccountingTest {
    @TempDir
    Path tmp;

    private CgroupLayout v1(Path blkio) {
        return new CgroupLayout(CgroupVersion.V1, true, tmp, Map.of("blkio", blkio));
    }

    /** /sys/dev/block/MAJ:MIN of the temp dir's own device as a partition "vda1" of a disk "vda" (254:0). */
    private Path fakeSysDevBlock() throws IOException {
        long dev = ((Number) Files.getAttribute(tmp, "unix:dev")).longValue();
        String own = (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL)) + ":" + ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
        Path disk = Files.createDirectories(tmp.resolve("sys/devices/virtio1/block/vda"));
        Files.writeString(disk.resolve("dev"), "254:0\n");
        Path part = Files.createDirectories(disk.resolve("vda1"));
        Files.writeString(part.resolve("dev"), own + "\n");
        Files.writeString(part.resolve("partition"), "1\n");
        Path sysDevBlock = Files.createDirectories(tmp.resolve("sys/dev/block"));
        Files.createSymbolicLink(sysDevBlock.resolve(own), part);
        return sysDevBlock;
    }

    @Test
    void aV1HostGetsANoOpReadRuleForTheWholeDiskInPodlabsCgroupOnce() throws IOException {
        Path blkio = Files.createDirectories(tmp.resolve("cgroup/blkio"));
        Path parent = Files.createDirectories(blkio.resolve("podlab"));
        Files.writeString(parent.resolve("blkio.throttle.read_bps_device"), "");
        Path sys = fakeSysDevBlock();

        var first = BlockIoAccounting.activate(v1(blkio), "podlab", tmp, sys);
        assertThat(first.counting()).isTrue();
        assertThat(first.detail()).startsWith("block IO on vda (254:0) is counted per cgroup")
                .contains("1 TiB/s read limit", "throttles nothing");
        assertThat(Files.readString(parent.resolve("blkio.throttle.read_bps_device"))).isEqualTo("254:0 1099511627776");

        // cgroupfs shows the rule as "254:0 1099511627776": the second engine start leaves it as it is.
        var again = BlockIoAccounting.activate(v1(blkio), "podlab", tmp, sys);
        assertThat(again.counting()).isTrue();
        assertThat(again.detail()).contains("already has a rule for it (254:0 1099511627776)");
    }

    @Test
    void whereNothingCanBeDoneItSaysWhy() throws IOException {
        assertThat(BlockIoAccounting.activate(new CgroupLayout(CgroupVersion.V2, false, tmp, Map.of("io", tmp)),
                "podlab", tmp).detail()).isEqualTo("cgroup v2: io.stat counts block IO on every disk");
        var noBlkio = BlockIoAccounting.activate(new CgroupLayout(CgroupVersion.V1, false, tmp, Map.of()), "podlab", tmp);
        assertThat(noBlkio.counting()).isFalse();
        assertThat(noBlkio.detail()).isEqualTo("no v1 blkio hierarchy is mounted: block IO is not counted");

        Path blkio = Files.createDirectories(tmp.resolve("cgroup/blkio"));
        var noDevice = BlockIoAccounting.activate(v1(blkio), "podlab", tmp, tmp.resolve("empty-sys"));
        assertThat(noDevice.counting()).isFalse();
        assertThat(noDevice.detail()).startsWith("no block device ").endsWith("is not counted per cgroup");

        var procfs = BlockIoAccounting.activate(v1(blkio), "podlab", Path.of("/proc"), fakeSysDevBlock());
        assertThat(procfs.counting()).isFalse();
        assertThat(procfs.detail()).startsWith("/proc is on a file system without a block device (device 0:");

        // The cgroup exists but its rules file cannot be read (not a cgroupfs): a failure line, no exception.
        var broken = BlockIoAccounting.activate(v1(blkio), "podlab", tmp, fakeSysDevBlockAgain());
        assertThat(broken.counting()).isFalse();
        assertThat(broken.detail()).startsWith("failed to activate block IO accounting for vda (254:0): ");
    }

    private Path fakeSysDevBlockAgain() {
        return tmp.resolve("sys/dev/block");
    }
}
