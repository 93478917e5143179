package dev.podlab.core.oci;

import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.cgroup.CgroupVersion;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.state.ContainerStore;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SpecGeneratorTest {
    static final String ID = "0123456789abcdef0123456789abcdef";

    static ContainerConfig.Builder config() {
        return ContainerConfig.builder(Path.of("/srv/rootfs"), List.of("/bin/sh", "-c", "echo hi"));
    }

    @Test
    void securityDefaultsMatchTrustedRuntimes() {
        var result = new SpecGenerator(new SpecGenerator.HostFacts(CgroupVersion.V1, 1 << 20))
                .generate(ID, config().build(), "/state/rootfs", "podlab/" + ID);
        RuntimeSpec s = result.spec();
        assertThat(s.ociVersion()).isEqualTo("1.2.0");
        assertThat(s.process().capabilities().bounding()).hasSize(14).contains("CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE")
                .doesNotContain("CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_PTRACE");
        assertThat(s.process().noNewPrivileges()).isTrue();
        assertThat(s.linux().maskedPaths()).contains("/proc/kcore", "/proc/keys", "/sys/firmware").hasSize(10);
        assertThat(s.linux().readonlyPaths()).containsExactly("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                "/proc/sysrq-trigger");
        assertThat(s.linux().seccomp().defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(s.linux().seccomp().syscalls().get(0).names()).contains("read", "execve")
                .doesNotContain("mount", "kexec_load", "init_module", "bpf", "reboot", "unshare");
        assertThat(s.linux().namespaces()).extracting(RuntimeSpec.Namespace::type)
                .containsExactly("pid", "network", "ipc", "uts", "mount");
        assertThat(s.mounts()).extracting(RuntimeSpec.Mount::destination)
                .containsExactly("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys");
        assertThat(s.hostname()).isEqualTo(ID.substring(0, 12));
        assertThat(s.process().env()).contains(SpecGenerator.DEFAULT_PATH, "HOSTNAME=" + ID.substring(0, 12));
        assertThat(result.warnings()).isEmpty();
    }

    @Test
    void cgroupV2HostsGetACgroupNamespaceAndMount() {
        RuntimeSpec s = new SpecGenerator(new SpecGenerator.HostFacts(CgroupVersion.V2, 1 << 20))
                .generate(ID, config().build(), "/r", "podlab/x").spec();
        assertThat(s.linux().namespaces()).extracting(RuntimeSpec.Namespace::type).contains("cgroup");
        assertThat(s.mounts()).extracting(RuntimeSpec.Mount::type).contains("cgroup2");
    }

    @Test
    void nofileAboveTheHardLimitIsClampedAndSaidSo() {
        var result = new SpecGenerator(new SpecGenerator.HostFacts(CgroupVersion.V1, 20000))
                .generate(ID, config().build(), "/r", "podlab/x");
        assertThat(result.spec().process().rlimits()).containsExactly(new RuntimeSpec.Rlimit("RLIMIT_NOFILE", 20000, 20000));
        assertThat(result.warnings()).singleElement().asString().contains("clamped to 20000");
    }

    @Test
    void requestsBecomeSpecFields() throws Exception {
        ContainerConfig c = config().name("web").env("A=1").workingDir("/srv").user(1000, 100)
                .supplementaryGroups(List.of(5)).hostname("h").readOnlyRootfs(true)
                .volume(new VolumeMount(Path.of("/data"), "/data", true))
                .joinNamespace("network", "/run/netns/pod")
                .resources(CgroupResources.builder().memoryLimitBytes(64L << 20).cpuQuotaMicros(50_000L)
                        .pidsLimit(32L).build())
                .build();
        RuntimeSpec s = new SpecGenerator(new SpecGenerator.HostFacts(CgroupVersion.V1, -1))
                .generate(ID, c, "/r", "podlab/x").spec();
        assertThat(s.process().user()).isEqualTo(new RuntimeSpec.User(1000, 100, null, List.of(5)));
        assertThat(s.process().cwd()).isEqualTo("/srv");
        assertThat(s.process().env()).endsWith("A=1");
        assertThat(s.root().readonly()).isTrue();
        assertThat(s.hostname()).isEqualTo("h");
        assertThat(s.mounts()).last().isEqualTo(new RuntimeSpec.Mount("/data", "bind", "/data", List.of("rbind", "rprivate", "ro")));
        assertThat(s.linux().namespaces()).contains(new RuntimeSpec.Namespace("network", "/run/netns/pod"));
        assertThat(s.linux().resources().memory().limit()).isEqualTo(64L << 20);
        assertThat(s.linux().resources().cpu().quota()).isEqualTo(50_000L);
        assertThat(s.linux().resources().cpu().period()).isEqualTo(100_000L);
        assertThat(s.linux().resources().pids().limit()).isEqualTo(32L);
        assertThat(s.annotations()).containsEntry("dev.podlab.container.name", "web");
        // The wire format round-trips through Jackson unchanged (what runc will read).
        String json = ContainerStore.JSON.writeValueAsString(s);
        assertThat(ContainerStore.JSON.readValue(json, RuntimeSpec.class)).isEqualTo(s);
        assertThat(json).contains("\"ociVersion\"").doesNotContain("null");
    }
}
