package dev.podlab.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.cgroup.CgroupStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pread reader against plain files laid out like a v1 host, compared with CgroupV1Manager.stats. */
class PreadV1ReaderTest {

    private static final List<String> HIERARCHIES = List.of("cpu", "cpuacct", "cpuset", "memory", "devices",
            "freezer", "blkio", "pids", "systemd");
    private static final List<String> FIXTURES = List.of("cpu.stat", "cpuacct.stat", "cpuacct.usage",
            "memory.failcnt", "memory.limit_in_bytes", "memory.max_usage_in_bytes", "memory.oom_control",
            "memory.stat", "memory.usage_in_bytes", "pids.current", "pids.max",
            "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive");

    @TempDir
    Path root;

    private CgroupManager v1Tree() throws IOException {
        for (String h : HIERARCHIES) {
            Files.createDirectories(root.resolve(h));
            Files.writeString(root.resolve(h).resolve("cgroup.procs"), "");
        }
        Files.writeString(root.resolve("cpuset/cpuset.cpus"), "0-1\n");
        Files.writeString(root.resolve("cpuset/cpuset.mems"), "0\n");
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
        for (String h : List.of("cpu", "cpuacct", "memory", "pids", "blkio")) {
            Path dir = Files.createDirectories(root.resolve(h).resolve("podlab/c1"));
            for (String f : FIXTURES) {
                if (f.startsWith(h + ".")) {
                    Files.write(dir.resolve(f), fixture(f));
                }
            }
        }
        return CgroupManagers.forRoot(root);
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = PreadV1ReaderTest.class.getResourceAsStream("/cgroup/v1/" + name)) {
            assertThat(in).as("fixture " + name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void readsTheSameCountersAsTheManager() throws IOException {
        CgroupManager manager = v1Tree();
        Cgroup cgroup = manager.open("podlab/c1");
        CgroupStats expected = manager.stats(cgroup);
        try (StatsSource.Reader reader = StatsSources.fast(manager).open(cgroup)) {
            assertThat(reader).isInstanceOf(PreadV1Reader.class);
            CgroupStats actual = reader.read();
            for (String field : List.of("cpuUsageNanos", "cpuPeriods", "cpuThrottledPeriods", "cpuThrottledNanos",
                    "memoryUsageBytes", "memoryWorkingSetBytes", "memoryRssBytes", "memoryCacheBytes",
                    "memoryLimitBytes", "oomKills", "pidsCurrent", "pidsLimit", "ioReadBytes", "ioWriteBytes",
                    "ioReadOps", "ioWriteOps")) {
                assertThat(value(actual, field)).as(field).isEqualTo(value(expected, field));
                assertThat(actual.isAvailable(field)).as(field).isEqualTo(expected.isAvailable(field));
            }
            assertThat(actual.isAvailable("memoryMaxUsageBytes")).isFalse();
            assertThat(actual.ioWriteBytes()).isEqualTo(2_097_152L + 8_192L);
        }
    }

    @Test
    void blockIoRereadsAndFallsBackToTheNonRecursiveFiles() throws IOException {
        CgroupManager manager = v1Tree();
        Path blkio = root.resolve("blkio/podlab/c1");
        Files.delete(blkio.resolve("blkio.throttle.io_serviced_recursive"));
        Files.writeString(blkio.resolve("blkio.throttle.io_serviced"), "Total 0\n");
        Cgroup cgroup = manager.open("podlab/c1");
        try (StatsSource.Reader reader = StatsSources.fast(manager).open(cgroup)) {
            CgroupStats first = reader.read();
            assertThat(first.ioReadBytes()).isEqualTo(2_102_272L + 1_048_576L);
            assertThat(first.ioReadOps()).isZero();
            assertThat(first.isAvailable("ioReadOps")).isTrue();
            Files.writeString(blkio.resolve("blkio.throttle.io_serviced"),
                    "8:16 Read 3\n8:16 Write 11\n8:16 Sync 14\n8:16 Async 0\n8:16 Discard 0\n8:16 Total 14\nTotal 14\n");
            Files.writeString(blkio.resolve("blkio.throttle.io_service_bytes_recursive"),
                    "8:16 Read 4096\n8:16 Write 45056\n8:16 Total 49152\nTotal 49152\n");
            CgroupStats again = reader.read();
            assertThat(again.ioReadOps()).isEqualTo(3);
            assertThat(again.ioWriteOps()).isEqualTo(11);
            assertThat(again.ioReadBytes()).isEqualTo(4096);
            assertThat(again.ioWriteBytes()).isEqualTo(45056);
        }
    }

    @Test
    void rereadsFromOffsetZeroEachTimeAndSeesNewContent() throws IOException {
        CgroupManager manager = v1Tree();
        Cgroup cgroup = manager.open("podlab/c1");
        try (StatsSource.Reader reader = StatsSources.fast(manager).open(cgroup)) {
            reader.read();
            Files.writeString(root.resolve("cpuacct/podlab/c1/cpuacct.usage"), "42\n");
            Files.writeString(root.resolve("pids/podlab/c1/pids.max"), "max\n");
            Files.writeString(root.resolve("pids/podlab/c1/pids.current"), "7\n");
            CgroupStats again = reader.read();
            assertThat(again.cpuUsageNanos()).isEqualTo(42);
            assertThat(again.pidsLimit()).isEqualTo(-1);
            assertThat(again.pidsCurrent()).isEqualTo(7);
        }
    }

    @Test
    void aLargeMemoryStatGrowsTheBuffer() throws IOException {
        CgroupManager manager = v1Tree();
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            big.append("padding_key_").append(i).append(' ').append(i).append('\n');
        }
        big.append("total_rss 12345\ntotal_cache 777\ntotal_inactive_file 100\n");
        Files.writeString(root.resolve("memory/podlab/c1/memory.stat"), big, StandardCharsets.US_ASCII);
        Cgroup cgroup = manager.open("podlab/c1");
        try (StatsSource.Reader reader = StatsSources.fast(manager).open(cgroup)) {
            CgroupStats stats = reader.read();
            assertThat(stats.memoryRssBytes()).isEqualTo(12345);
            assertThat(stats.memoryCacheBytes()).isEqualTo(777);
            assertThat(stats.memoryWorkingSetBytes()).isEqualTo(Math.max(0, stats.memoryUsageBytes() - 100));
        }
    }

    @Test
    void missingControllersAreUnavailable() throws IOException {
        CgroupManager manager = v1Tree();
        Cgroup cgroup = manager.open("podlab/c1");
        Cgroup memoryOnly = new Cgroup(cgroup.relativePath(), java.util.Map.of("memory", cgroup.directory("memory").orElseThrow()));
        try (StatsSource.Reader reader = StatsSources.fast(manager).open(memoryOnly)) {
            CgroupStats stats = reader.read();
            assertThat(stats.isAvailable("pidsCurrent")).isFalse();
            assertThat(stats.isAvailable("cpuUsageNanos")).isFalse();
            assertThat(stats.isAvailable("memoryUsageBytes")).isTrue();
            assertThat(stats.isAvailable("ioReadBytes")).isFalse();
            assertThat(stats.isAvailable("ioWriteOps")).isFalse();
            assertThat(stats.pidsCurrent()).isZero();
        }
    }

    private static long value(CgroupStats stats, String field) {
        try {
            return (long) CgroupStats.class.getMethod(field).invoke(stats);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
