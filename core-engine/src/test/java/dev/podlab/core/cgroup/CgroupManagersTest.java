package dev.podlab.core.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CgroupManagersTest {

    @TempDir
    Path root;

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("pure v2", (Function<Path, Path>) CgroupTrees::pureV2, CgroupVersion.V2, false,
                        Map.of("unified", "", "cpu", "", "memory", "", "pids", "", "io", "", "cpuset", ""),
                        CgroupV2Manager.class),
                Arguments.of("v1, cpu and cpuacct separate", (Function<Path, Path>) r -> CgroupTrees.v1Separate(r, true),
                        CgroupVersion.V1, false,
                        Map.of("cpu", "cpu", "cpuacct", "cpuacct", "cpuset", "cpuset", "memory", "memory",
                                "pids", "pids", "blkio", "blkio", "devices", "devices", "freezer", "freezer"),
                        CgroupV1Manager.class),
                Arguments.of("v1, combined cpu,cpuacct with symlinks", (Function<Path, Path>) CgroupTrees::v1Combined,
                        CgroupVersion.V1, false,
                        Map.of("cpu", "cpu,cpuacct", "cpuacct", "cpu,cpuacct", "net_cls", "net_cls,net_prio",
                                "net_prio", "net_cls,net_prio", "memory", "memory", "pids", "pids"),
                        CgroupV1Manager.class),
                Arguments.of("hybrid", (Function<Path, Path>) CgroupTrees::hybrid, CgroupVersion.V1, true,
                        Map.of("cpu", "cpu", "cpuacct", "cpuacct", "memory", "memory", "unified", "unified"),
                        CgroupV1Manager.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void detectsTheLayout(String name, Function<Path, Path> tree, CgroupVersion version, boolean hybrid,
            Map<String, String> expectedMounts, Class<?> managerClass) throws Exception {
        tree.apply(root);
        Path realRoot = root.toRealPath();

        CgroupManager manager = CgroupManagers.forRoot(root);
        CgroupLayout layout = manager.layout();

        assertThat(manager).isInstanceOf(managerClass);
        assertThat(layout.version()).isEqualTo(version);
        assertThat(layout.hybrid()).isEqualTo(hybrid);
        assertThat(layout.root()).isEqualTo(realRoot);
        expectedMounts.forEach((controller, dir) -> assertThat(layout.controllerMounts())
                .as("mount of %s", controller)
                .containsEntry(controller, dir.isEmpty() ? realRoot : realRoot.resolve(dir)));
        // name=systemd is not a resource controller and symlinks never show up as separate hierarchies
        assertThat(layout.controllerMounts()).doesNotContainKey("systemd");
        assertThat(layout.controllerMounts().values()).allSatisfy(p -> assertThat(Files.isSymbolicLink(p)).isFalse());
    }

    @Test
    void pureV2ListsOnlyOfferedControllers() {
        CgroupTrees.pureV2(root, "cpu memory");
        assertThat(CgroupManagers.detect(root).controllerMounts()).containsOnlyKeys("unified", "cpu", "memory");
    }

    @Test
    void ignoresEmptyMountPointsOfUnmountedHierarchies() throws Exception {
        CgroupTrees.v1Separate(root, false);
        Files.createDirectory(root.resolve("hugetlb")); // systemd creates mount points; nothing mounted here
        assertThat(CgroupManagers.detect(root).controllerMounts()).doesNotContainKey("hugetlb");
    }

    @Test
    void refusesADirectoryWithoutCgroups() {
        assertThatThrownBy(() -> CgroupManagers.forRoot(root))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to detect cgroup layout at " + root
                        + ": found neither cgroup.controllers (cgroup v2) nor cgroup v1 controller hierarchies");
        assertThatThrownBy(() -> CgroupManagers.forRoot(root.resolve("missing")))
                .isInstanceOf(CgroupException.class)
                .hasMessageEndingWith("missing: not a directory");
    }
}
