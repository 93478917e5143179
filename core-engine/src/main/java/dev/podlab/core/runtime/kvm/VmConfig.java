package dev.podlab.core.runtime.kvm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one QEMU invocation needs, and the command line it becomes: a {@code microvm}
 * machine (no PCI, no firmware beyond qboot, virtio-mmio devices announced by ACPI), the
 * distribution kernel with podlab's initramfs, the share over virtio-9p (mount tag {@code podlab})
 * and the control port over virtio-serial ({@code podlab.ctl}, QEMU listening on a unix socket).
 *
 * @param tscKhz the host's TSC rate for TCG guests (0 = let the guest calibrate): under TCG on a
 *               loaded host the guest's PIT calibration fails and it stalls without a clock source
 */
public record VmConfig(Path qemu, GuestKernel kernel, Path initramfs, String accel, int memoryMiB, int vcpus,
                       Path shareDir, Path controlSocket, Path consoleLog, String hostname, long tscKhz, Net net) {

    /**
     * The pod's network for the guest (null: loopback only): QEMU starts inside {@code netns}
     * (through nsenter, which execs it: same pid) and opens the tap {@link PodTap} made there.
     */
    public record Net(Path netns, String mac, String ipCidr, String gateway) {}

    /**
     * TCG's translation cache in MiB, resident in QEMU and charged to the pod's host cgroup. A
     * boot to container-running generates ~52 MiB of host code; with 16 MiB the cache is flushed
     * 5 times on the way (21 times with 8), for no measurable boot time: most kernel code runs
     * once and is not translated again (docs/benchmarks.md, "Memory per sandbox: levers").
     */
    static final int TCG_CACHE_MIB = 16;

    /** The QEMU command line. */
    public List<String> command() {
        boolean kvm = accel.equals("kvm");
        List<String> append = new ArrayList<>(List.of("console=ttyS0", "panic=-1", "quiet", "loglevel=4",
                // The crypto self-tests at boot (~300 ms of a 1.9 s TCG boot to /init here) and the probe
                // of a PS/2 controller microvm does not have; Kata's guests boot with the same.
                "cryptomgr.notests", "i8042.noaux", "i8042.nomux", "i8042.nopnp", "i8042.dumbkbd"));
        if (!kvm && tscKhz > 0) {
            append.add("tsc_early_khz=" + tscKhz);
            append.add("tsc=reliable");
        }
        if (hostname != null && hostname.matches("[A-Za-z0-9.-]{1,64}")) {
            append.add("podlab.hostname=" + hostname);
        }
        List<String> cmd = new ArrayList<>();
        if (net != null) {
            cmd.addAll(List.of("nsenter", "--net=" + net.netns(), "--"));
            append.add("podlab.ip=" + net.ipCidr());
            if (net.gateway() != null) {
                append.add("podlab.gw=" + net.gateway());
            }
        }
        cmd.addAll(List.of(qemu.toString(),
                "-name", "podlab",
                "-M", "microvm,rtc=on",
                // tb-size caps TCG's translation cache (1 GiB by default), which counts in the host cgroup.
                "-accel", kvm ? "kvm" : "tcg,tb-size=" + TCG_CACHE_MIB,
                "-cpu", kvm ? "host" : "max",
                "-m", memoryMiB + "M",
                "-smp", Integer.toString(vcpus),
                "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
                "-kernel", kernel.image().toString(),
                "-initrd", initramfs.toString(),
                "-append", String.join(" ", append),
                "-serial", "file:" + opt(consoleLog),
                "-fsdev", "local,id=share,path=" + opt(shareDir) + ",security_model=passthrough,multidevs=remap",
                "-device", "virtio-9p-device,fsdev=share,mount_tag=podlab",
                "-device", "virtio-serial-device",
                "-chardev", "socket,id=ctl,path=" + opt(controlSocket) + ",server=on,wait=off",
                "-device", "virtserialport,chardev=ctl,name=podlab.ctl",
                // The guest reports pages it freed (boot-time copies, page cache it dropped) and QEMU
                // gives them back to the host: the VM's resident memory follows the guest's use.
                "-device", "virtio-balloon-device,free-page-reporting=on"));
        if (net != null) {
            cmd.addAll(List.of("-netdev", "tap,id=net0,ifname=" + PodTap.TAP + ",script=no,downscript=no",
                    "-device", "virtio-net-device,netdev=net0,mac=" + net.mac()));
        }
        return List.copyOf(cmd);
    }

    /** QEMU option values double their commas. */
    private static String opt(Path p) {
        return p.toString().replace(",", ",,");
    }
}
