package dev.podlab.core.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlFilesTest {

    @TempDir
    Path dir;

    @Test
    void parsesFlatKeyedKernelFiles() {
        assertThat(ControlFiles.parseFlatKeyed(CgroupTrees.fixture("v2/memory.events")))
                .containsEntry("max", 9L).containsEntry("oom", 2L).containsEntry("oom_kill", 1L).hasSize(6);
        assertThat(ControlFiles.parseFlatKeyed(CgroupTrees.fixture("v1/memory.stat")))
                .containsEntry("total_inactive_file", 445186048L)
                .containsEntry("hierarchical_memory_limit", 9223372036854771712L);
        assertThat(ControlFiles.parseFlatKeyed("populated 1\nfrozen 0\n")).containsEntry("populated", 1L);
        assertThat(ControlFiles.parseFlatKeyed("")).isEmpty();
    }

    @Test
    void parsesLimits() {
        Path file = dir.resolve("x");
        assertThat(ControlFiles.parseLimit("max\n", file)).isEqualTo(-1);
        assertThat(ControlFiles.parseLimit("9223372036854771712\n", file)).isEqualTo(-1);
        assertThat(ControlFiles.parseLimit("268435456\n", file)).isEqualTo(268435456L);
        assertThatThrownBy(() -> ControlFiles.parseSingle("12x", file))
                .hasMessage("failed to parse " + file + ": expected a number, got \"12x\"");
    }

    @Test
    void parsesControllerLists() {
        assertThat(ControlFiles.parseList("cpuset cpu io memory\n")).containsExactly("cpuset", "cpu", "io", "memory");
        assertThat(ControlFiles.parseList("\n")).isEmpty();
    }

    @Test
    void kernelModeNeverCreatesFilesAndNamesFileAndValue() {
        Path file = dir.resolve("memory.max");
        assertThatThrownBy(() -> new ControlFiles(false).write(file, "12x", "set memory limit of", "cgroup podlab/abc"))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to set memory limit of cgroup podlab/abc: write 12x to " + file
                        + ": No such file or directory");
        new ControlFiles(true).write(file, "100", "set memory limit of", "cgroup podlab/abc");
        new ControlFiles(true).write(file, "7", "set memory limit of", "cgroup podlab/abc");
        assertThat(CgroupTrees.read(file)).isEqualTo("7");
    }
}
