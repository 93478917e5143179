package dev.podlab.core.host;

import dev.podlab.core.host.Check.Status;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HostDoctorTest {
    private final FakeHostProbe host = new FakeHostProbe();
    private final DoctorContext ctx = new DoctorContext(Path.of("/var/lib/podlab"), Path.of("/etc/cni/net.d"),
            List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin")));

    private Check check(String id) {
        return HostDoctor.run(host, ctx).stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + id));
    }

    @Test
    void healthyHostHasNoFailOrWarn() {
        List<Check> checks = HostDoctor.run(host, ctx);
        assertThat(checks).allSatisfy(c -> assertThat(c.status()).as(c.toString()).isIn(Status.OK, Status.INFO));
        assertThat(HostDoctor.healthy(checks)).isTrue();
        assertThat(checks).extracting(Check::id).contains("root", "kernel", "namespaces", "cgroup", "cgroup.delegation",
                "overlayfs", "seccomp", "cap.sys_admin", "cap.sys_resource", "rlimits", "kvm", "qemu", "guest-kernel",
                "cni.plugins", "cni.conf", "runtime.runc", "runtime.crun", "runtime.youki", "busybox", "skopeo",
                "umoci", "disk", "state-root");
        assertThat(checks).extracting(Check::id).doesNotHaveDuplicates();
    }

    @Test
    void notRootFailsButOtherChecksStillRun() {
        host.euid = 1000;
        List<Check> checks = HostDoctor.run(host, ctx);
        Check root = checks.stream().filter(c -> c.id().equals("root")).findFirst().orElseThrow();
        assertThat(root.status()).isEqualTo(Status.FAIL);
        assertThat(root.fix()).contains("sudo");
        assertThat(checks).hasSizeGreaterThan(20);
        assertThat(HostDoctor.healthy(checks)).isFalse();
    }

    @Test
    void oldOrUnparsableKernelWarns() {
        host.kernel = "4.19.0-21-amd64";
        assertThat(check("kernel").status()).isEqualTo(Status.WARN);
        host.kernel = "weird";
        assertThat(check("kernel").status()).isEqualTo(Status.WARN);
        host.kernel = "6.18.44-fc";
        assertThat(check("kernel")).extracting(Check::status, Check::detail).containsExactly(Status.OK, "Linux 6.18.44-fc");
    }

    @Test
    void namespaces() {
        host.dirs.put(Path.of("/proc/self/ns"), List.of("ipc", "mnt", "net", "pid", "uts", "user", "cgroup"));
        Check warn = check("namespaces");
        assertThat(warn.status()).isEqualTo(Status.WARN);
        assertThat(warn.detail()).contains("missing time");
        host.dirs.put(Path.of("/proc/self/ns"), List.of("ipc", "mnt", "uts"));
        Check fail = check("namespaces");
        assertThat(fail.status()).isEqualTo(Status.FAIL);
        assertThat(fail.detail()).contains("missing pid, net");
    }

    @Test
    void cgroupV2WithDelegatedControllers() {
        assertThat(check("cgroup")).extracting(Check::status).isEqualTo(Status.OK);
        assertThat(check("cgroup").detail()).contains("cgroup v2", "cpu, io, memory, pids");
        assertThat(check("cgroup.delegation").status()).isEqualTo(Status.OK);
    }

    @Test
    void cgroupV2WithoutDelegatedControllersWarns() {
        host.files.put(FakeHostProbe.CG.resolve("cgroup.subtree_control"), "\n");
        Check c = check("cgroup.delegation");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("cpu, memory, pids");
        assertThat(c.fix()).isEqualTo("echo '+cpu +memory +pids' > /sys/fs/cgroup/cgroup.subtree_control");

        host.files.put(FakeHostProbe.CG.resolve("cgroup.subtree_control"), "memory\n");
        assertThat(check("cgroup.delegation").fix()).contains("'+cpu +pids'");
    }

    @Test
    void cgroupV2MissingControllerWarns() {
        host.layout = FakeHostProbe.v2("cpu", "pids");
        host.files.put(FakeHostProbe.CG.resolve("cgroup.subtree_control"), "cpu pids\n");
        assertThat(check("cgroup").status()).isEqualTo(Status.WARN);
        assertThat(check("cgroup").detail()).contains("missing memory");
        assertThat(check("cgroup.delegation").status()).isEqualTo(Status.OK);
    }

    @Test
    void cgroupV1HybridHasNoDelegationCheck() {
        host.layout = FakeHostProbe.v1(true, "cpu", "cpuacct", "memory", "pids");
        Check c = check("cgroup");
        assertThat(c.status()).isEqualTo(Status.OK);
        assertThat(c.detail()).startsWith("cgroup v1 hybrid").contains("/sys/fs/cgroup/unified");
        assertThat(HostDoctor.run(host, ctx)).extracting(Check::id).doesNotContain("cgroup.delegation");
    }

    @Test
    void noCgroupsFails() {
        host.layout = null;
        assertThat(check("cgroup").status()).isEqualTo(Status.FAIL);
    }

    @Test
    void hybridHostWarnsAboutCrunButNotRunc() {
        host.layout = FakeHostProbe.v1(true, "cpu", "memory", "pids");
        host.tool("crun", "/usr/bin/crun", "crun version 1.8.1\ncommit: f8a096be\nspec: 1.0.0");
        Check crun = check("runtime.crun");
        assertThat(crun.status()).isEqualTo(Status.WARN);
        assertThat(crun.detail()).isEqualTo("crun 1.8.1 refuses hybrid cgroup hosts (v1 controllers + cgroup2 at "
                + "/sys/fs/cgroup/unified)");
        assertThat(crun.fix()).isEqualTo("use runc or the built-in runtime");
        assertThat(check("runtime.runc")).extracting(Check::status, Check::detail)
                .containsExactly(Status.OK, "/usr/sbin/runc 1.1.12");
    }

    @Test
    void crunOnPureV1OrV2IsFine() {
        assertThat(check("runtime.crun").status()).isEqualTo(Status.OK);
        host.layout = FakeHostProbe.v1(false, "cpu", "memory", "pids");
        assertThat(check("runtime.crun").status()).isEqualTo(Status.OK);
    }

    @Test
    void missingRuntimeIsInfoAndBrokenOneWarns() {
        host.path.remove("youki");
        assertThat(check("runtime.youki")).extracting(Check::status).isEqualTo(Status.INFO);
        assertThat(check("runtime.youki").detail()).contains("not installed");
        host.commands.put("/usr/sbin/runc --version", new CommandResult(-1, "timed out"));
        assertThat(check("runtime.runc").status()).isEqualTo(Status.WARN);
    }

    @Test
    void overlayMissingFails() {
        host.files.put(Path.of("/proc/filesystems"), "nodev\tsysfs\n\text4\n");
        Check c = check("overlayfs");
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.fix()).contains("modprobe overlay");
    }

    @Test
    void seccomp() {
        assertThat(check("seccomp").status()).isEqualTo(Status.OK);
        assertThat(check("seccomp").detail()).contains("errno");
        host.files.put(Path.of("/proc/self/status"), "Name:\tjava\nCapEff:\t000001ffffffffff\n");
        assertThat(check("seccomp").status()).isEqualTo(Status.WARN);
    }

    @Test
    void missingCapSysResourceWarnsWithConsequence() {
        host.status("CapEff", "000001fffeffffff"); // what this project's machines have
        Check c = check("cap.sys_resource");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("clamped", "oom_score_adj cannot be lowered");
        assertThat(check("cap.sys_admin").status()).isEqualTo(Status.OK);
        assertThat(check("cap.sys_admin").detail()).contains("missing cap_sys_resource");
        assertThat(check("rlimits").detail()).contains("without CAP_SYS_RESOURCE");
    }

    @Test
    void missingCapSysAdminFails() {
        host.status("CapEff", "00000000a80425fb"); // docker's default set
        Check c = check("cap.sys_admin");
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.detail()).contains("cap_sys_admin");
        host.status("CapEff", "0000000000000000"); // a non-root user
        assertThat(check("cap.sys_admin").detail()).startsWith("CapEff 0000000000000000 (no capabilities)");
    }

    @Test
    void rlimits() {
        assertThat(check("rlimits")).extracting(Check::status, Check::detail)
                .containsExactly(Status.OK, "nofile soft/hard 1024/524288, nproc 96364/96364");
        host.files.put(Path.of("/proc/self/limits"), "Max open files            256                  1024                 files     \n");
        assertThat(check("rlimits").status()).isEqualTo(Status.WARN);
    }

    @Test
    void kvmQemuAndGuestKernel() {
        assertThat(check("kvm")).extracting(Check::status).isEqualTo(Status.INFO);
        assertThat(check("kvm").detail()).contains("present", "guest boot not probed yet");
        host.existing.remove(Path.of("/dev/kvm"));
        assertThat(check("kvm").detail()).startsWith("absent");
        assertThat(check("kvm").fix()).contains("kvm_intel");

        assertThat(check("qemu").status()).isEqualTo(Status.OK);
        host.path.remove("qemu-system-x86_64");
        assertThat(check("qemu")).extracting(Check::status, Check::fix)
                .containsExactly(Status.INFO, "apt-get install qemu-system-x86");

        assertThat(check("guest-kernel").detail()).isEqualTo("/boot/vmlinuz-6.1.0-18-amd64");
        host.dirs.put(Path.of("/boot"), List.of());
        assertThat(check("guest-kernel").status()).isEqualTo(Status.INFO);
    }

    @Test
    void cniPluginsAndConf() {
        assertThat(check("cni.plugins").status()).isEqualTo(Status.OK);
        host.executables.remove(Path.of("/usr/lib/cni/portmap"));
        Check c = check("cni.plugins");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("missing in /usr/lib/cni:/opt/cni/bin: portmap");
        assertThat(c.fix()).contains("containernetworking-plugins");
        host.executables.add(Path.of("/opt/cni/bin/portmap"));
        assertThat(check("cni.plugins").status()).isEqualTo(Status.OK);

        assertThat(check("cni.conf").detail()).contains("10-podlab.conflist");
        host.existing.remove(Path.of("/etc/cni/net.d"));
        host.dirs.remove(Path.of("/etc/cni/net.d"));
        assertThat(check("cni.conf")).extracting(Check::status).isEqualTo(Status.INFO);
        assertThat(check("cni.conf").fix()).contains("mkdir -p /etc/cni/net.d");
    }

    @Test
    void busybox() {
        assertThat(check("busybox").detail()).contains("(static)");
        host.heads.put(Path.of("/bin/busybox"), FakeHostProbe.elf(true));
        assertThat(check("busybox").status()).isEqualTo(Status.WARN);
        host.executables.remove(Path.of("/bin/busybox"));
        assertThat(check("busybox")).extracting(Check::status, Check::fix)
                .containsExactly(Status.WARN, "apt-get install busybox-static");
    }

    @Test
    void optionalTools() {
        assertThat(check("skopeo")).extracting(Check::status, Check::detail)
                .containsExactly(Status.INFO, "/usr/bin/skopeo 1.9.3");
        host.path.remove("umoci");
        assertThat(check("umoci").fix()).isEqualTo("apt-get install umoci");
    }

    @Test
    void lowDiskWarns() {
        host.freeBytes = 1L << 30;
        Check c = check("disk");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("1.0 GiB", "below 2 GiB");
        host.freeBytes = HostDoctor.MIN_FREE_BYTES;
        assertThat(check("disk").status()).isEqualTo(Status.OK);
    }

    @Test
    void stateRootWritability() {
        assertThat(check("state-root").status()).isEqualTo(Status.OK);
        host.readOnly.add(Path.of("/var/lib/podlab"));
        assertThat(check("state-root").status()).isEqualTo(Status.FAIL);
        host.existing.remove(Path.of("/var/lib/podlab"));
        assertThat(check("state-root")).extracting(Check::status).isEqualTo(Status.OK);
        assertThat(check("state-root").detail()).contains("will be created");
        host.readOnly.add(Path.of("/var/lib"));
        assertThat(check("state-root").status()).isEqualTo(Status.FAIL);
    }

    @Test
    void parsers() {
        assertThat(HostDoctor.version("runc version 1.1.5+ds1\ncommit: x")).contains("1.1.5");
        assertThat(HostDoctor.hasInterpreter(new byte[10])).isEmpty();
        assertThat(HostDoctor.hasInterpreter(FakeHostProbe.elf(false))).contains(false);
    }
}
