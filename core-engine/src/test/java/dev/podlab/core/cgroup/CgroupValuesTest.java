package dev.podlab.core.cgroup;

import dev.podlab.core.cgroup.CgroupValues.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/** The raw values of control files, on plain trees laid out like v1 and v2 hierarchies (kernel samples as files). */
class CgroupValuesTest {
    @TempDir
    Path root;

    private Path dir(String name, String... fixtures) throws IOException {
        Path d = Files.createDirectories(root.resolve(name).resolve("podlab/pod-x"));
        for (String f : fixtures) {
            CgroupTrees.fixture(f, d.resolve(f.substring(f.indexOf('/') + 1)));
        }
        return d;
    }

    @Test
    void v1ControllersGiveTheirOwnFilesWithSingleAndKeyedValuesAsWritten() throws IOException {
        Path cpu = dir("cpu,cpuacct", "v1/cpu.stat", "v1/cpuacct.usage");
        Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "50000\n");
        Files.writeString(cpu.resolve("cpu.shares"), "512\n");
        Path memory = dir("memory", "v1/memory.limit_in_bytes", "v1/memory.oom_control", "v1/memory.stat",
                "v1/memory.usage_in_bytes");
        Path pids = dir("pids", "v1/pids.max", "v1/pids.current");
        Path blkio = dir("blkio");
        Files.writeString(blkio.resolve("blkio.throttle.io_service_bytes"), "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n");
        Path devices = dir("devices");
        Map<String, Path> dirs = new LinkedHashMap<>();
        dirs.put("cpu", cpu);
        dirs.put("cpuacct", cpu);
        dirs.put("memory", memory);
        dirs.put("pids", pids);
        dirs.put("blkio", blkio);
        dirs.put("devices", devices);

        List<Value> values = CgroupValues.read(new Cgroup("podlab/pod-x", dirs));

        assertThat(values).extracting(Value::controller, Value::file, Value::key, Value::value).startsWith(
                tuple("cpu", "cpu.cfs_quota_us", "", "50000"),
                tuple("cpu", "cpu.shares", "", "512"),
                tuple("cpu", "cpu.stat", "nr_periods", "120"),
                tuple("cpu", "cpu.stat", "nr_throttled", "7"),
                tuple("cpu", "cpu.stat", "throttled_time", "345678901"));
        // Co-mounted controllers share a directory but each reads its own files.
        assertThat(values).filteredOn(v -> v.controller().equals("cpuacct")).extracting(Value::file, Value::directory)
                .containsExactly(tuple("cpuacct.usage", cpu));
        // No interpretation: the unlimited sentinel stays as the kernel wrote it.
        assertThat(values).contains(new Value("memory", memory, "memory.limit_in_bytes", "", "9223372036854771712"),
                new Value("memory", memory, "memory.oom_control", "oom_kill", "3"),
                new Value("pids", pids, "pids.max", "", "5"));
        // memory.stat keeps its main keys only.
        assertThat(values).filteredOn(v -> v.file().equals("memory.stat")).extracting(Value::key)
                .contains("cache", "rss", "total_rss", "hierarchical_memory_limit").doesNotContain("total_inactive_file", "pgpgin");
        assertThat(values).filteredOn(v -> v.controller().equals("blkio")).extracting(Value::key, Value::value)
                .containsExactly(tuple("8:0 Read", "4096"), tuple("8:0 Write", "0"), tuple("Total", "4096"));
        // Files that do not exist (memory.failcnt here) and controllers without a file list give nothing.
        assertThat(values).noneMatch(v -> v.file().equals("memory.failcnt") || v.controller().equals("devices"));
    }

    @Test
    void theUnifiedHierarchyGivesTheV2FilesIoStatKeyedByDevice() throws IOException {
        Path unified = dir("unified", "v2/memory.events", "v2/cpu.stat", "v2/memory.stat", "v2/memory.current");
        Files.writeString(unified.resolve("memory.max"), "50331648\n");
        Files.writeString(unified.resolve("cpu.max"), "50000 100000\n");
        Files.writeString(unified.resolve("pids.max"), "max\n");
        Files.writeString(unified.resolve("io.stat"), "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");

        List<Value> values = CgroupValues.read(new Cgroup("podlab/pod-x", Map.of(Cgroup.UNIFIED, unified)));

        assertThat(values).allMatch(v -> v.controller().equals("unified") && v.directory().equals(unified));
        assertThat(values).extracting(Value::file, Value::key, Value::value).contains(
                tuple("cpu.max", "", "50000 100000"),
                tuple("memory.max", "", "50331648"),
                tuple("memory.events", "oom_kill", "1"),
                tuple("cpu.stat", "throttled_usec", "345678"),
                tuple("pids.max", "", "max"),
                tuple("io.stat", "8:0", "rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0"));
        assertThat(values).filteredOn(v -> v.file().equals("memory.stat")).extracting(Value::key)
                .contains("anon", "file", "kernel_stack").doesNotContain("workingset_refault_anon");
    }

    @Test
    void aRemovedCgroupGivesNoValuesAndAnUnreadableFileIsAnError() throws IOException {
        assertThat(CgroupValues.read(new Cgroup("gone", Map.of("memory", root.resolve("memory/gone"))))).isEmpty();
        Path memory = dir("memory");
        // A directory where a file should be: reading it fails with an I/O error other than ENOENT.
        Files.createDirectories(memory.resolve("memory.failcnt"));
        assertThatThrownBy(() -> CgroupValues.read(new Cgroup("podlab/pod-x", Map.of("memory", memory))))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("failed to read values of cgroup podlab/pod-x: read " + memory.resolve("memory.failcnt"));
    }
}
