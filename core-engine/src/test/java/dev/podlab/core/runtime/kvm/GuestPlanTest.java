package dev.podlab.core.runtime.kvm;

import dev.podlab.core.runtime.builtin.LaunchPlan;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GuestPlanTest {

    private static LaunchPlan plan(String... lines) {
        var b = new LaunchPlan.Builder();
        for (String l : lines) {
            String[] f = l.split(" ");
            b.add(f[0], List.of(f).subList(1, f.length));
        }
        return b.build();
    }

    @Test
    void podNamespacesBecomeTheGuestsOwnAndBindSourcesGoThroughTheShare() {
        LaunchPlan host = plan(
                "version 1",
                "rootfs /podlab/c/abc/rootfs",
                "namespace pid /proc/42/ns/pid",
                "namespace network /run/podlab/netns/pod1",
                "namespace ipc /run/podlab/ipcns/pod1",
                "namespace mount",
                "mount proc /proc proc nosuid,noexec,nodev",
                "mount sysfs /sys sysfs nosuid,noexec,nodev,ro",
                "mount /var/lib/podlab/pods/p1/hosts /etc/hosts bind rbind,rprivate",
                "mount /data/vol /data bind rbind,ro",
                "seccomp-default errno 1",
                "seccomp-bpf /var/lib/podlab/seccomp/x.bpf",
                "args sh");
        GuestPlan g = GuestPlan.translate(host, "abc", "/podlab");
        String text = g.plan().render();
        assertThat(g.plan().all("namespace")).containsExactly(List.of("cgroup"), List.of("pid"), List.of("mount"));
        assertThat(text).doesNotContain("/run/podlab/netns", "/proc/42", "seccomp-bpf")
                .contains("seccomp-default errno 1");
        assertThat(g.plan().all("mount")).containsExactly(
                List.of("proc", "/proc", "proc", "nosuid,noexec,nodev"),
                List.of("sysfs", "/sys", "sysfs", "nosuid,noexec,nodev,ro"),
                List.of("cgroup", "/sys/fs/cgroup", "cgroup2", "nosuid,nodev,noexec,relatime,ro"),
                List.of("/podlab/m/abc/0", "/etc/hosts", "bind", "rbind,rprivate"),
                List.of("/podlab/m/abc/1", "/data", "bind", "rbind,ro"));
        assertThat(g.binds()).containsExactly(
                new GuestPlan.ShareBind(Path.of("/var/lib/podlab/pods/p1/hosts"), "m/abc/0"),
                new GuestPlan.ShareBind(Path.of("/data/vol"), "m/abc/1"));
    }

    @Test
    void aPidNamespaceToJoinBecomesTheGuestNamespaceOfThePodsFirstContainer() {
        LaunchPlan host = plan("version 1", "rootfs /r", "namespace pid /proc/0/ns/pid", "namespace mount", "args sh");
        GuestPlan g = GuestPlan.translate(host, "x", "/podlab", "/proc/57/ns/pid");
        assertThat(g.plan().all("namespace")).containsExactly(List.of("cgroup"),
                List.of("pid", "/proc/57/ns/pid"), List.of("mount"));
    }

    @Test
    void aPlanWithItsOwnCgroupNamespaceAndMountKeepsThem() {
        LaunchPlan host = plan("version 1", "rootfs /r", "namespace cgroup", "mount sysfs /sys sysfs ro",
                "mount cgroup /sys/fs/cgroup cgroup2 ro");
        GuestPlan g = GuestPlan.translate(host, "x", "/podlab");
        assertThat(g.plan().all("namespace")).containsExactly(List.of("cgroup"));
        assertThat(g.plan().all("mount")).hasSize(2);
        assertThat(g.binds()).isEmpty();
    }
}
