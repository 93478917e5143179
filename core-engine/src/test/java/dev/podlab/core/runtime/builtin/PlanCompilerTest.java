package dev.podlab.core.runtime.builtin;

import dev.podlab.core.cgroup.CgroupVersion;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.oci.RuntimeSpec;
import dev.podlab.core.oci.SpecGenerator;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanCompilerTest {
    static final String ID = "0123456789abcdef0123456789abcdef";

    private static LaunchPlan compile(ContainerConfig c) {
        RuntimeSpec spec = new SpecGenerator(new SpecGenerator.HostFacts(CgroupVersion.V1, 20000))
                .generate(ID, c, "/state/c/rootfs", "podlab/" + ID).spec();
        return PlanCompiler.compile(ID, spec, new PlanCompiler.HostSide(Path.of("/state/c/rootfs"),
                List.of(Path.of("/sys/fs/cgroup/pids/podlab/x/cgroup.procs"),
                        Path.of("/sys/fs/cgroup/memory/podlab/x/cgroup.procs")),
                Path.of("/sys/fs/cgroup/memory/podlab/x/memory.oom_control"), "v1", Path.of("/state/c/container.log")));
    }

    @Test
    void planSpellsOutEverythingTheShimDoes() {
        LaunchPlan plan = compile(ContainerConfig.builder(Path.of("/r"), List.of("sleep", "1")).build());
        String text = plan.render();
        assertThat(text).startsWith("version 1\nid " + ID + "\nrootfs /state/c/rootfs\n");
        assertThat(plan.all("namespace")).containsExactly(List.of("pid"), List.of("network"), List.of("ipc"),
                List.of("uts"), List.of("mount"));
        assertThat(plan.all("hostname")).containsExactly(List.of(ID.substring(0, 12)));
        assertThat(text).contains("mount proc /proc proc nosuid,noexec,nodev\n",
                "mount tmpfs /dev tmpfs nosuid,strictatime mode=755,size=65536k\n",
                "mount devpts /dev/pts devpts nosuid,noexec newinstance,ptmxmode=0666,mode=0620,gid=5\n",
                "mount sysfs /sys sysfs nosuid,noexec,nodev,ro\n",
                "device /dev/null c 1 3 0666 0 0\n", "symlink pts/ptmx /dev/ptmx\n",
                "masked /proc/kcore\n", "readonly /proc/sys\n",
                "args sleep 1\n", "user 0 0\n", "rlimit RLIMIT_NOFILE 20000 20000\n", "no-new-privileges\n",
                "seccomp-default errno 1\n", "seccomp allow 0 read\n",
                "seccomp allow 0 clone 0 masked_eq 2114060288 0\n", "seccomp errno 38 clone3\n",
                "cgroup /sys/fs/cgroup/pids/podlab/x/cgroup.procs\n",
                "oom-counter /sys/fs/cgroup/memory/podlab/x/memory.oom_control v1\n",
                "log /state/c/container.log\n");
        assertThat(plan.all("cap")).hasSize(5).first().asList().startsWith("bounding", "CAP_CHOWN");
        assertThat(plan.all("cap")).contains(List.of("ambient"), List.of("inheritable"));
        assertThat(plan.all("mount")).noneMatch(m -> m.contains("null"));
        // Everything that is mounted is mounted before the masks that cover it.
        assertThat(text.indexOf("mount proc")).isLessThan(text.indexOf("masked /proc/kcore"));
    }

    @Test
    void bindVolumesAndReadOnlyRootfs() {
        String text = compile(ContainerConfig.builder(Path.of("/r"), List.of("true")).readOnlyRootfs(true)
                .volume(new dev.podlab.core.container.VolumeMount(Path.of("/srv/my data"), "/data", true)).build()).render();
        assertThat(text).contains("mount /srv/my%20data /data bind rbind,rprivate,ro\n", "readonly-rootfs\n");
    }

    @Test
    void unsupportedSeccompActionsAreRefusedByName() {
        assertThatThrownBy(() -> PlanCompiler.action("SCMP_ACT_NOTIFY")).hasMessageContaining("SCMP_ACT_NOTIFY");
    }
}
