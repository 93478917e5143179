package dev.podlab.core.host;

import dev.podlab.core.host.Check.Status;
import dev.podlab.core.runtime.kvm.Accelerator;
import dev.podlab.core.runtime.kvm.InitramfsBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checks against a {@link FakeHostProbe}; the guest kernel and the cached KVM verdict are read by the kvm
 * runtime's own classes, from a real temp tree (boot/, modules/, state/kvm/accel.json).
 */
class HostDoctorTest {
    private static final String RELEASE = "6.1.0-56-amd64";

    private final FakeHostProbe host = new FakeHostProbe();
    @TempDir
    Path tmp;
    private Path boot;
    private Path modules;
    private DoctorContext ctx;

    @BeforeEach
    void setUp() throws IOException {
        boot = Files.createDirectories(tmp.resolve("boot"));
        modules = Files.createDirectories(tmp.resolve("modules"));
        kernel(RELEASE, ".ko");
        Path state = Files.createDirectories(tmp.resolve("state"));
        host.existing.add(tmp);
        host.existing.add(state);
        ctx = context(null);
    }

    private DoctorContext context(Path kernel) {
        return new DoctorContext(tmp.resolve("state"), Path.of("/etc/cni/net.d"),
                List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin")), DoctorContext.DEFAULT_OCI_RUNTIMES,
                new DoctorContext.Guest(boot, modules, kernel));
    }

    /** boot/vmlinuz-RELEASE and modules/RELEASE with the initramfs modules and their dependencies as files. */
    private void kernel(String release, String ext) throws IOException {
        Files.writeString(boot.resolve("vmlinuz-" + release), "not really a kernel");
        Path dir = Files.createDirectories(modules.resolve(release));
        StringBuilder dep = new StringBuilder();
        String virtio = "kernel/drivers/virtio/virtio" + ext + " kernel/drivers/virtio/virtio_ring" + ext;
        for (String line : List.of("kernel/drivers/virtio/virtio_ring" + ext + ":",
                "kernel/drivers/virtio/virtio" + ext + ": kernel/drivers/virtio/virtio_ring" + ext,
                "kernel/drivers/virtio/virtio_mmio" + ext + ": " + virtio,
                "kernel/drivers/char/virtio_console" + ext + ": " + virtio,
                "kernel/net/9p/9pnet" + ext + ":",
                "kernel/net/9p/9pnet_virtio" + ext + ": kernel/net/9p/9pnet" + ext + " " + virtio,
                "kernel/fs/9p/9p" + ext + ": kernel/net/9p/9pnet" + ext,
                "kernel/drivers/net/virtio_net" + ext + ": " + virtio,
                "kernel/drivers/virtio/virtio_balloon" + ext + ": " + virtio)) {
            dep.append(line).append('\n');
            Path ko = dir.resolve(line.substring(0, line.indexOf(':')));
            Files.createDirectories(ko.getParent());
            Files.writeString(ko, "module");
        }
        Files.writeString(dir.resolve("modules.dep"), dep);
    }

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
                "overlayfs", "seccomp", "cap.sys_admin", "cap.sys_resource", "rlimits", "kvm", "qemu", "kvm.ksm", "guest-kernel",
                "cni.plugins", "cni.conf", "runtime.runc", "runtime.crun", "runtime.youki", "busybox", "skopeo",
                "umoci", "disk", "state-root", "engine.unit");
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
    void userNamespacesSwitchedOffBySysctlWarn() {
        host.files.put(HostDoctor.MAX_USER_NAMESPACES, "0\n");
        Check c = check("namespaces");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)");
        assertThat(c.fix()).startsWith("sysctl -w user.max_user_namespaces=");
        host.files.put(HostDoctor.MAX_USER_NAMESPACES, "96364\n");
        assertThat(check("namespaces").status()).isEqualTo(Status.OK);
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
        assertThat(check("runtime.youki").fix()).isEqualTo("not packaged for Debian 12: put a youki release binary "
                + "in /usr/local/bin");
        host.path.remove("crun");
        assertThat(check("runtime.crun").fix()).isEqualTo("apt-get install crun");
        host.commands.put("/usr/sbin/runc --version", new CommandResult(-1, "timed out"));
        assertThat(check("runtime.runc").status()).isEqualTo(Status.WARN);
        ctx = new DoctorContext(ctx.stateRoot(), ctx.cniConfDir(), ctx.cniBinDirs(), List.of("runsc"), ctx.guest());
        assertThat(check("runtime.runsc").fix()).contains("set the runtime class option binary");
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
    void noKvmDeviceMeansTcg() {
        host.existing.remove(Path.of("/dev/kvm"));
        Check c = check("kvm");
        assertThat(c.status()).isEqualTo(Status.INFO);
        assertThat(c.detail()).startsWith("/dev/kvm absent").contains("TCG");
        assertThat(c.fix()).contains("kvm_intel");
        host.existing.add(Path.of("/dev/kvm"));
        host.readOnly.add(Path.of("/dev/kvm"));
        assertThat(check("kvm")).extracting(Check::status, Check::fix)
                .containsExactly(Status.WARN, "run podlab as root or add the user to the kvm group");
    }

    @Test
    void kvmNotProbedYetSaysHowToProbe() throws IOException {
        Check c = check("kvm");
        assertThat(c.status()).isEqualTo(Status.INFO);
        assertThat(c.detail()).contains("present (read/write)", "not probed yet");
        assertThat(c.fix()).isEqualTo("podlab doctor --probe-kvm probes it now");
        // An unreadable cache is the same as none (the runtime probes again).
        Files.createDirectories(tmp.resolve("state/kvm"));
        Files.writeString(Accelerator.cacheFile(ctx.stateRoot()), "{not json");
        assertThat(check("kvm").detail()).contains("not probed yet");
    }

    @Test
    void kvmPresentButGuestsHangIsTheCachedTcgVerdict() throws IOException {
        Path dev = Files.createFile(tmp.resolve("kvm-device")); // stands in for /dev/kvm: exists, read/write
        Path cache = Accelerator.cacheFile(ctx.stateRoot());
        // The runtime's own decision writes the cache, as a hanging test boot would.
        Accelerator.Verdict v = Accelerator.decide("auto", dev, cache, "qemu kernel",
                () -> "the guest agent did not answer within 20 s");
        assertThat(v.accel()).isEqualTo("tcg");
        Files.setLastModifiedTime(cache, FileTime.from(Instant.parse("2026-11-20T08:30:00Z")));
        Check c = check("kvm");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("guests do not run under it", "a test boot under KVM failed: the guest agent "
                + "did not answer within 20 s", "probed 2026-11-20T08:30:00Z", "cached in " + cache);
        assertThat(c.fix()).contains("nested virtualisation", "podlab doctor --probe-kvm");
    }

    @Test
    void kvmThatWorksIsOk() throws IOException {
        Path dev = Files.createFile(tmp.resolve("kvm-device"));
        Accelerator.decide("auto", dev, Accelerator.cacheFile(ctx.stateRoot()), "qemu kernel", () -> null);
        Check c = check("kvm");
        assertThat(c.status()).isEqualTo(Status.OK);
        assertThat(c.detail()).startsWith("guests run under KVM: KVM: a test boot reached the guest agent in ")
                .contains("probed ", "re-probe with podlab doctor --probe-kvm");
    }

    @Test
    void qemu() {
        assertThat(check("qemu").status()).isEqualTo(Status.OK);
        host.path.remove("qemu-system-x86_64");
        assertThat(check("qemu")).extracting(Check::status, Check::fix)
                .containsExactly(Status.INFO, "apt-get install qemu-system-x86");
    }

    @Test
    void ksmOffIsReportedWithTheWayToTurnItOn() {
        assertThat(check("kvm.ksm")).extracting(Check::status).isEqualTo(Status.INFO);
        assertThat(check("kvm.ksm").detail()).startsWith("not in this kernel");
        host.files.put(Path.of("/sys/kernel/mm/ksm/run"), "0\n");
        assertThat(check("kvm.ksm").detail()).startsWith("off: ");
        assertThat(check("kvm.ksm").fix()).contains("ksm: \"on\"", "/sys/kernel/mm/ksm/run");
        host.files.put(Path.of("/sys/kernel/mm/ksm/run"), "1\n");
        assertThat(check("kvm.ksm").status()).isEqualTo(Status.OK);
    }

    @Test
    void guestKernelWithItsModules() throws IOException {
        kernel("6.1.0-9-amd64", ".ko"); // older: not the one used
        Check c = check("guest-kernel");
        assertThat(c.status()).isEqualTo(Status.OK);
        assertThat(c.detail()).startsWith(boot.resolve("vmlinuz-" + RELEASE) + " (" + RELEASE + ")")
                .contains(String.join(", ", InitramfsBuilder.DEFAULT_MODULES), "(9 files with dependencies)",
                        modules.resolve(RELEASE).toString());
    }

    @Test
    void guestKernelWithoutModulesDirWarns() throws IOException {
        Files.delete(modules.resolve(RELEASE).resolve("modules.dep"));
        Check c = check("guest-kernel");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("vmlinuz-" + RELEASE, "without a readable " + modules + "/RELEASE/modules.dep");
        assertThat(c.fix()).startsWith("apt-get install linux-image-amd64");
    }

    @Test
    void noGuestKernelIsInfoWithTheHint() throws IOException {
        Files.delete(boot.resolve("vmlinuz-" + RELEASE));
        assertThat(check("guest-kernel")).extracting(Check::status, Check::detail, Check::fix)
                .containsExactly(Status.INFO, "no " + boot + "/vmlinuz-* (only needed for VM-isolated runtimes)",
                        "apt-get install linux-image-amd64");
    }

    @Test
    void guestKernelMissingAModuleOrWithUnpackableModulesWarns() throws IOException {
        Path dep = modules.resolve(RELEASE).resolve("modules.dep");
        Files.writeString(dep, Files.readString(dep).replaceAll("(?m)^kernel/fs/9p/9p.ko:.*\n", ""));
        Check c = check("guest-kernel");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("module 9p is not in modules.dep");
        assertThat(c.fix()).isEqualTo("apt-get install linux-image-amd64");

        Files.delete(modules.resolve(RELEASE).resolve("kernel/fs/9p/9p.ko"));
        Files.writeString(dep, Files.readString(dep) + "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko\n");
        assertThat(check("guest-kernel").detail()).contains("modules.dep lists modules that are not there: "
                + "kernel/fs/9p/9p.ko");

        kernel("6.12.0-1-amd64", ".ko.xz"); // newer, as Debian 13 ships them: unpacked with xz
        Check xz = check("guest-kernel");
        assertThat(xz.status()).isEqualTo(Status.OK);
        assertThat(xz.detail()).contains("6.12.0-1-amd64");
        kernel("6.13.0-1-amd64", ".ko.bz2"); // a format podlab does not know
        Check bz2 = check("guest-kernel");
        assertThat(bz2.status()).isEqualTo(Status.WARN);
        assertThat(bz2.detail()).contains("6.13.0-1-amd64", "cannot unpack", "kernel/drivers/virtio/virtio_ring.ko.bz2");
    }

    @Test
    void configuredGuestKernelThatIsNotThereWarns() {
        ctx = context(boot.resolve("vmlinuz-9.9.9"));
        Check c = check("guest-kernel");
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("configured kernel " + boot.resolve("vmlinuz-9.9.9"));
        ctx = context(boot.resolve("vmlinuz-" + RELEASE));
        assertThat(check("guest-kernel").status()).isEqualTo(Status.OK);
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
        Path state = ctx.stateRoot();
        assertThat(check("state-root").status()).isEqualTo(Status.OK);
        host.readOnly.add(state);
        assertThat(check("state-root").status()).isEqualTo(Status.FAIL);
        host.existing.remove(state);
        assertThat(check("state-root")).extracting(Check::status).isEqualTo(Status.OK);
        assertThat(check("state-root").detail()).contains("will be created");
        host.readOnly.add(tmp);
        assertThat(check("state-root").status()).isEqualTo(Status.FAIL);
    }

    @Test
    void engineUnitInstalledEnabledAndCriDropIn() {
        host.existing.remove(HostDoctor.UNIT_FILE);
        host.existing.remove(HostDoctor.UNIT_WANTED);
        assertThat(check("engine.unit")).extracting(Check::status, Check::fix).containsExactly(Status.INFO, "");
        assertThat(check("engine.unit").detail()).contains("not installed");
        host.existing.add(HostDoctor.UNIT_FILE);
        Check installed = check("engine.unit");
        assertThat(installed.status()).isEqualTo(Status.INFO);
        assertThat(installed.detail()).isEqualTo("/lib/systemd/system/podlab-engine.service installed, not enabled; "
                + "CRI socket not enabled by a drop-in");
        assertThat(installed.fix()).isEqualTo("systemctl enable --now podlab-engine");
        host.existing.add(HostDoctor.UNIT_WANTED);
        host.existing.add(HostDoctor.CRI_DROP_IN);
        assertThat(check("engine.unit")).extracting(Check::status, Check::detail).containsExactly(Status.OK,
                "/lib/systemd/system/podlab-engine.service installed and enabled; CRI socket enabled by "
                        + "/etc/systemd/system/podlab-engine.service.d/cri.conf");
    }

    @Test
    void parsers() {
        assertThat(HostDoctor.version("runc version 1.1.5+ds1\ncommit: x")).contains("1.1.5");
        assertThat(HostDoctor.hasInterpreter(new byte[10])).isEmpty();
        assertThat(HostDoctor.hasInterpreter(FakeHostProbe.elf(false))).contains(false);
    }
}
