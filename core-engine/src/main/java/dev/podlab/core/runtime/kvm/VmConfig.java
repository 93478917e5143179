package dev.podlab.core.runtime.kvm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one QEMU invocation needs, and the command line it becomes: a {@code microvm}
 * machine (no PCI, no firmware beyond qboot, virtio-mmio devices announced by ACPI), the
 * distribution kernel with podlab's initramfs, the share over virtio-9p (mount tag {@code podlab})
 * and the control port over virtio-serial ({@code podlab.ctl}, QEMU listening on a unix socket).
 * The pod's own settings (hostname, addresses) are not on this command line: the engine sends
 * them in the agent's {@code setup} request, so a VM restored from a {@link VmTemplate template}
 * gets them the same way as one that booted.
 *
 * @param tscKhz the host's TSC rate for TCG guests (0 = let the guest calibrate): under TCG on a
 *               loaded host the guest's PIT calibration fails and it stalls without a clock source
 */
public record VmConfig(Path qemu, GuestKernel kernel, Path initramfs, String accel, int memoryMiB, int vcpus,
                       Path shareDir, Path controlSocket, Path consoleLog, long tscKhz, Net net, Snapshot snapshot) {

    /**
     * The pod's network for the guest (null: loopback only): QEMU starts inside {@code netns}
     * (through nsenter, which execs it: same pid) and opens the tap {@link PodTap} made there. A
     * template's net has no namespace: QEMU starts in a new, empty one (unshare) and makes its tap
     * there, so the template has the device and no connection.
     */
    public record Net(Path netns, String mac, String ipCidr, String gateway) {
        /** The network device of a template VM: present, connected to nothing. */
        static final Net TEMPLATE = new Net(null, null, null, null);
    }

    /**
     * Guest memory in a file, for {@link VmTemplate templates} (null: anonymous memory, and the
     * balloon). {@code build}: the template VM itself, writing the file ({@code share=on}); else a
     * VM restored from it: the file mapped private (copy-on-write, the file is never written),
     * waiting ({@code -incoming defer}) for its device state. Both answer QMP on {@code qmpSocket},
     * where the engine turns {@code x-ignore-shared} on (RAM stays out of the migration stream: it
     * is the file; QEMU 7.2 has no command-line switch for it) and starts the save or the load.
     */
    public record Snapshot(Path memoryFile, Path deviceState, Path qmpSocket, boolean build) {}

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
        List<String> cmd = new ArrayList<>();
        if (net != null) {
            cmd.addAll(net.netns() == null ? List.of("unshare", "--net", "--")
                    : List.of("nsenter", "--net=" + net.netns(), "--"));
            append.add("podlab.net=1"); // the agent loads virtio-net
        }
        if (snapshot != null) {
            append.add("podlab.template=1"); // no balloon module: see below
        }
        cmd.addAll(List.of(qemu.toString(),
                "-name", "podlab",
                "-M", snapshot == null ? "microvm,rtc=on" : "microvm,rtc=on,memory-backend=ram",
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
                "-device", "virtserialport,chardev=ctl,name=podlab.ctl"));
        if (snapshot == null) {
            // The guest reports pages it freed (boot-time copies, page cache it dropped) and QEMU
            // gives them back to the host: the VM's resident memory follows the guest's use. Not with
            // a template: QEMU 7.2 discards reported pages of a file-backed RAM by punching holes in
            // the file (fixed in 8.1), which would zero the template under every other VM mapping it.
            cmd.addAll(List.of("-device", "virtio-balloon-device,free-page-reporting=on"));
        } else {
            cmd.addAll(List.of("-object", "memory-backend-file,id=ram,size=" + memoryMiB + "M,mem-path="
                            + opt(snapshot.memoryFile()) + ",share=" + (snapshot.build() ? "on" : "off"),
                    "-qmp", "unix:" + opt(snapshot.qmpSocket()) + ",server=on,wait=off"));
            if (!snapshot.build()) {
                cmd.addAll(List.of("-incoming", "defer"));
            }
        }
        if (net != null) {
            cmd.addAll(List.of("-netdev", "tap,id=net0,ifname=" + PodTap.TAP + ",script=no,downscript=no",
                    "-device", "virtio-net-device,netdev=net0" + (net.mac() == null ? "" : ",mac=" + net.mac())));
        }
        return List.copyOf(cmd);
    }

    /** QEMU runs {@code exec:} migration URIs with {@code /bin/sh -c}. */
    static String shellQuoted(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    /** QEMU option values double their commas. */
    private static String opt(Path p) {
        return p.toString().replace(",", ",,");
    }
}
