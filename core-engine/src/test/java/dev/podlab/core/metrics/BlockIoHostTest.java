package dev.podlab.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.core.cgroup.BlockIoAccounting;
import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.LoopDisk;
import dev.podlab.core.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A container that writes and reads with O_DIRECT on a real block device: the bytes show up in its blkio cgroup,
 * through both v1 stats sources.
 *
 * <p>Why a loop device with a throttle rule: blk-throttle keeps its per-cgroup counters (the
 * {@code blkio.throttle.io_service*} files) only on a queue where throttling is active, which on recent kernels
 * (6.x here) means some cgroup has a throttle rule for that device; on this host no cgroup has one for the disk, so
 * IO to the root file system stays uncounted. The test formats a loop device of its own, gives it a 1 TiB/s read
 * limit in a cgroup of its own (activating the accounting for that device only, and throttling nothing), binds the
 * mounted file system into the container, and removes all of it afterwards. The rule is the one
 * {@link BlockIoAccounting} gives the engine's state root disk at start. O_DIRECT because buffered writeback is
 * not charged to the writer on cgroup v1.
 */
@Tag("root")
class BlockIoHostTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void directIoOfAContainerIsChargedToItsBlkioCgroup() throws Exception {
        HostRequirements.requireCgroupV1();
        Path blkioRoot = HostRequirements.CGROUP_ROOT.resolve("blkio");
        HostRequirements.require(Files.exists(blkioRoot.resolve("blkio.throttle.read_bps_device")),
                "needs the v1 blkio hierarchy with blk-throttle at " + blkioRoot);
        try (TestEngine te = TestEngine.open();
             LoopDisk disk = LoopDisk.create(te.root, 64 * MIB)) {
            String activatorName = "podlab-iotest-" + UUID.randomUUID().toString().substring(0, 8);
            Path activator = blkioRoot.resolve(activatorName);
            ContainerRecord c = null;
            try {
                // What the engine does at start for its state root's disk, here for the loop disk only.
                var outcome = BlockIoAccounting.activate(te.cgroups.layout(), activatorName, disk.mountPoint());
                assertThat(outcome.counting()).as(outcome.detail()).isTrue();
                assertThat(Files.readString(activator.resolve("blkio.throttle.read_bps_device")))
                        .contains(disk.majorMinor() + " " + (1L << 40));
                // Waits for the go file so that the first sample is taken before any IO; busybox dd does O_DIRECT.
                c = te.engine.run(TestEngine.busybox("sh", "-c",
                                "while [ ! -e /data/go ]; do sleep 0.1; done; "
                                        + "dd if=/dev/zero of=/data/f bs=64k count=64 oflag=direct "
                                        + "&& dd if=/data/f of=/dev/null bs=64k iflag=direct && touch /data/done; "
                                        + "exec sleep 60")
                        .volume(new VolumeMount(disk.mountPoint(), "/data", false)).build());
                Cgroup cgroup = te.engine.cgroup(c.id()).orElseThrow();
                List<MetricsSampler.Target> targets = List.of(new MetricsSampler.Target("c", cgroup));
                List<MetricsSampler> samplers = List.of(
                        new MetricsSampler(() -> targets, StatsSources.fast(te.cgroups), Duration.ofSeconds(1),
                                Duration.ofMinutes(1), Clock.systemUTC()),
                        new MetricsSampler(() -> targets, StatsSource.of(te.cgroups), Duration.ofSeconds(1),
                                Duration.ofMinutes(1), Clock.systemUTC()));
                try {
                    Instant t0 = Instant.now();
                    List<MetricsSample> before = samplers.stream().map(s -> s.sampleOnce(t0).get("c")).toList();

                    Files.writeString(disk.mountPoint().resolve("go"), "");
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!Files.exists(disk.mountPoint().resolve("done")) && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(disk.mountPoint().resolve("done")).as("the container's dd finished").exists();

                    Instant t1 = t0.plusSeconds(1);
                    for (int i = 0; i < samplers.size(); i++) {
                        MetricsSample after = samplers.get(i).sampleOnce(t1).get("c");
                        String source = i == 0 ? "pread reader" : "CgroupManager.stats";
                        assertThat(before.get(i)).as(source).isNotNull();
                        assertThat(after).as(source).isNotNull();
                        // 4 MiB written, then the same 4 MiB read back; metadata IO only adds to both.
                        assertThat(after.ioWriteBytes() - before.get(i).ioWriteBytes()).as(source + " write bytes")
                                .isGreaterThanOrEqualTo(4 * MIB);
                        assertThat(after.ioReadBytes() - before.get(i).ioReadBytes()).as(source + " read bytes")
                                .isGreaterThanOrEqualTo(4 * MIB);
                        assertThat(after.ioWriteOps() - before.get(i).ioWriteOps()).as(source + " write ops")
                                .isGreaterThanOrEqualTo(64);
                        assertThat(after.ioReadOps() - before.get(i).ioReadOps()).as(source + " read ops")
                                .isGreaterThanOrEqualTo(64);
                    }
                } finally {
                    samplers.forEach(MetricsSampler::close);
                }
            } finally {
                if (c != null) {
                    te.engine.remove(c.id(), true); // before the disk is unmounted: the container binds it
                }
                if (Files.exists(activator)) {
                    Files.delete(activator); // rmdir of an empty cgroup; the throttle rule goes with it
                }
            }
        }
    }
}
