package dev.podlab.core.host;

import dev.podlab.core.PodlabException;
import dev.podlab.core.cgroup.CgroupLayout;
import dev.podlab.core.cgroup.CgroupVersion;
import dev.podlab.core.runtime.kvm.Accelerator;
import dev.podlab.core.runtime.kvm.GuestKernel;
import dev.podlab.core.runtime.kvm.InitramfsBuilder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checks behind {@code podlab doctor}: reads the host through a {@link HostProbe} and says, per component,
 * whether it is there, what is missing and what to do about it. Never throws for a missing component: a check
 * that cannot read its fact reports that instead.
 */
public final class HostDoctor {

    /** Below this much free space on the state root's filesystem the disk check warns. */
    public static final long MIN_FREE_BYTES = 2L * 1024 * 1024 * 1024;

    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_SYS_RESOURCE = 24;

    /** Capability names by number (linux/capability.h), for decoding CapEff. */
    static final List<String> CAPABILITIES = List.of("chown", "dac_override", "dac_read_search", "fowner", "fsetid",
            "kill", "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
            "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace",
            "sys_pacct", "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
            "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
            "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore");

    /** Namespaces podlab cannot run containers without, and ones it can do without (with a limitation). */
    static final List<String> REQUIRED_NAMESPACES = List.of("mnt", "pid", "net", "ipc", "uts");
    static final List<String> OPTIONAL_NAMESPACES = List.of("user", "cgroup", "time");

    /** How each known OCI runtime is installed on Debian 12 (youki is not packaged there). */
    static final Map<String, String> RUNTIME_HINTS = Map.of(
            "runc", "apt-get install runc",
            "crun", "apt-get install crun",
            "youki", "not packaged for Debian 12: put a youki release binary in /usr/local/bin");

    static final List<String> CNI_PLUGINS = List.of("bridge", "host-local", "portmap", "loopback");
    static final List<String> KEY_CONTROLLERS = List.of("cpu", "memory", "pids");

    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final Path KVM = Path.of("/dev/kvm");
    static final Path MAX_USER_NAMESPACES = Path.of("/proc/sys/user/max_user_namespaces");
    static final Path V2_ROOT = Path.of("/sys/fs/cgroup");

    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private HostDoctor() {
    }

    /** Runs every check, in a fixed order. */
    public static List<Check> run(HostProbe host, DoctorContext ctx) {
        List<Check> checks = new ArrayList<>();
        checks.add(root(host));
        checks.add(kernel(host));
        checks.add(namespaces(host));
        Optional<CgroupLayout> layout = Optional.empty();
        try {
            layout = Optional.of(host.cgroupLayout());
        } catch (PodlabException | IllegalArgumentException e) {
            checks.add(Check.fail("cgroup", "cgroups", "no usable cgroup hierarchy: " + e.getMessage(),
                    "mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)"));
        }
        layout.ifPresent(l -> checks.addAll(cgroups(host, l)));
        checks.add(overlay(host));
        checks.add(seccomp(host));
        String status = host.readFile(Path.of("/proc/self/status")).orElse("");
        checks.addAll(capabilities(status));
        checks.add(rlimits(host, status));
        checks.add(kvm(host, ctx));
        checks.add(qemu(host));
        checks.add(ksm(host));
        checks.add(guestKernel(ctx));
        checks.add(cniPlugins(host, ctx));
        checks.add(cniConf(host, ctx));
        boolean hybrid = layout.map(CgroupLayout::hybrid).orElse(false);
        for (String runtime : ctx.ociRuntimes()) {
            checks.add(runtime(host, runtime, hybrid));
        }
        checks.add(busybox(host));
        checks.add(optionalTool(host, "skopeo", "copying images between registries and directories"));
        checks.add(optionalTool(host, "umoci", "unpacking OCI image layouts outside podlab"));
        checks.add(disk(host, ctx));
        checks.add(stateRoot(host, ctx));
        checks.add(engineUnit(host));
        return List.copyOf(checks);
    }

    /** True when no check failed. */
    public static boolean healthy(List<Check> checks) {
        return checks.stream().noneMatch(c -> c.status() == Check.Status.FAIL);
    }

    static Check root(HostProbe host) {
        int euid = host.euid();
        if (euid == 0) {
            return Check.ok("root", "running as root", "effective uid 0");
        }
        return Check.fail("root", "running as root", "effective uid " + euid
                        + ": namespaces, mounts and cgroups need root (the other checks may under-report)",
                "run podlab with sudo");
    }

    static Check kernel(HostProbe host) {
        String release = host.kernelRelease();
        Matcher m = VERSION.matcher(release);
        if (!m.find()) {
            return Check.warn("kernel", "kernel version", "cannot parse the kernel release \"" + release + "\"",
                    "use a Linux kernel 5.x or newer");
        }
        int major = Integer.parseInt(m.group(1));
        if (major < 5) {
            return Check.warn("kernel", "kernel version", "Linux " + release
                            + " is older than 5.x: overlayfs, cgroup v2 and time namespaces may be missing or limited",
                    "upgrade to a 5.x or newer kernel");
        }
        return Check.ok("kernel", "kernel version", "Linux " + release);
    }

    static Check namespaces(HostProbe host) {
        Set<String> have = new TreeSet<>(host.list(Path.of("/proc/self/ns")));
        List<String> missingRequired = REQUIRED_NAMESPACES.stream().filter(n -> !have.contains(n)).toList();
        List<String> missingOptional = OPTIONAL_NAMESPACES.stream().filter(n -> !have.contains(n)).toList();
        List<String> present = new ArrayList<>();
        for (String n : REQUIRED_NAMESPACES) {
            if (have.contains(n)) {
                present.add(n);
            }
        }
        for (String n : OPTIONAL_NAMESPACES) {
            if (have.contains(n)) {
                present.add(n);
            }
        }
        String found = "available: " + (present.isEmpty() ? "none" : String.join(", ", present));
        if (!missingRequired.isEmpty()) {
            return Check.fail("namespaces", "namespaces", found + "; missing " + String.join(", ", missingRequired)
                            + " (containers cannot be isolated)",
                    "use a kernel built with CONFIG_NAMESPACES and the " + String.join("/", missingRequired)
                            + " namespaces");
        }
        if (!missingOptional.isEmpty()) {
            return Check.warn("namespaces", "namespaces", found + "; missing " + String.join(", ", missingOptional)
                            + " (containers run without them)",
                    "use a kernel with the " + String.join("/", missingOptional) + " namespaces (time needs 5.6+)");
        }
        // The user namespace type can exist and still be switched off for everyone by this sysctl.
        Optional<String> maxUser = host.readFile(MAX_USER_NAMESPACES).map(String::strip);
        if (maxUser.isPresent() && maxUser.get().equals("0")) {
            return Check.warn("namespaces", "namespaces", found + "; but user namespaces are disabled ("
                            + MAX_USER_NAMESPACES + " is 0): containers with a user namespace cannot start",
                    "sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d to keep it)");
        }
        return Check.ok("namespaces", "namespaces", found);
    }

    static List<Check> cgroups(HostProbe host, CgroupLayout layout) {
        List<String> controllers = layout.controllerMounts().keySet().stream()
                .filter(c -> !c.equals(dev.podlab.core.cgroup.Cgroup.UNIFIED)).sorted().toList();
        List<String> missing = KEY_CONTROLLERS.stream().filter(c -> !layout.has(c)).toList();
        String kind = layout.version() == CgroupVersion.V2 ? "cgroup v2 (unified)"
                : layout.hybrid() ? "cgroup v1 hybrid (v1 controllers + cgroup2 at " + layout.root().resolve("unified") + ")"
                : "cgroup v1";
        String detail = kind + "; controllers: " + (controllers.isEmpty() ? "none" : String.join(", ", controllers));
        List<Check> checks = new ArrayList<>();
        if (!missing.isEmpty()) {
            checks.add(Check.warn("cgroup", "cgroups", detail + "; missing " + String.join(", ", missing)
                            + " (limits on them are not enforced)",
                    "enable the " + String.join("/", missing) + " controllers (kernel config or boot parameters, "
                            + "e.g. cgroup_enable=memory)"));
        } else {
            checks.add(Check.ok("cgroup", "cgroups", detail));
        }
        if (layout.version() == CgroupVersion.V2) {
            Path file = layout.root().resolve("cgroup.subtree_control");
            Optional<String> subtree = host.readFile(file);
            Set<String> delegated = new TreeSet<>(subtree.map(s -> List.of(s.strip().split("\\s+")))
                    .orElse(List.of()));
            delegated.remove("");
            List<String> notDelegated = KEY_CONTROLLERS.stream().filter(c -> layout.has(c) && !delegated.contains(c))
                    .toList();
            if (subtree.isEmpty()) {
                checks.add(Check.warn("cgroup.delegation", "cgroup v2 delegation", "cannot read " + file,
                        "run podlab as root"));
            } else if (!notDelegated.isEmpty()) {
                checks.add(Check.warn("cgroup.delegation", "cgroup v2 delegation",
                        "not enabled in " + file + ": " + String.join(", ", notDelegated)
                                + " (child cgroups get no " + String.join("/", notDelegated) + " limits)",
                        "echo '" + String.join(" ", notDelegated.stream().map(c -> "+" + c).toList()) + "' > " + file));
            } else {
                checks.add(Check.ok("cgroup.delegation", "cgroup v2 delegation", "enabled in " + file + ": "
                        + (delegated.isEmpty() ? "none" : String.join(", ", delegated))));
            }
        }
        return checks;
    }

    static Check overlay(HostProbe host) {
        Optional<String> fs = host.readFile(Path.of("/proc/filesystems"));
        boolean present = fs.map(s -> s.lines().anyMatch(l -> {
            String[] f = l.strip().split("\\s+");
            return f[f.length - 1].equals("overlay");
        })).orElse(false);
        if (present) {
            return Check.ok("overlayfs", "overlayfs", "overlay listed in /proc/filesystems");
        }
        return Check.fail("overlayfs", "overlayfs", fs.isEmpty() ? "cannot read /proc/filesystems"
                        : "overlay is not in /proc/filesystems: container root filesystems cannot be mounted",
                "modprobe overlay (or use a kernel with CONFIG_OVERLAY_FS)");
    }

    static Check seccomp(HostProbe host) {
        Optional<String> status = host.readFile(Path.of("/proc/self/status"));
        Optional<String> mode = status.flatMap(s -> field(s, "Seccomp"));
        if (mode.isEmpty()) {
            return Check.warn("seccomp", "seccomp", "no Seccomp field in /proc/self/status: the kernel has no "
                    + "CONFIG_SECCOMP, containers run without a syscall filter", "use a kernel with CONFIG_SECCOMP_FILTER");
        }
        Optional<String> actions = host.readFile(Path.of("/proc/sys/kernel/seccomp/actions_avail")).map(String::strip);
        String detail = "supported" + actions.map(a -> "; actions: " + a).orElse("")
                + (mode.get().equals("0") ? "" : "; podlab itself runs under seccomp mode " + mode.get());
        if (actions.isPresent() && !List.of(actions.get().split("\\s+")).contains("errno")) {
            return Check.warn("seccomp", "seccomp", detail + " (no errno action: denied syscalls kill instead of failing)",
                    "use a kernel 4.14 or newer");
        }
        return Check.ok("seccomp", "seccomp", detail);
    }

    /** CapEff decoded: CAP_SYS_ADMIN is required, CAP_SYS_RESOURCE is recommended. */
    static List<Check> capabilities(String status) {
        Optional<Long> eff = field(status, "CapEff").map(h -> Long.parseUnsignedLong(h, 16));
        if (eff.isEmpty()) {
            Check unknown = Check.warn("cap.sys_admin", "CAP_SYS_ADMIN", "cannot read CapEff from /proc/self/status", "");
            return List.of(unknown);
        }
        long caps = eff.get();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < CAPABILITIES.size(); i++) {
            if ((caps & (1L << i)) == 0) {
                missing.add("cap_" + CAPABILITIES.get(i));
            }
        }
        String summary = String.format(Locale.ROOT, "CapEff %016x", caps)
                + (missing.isEmpty() ? " (all capabilities)" : caps == 0 ? " (no capabilities)"
                : "; missing " + String.join(", ", missing));
        List<Check> checks = new ArrayList<>();
        if ((caps & (1L << CAP_SYS_ADMIN)) == 0) {
            checks.add(Check.fail("cap.sys_admin", "CAP_SYS_ADMIN", summary
                            + ": cannot create namespaces, mount or pivot_root",
                    "run podlab as root with full capabilities (sudo; in a container: --privileged)"));
        } else {
            checks.add(Check.ok("cap.sys_admin", "CAP_SYS_ADMIN", summary));
        }
        if ((caps & (1L << CAP_SYS_RESOURCE)) == 0) {
            checks.add(Check.warn("cap.sys_resource", "CAP_SYS_RESOURCE", "missing: rlimits asked for above this "
                            + "process's hard limit are clamped to it, and oom_score_adj cannot be lowered",
                    "run podlab with CAP_SYS_RESOURCE (outside a restricted container or sandbox)"));
        } else {
            checks.add(Check.ok("cap.sys_resource", "CAP_SYS_RESOURCE", "present"));
        }
        return checks;
    }

    static Check rlimits(HostProbe host, String status) {
        Optional<String> limits = host.readFile(Path.of("/proc/self/limits"));
        if (limits.isEmpty()) {
            return Check.info("rlimits", "resource limits", "cannot read /proc/self/limits", "");
        }
        String[] nofile = limit(limits.get(), "Max open files");
        String[] nproc = limit(limits.get(), "Max processes");
        String detail = "nofile soft/hard " + nofile[0] + "/" + nofile[1] + ", nproc " + nproc[0] + "/" + nproc[1];
        boolean noSysResource = field(status, "CapEff").map(h -> (Long.parseUnsignedLong(h, 16)
                & (1L << CAP_SYS_RESOURCE)) == 0).orElse(false);
        if (noSysResource) {
            detail += " (without CAP_SYS_RESOURCE containers cannot get more than the hard limits)";
        }
        long hard = parseLimit(nofile[1]);
        if (hard >= 0 && hard < 4096) {
            return Check.warn("rlimits", "resource limits", detail + "; a hard nofile limit below 4096 is tight "
                    + "for containers", "raise it (ulimit -Hn 1048576, or LimitNOFILE= in the service unit)");
        }
        return Check.ok("rlimits", "resource limits", detail);
    }

    /** How to get a fresh KVM verdict, for the kvm check's lines. */
    static final String REPROBE = "podlab doctor --probe-kvm";

    /**
     * Whether VM guests really run under KVM: the device, then the verdict the kvm runtime cached after its bounded
     * test boot ({@link Accelerator}). Never boots a VM; {@code podlab doctor --probe-kvm} does, when asked.
     */
    static Check kvm(HostProbe host, DoctorContext ctx) {
        String title = "KVM for VM guests";
        if (!host.exists(KVM)) {
            return Check.info("kvm", title, KVM + " absent: VM-isolated runtimes run guests under TCG (QEMU's "
                            + "emulator, much slower)",
                    "enable virtualisation in the firmware or hypervisor and load kvm_intel or kvm_amd");
        }
        if (!host.isReadable(KVM) || !host.isWritable(KVM)) {
            return Check.warn("kvm", title, KVM + " present but not read/write for this user: guests run under TCG",
                    "run podlab as root or add the user to the kvm group");
        }
        Path cache = Accelerator.cacheFile(ctx.stateRoot());
        Optional<Accelerator.Cached> cached = Accelerator.cached(cache);
        if (cached.isEmpty()) {
            return Check.info("kvm", title, KVM + " present (read/write); whether guests boot under it is not probed "
                    + "yet (the first VM probes it, with a bounded test boot)", REPROBE + " probes it now");
        }
        Accelerator.Cached c = cached.get();
        String when = " (probed " + c.probedAt().truncatedTo(ChronoUnit.SECONDS) + ", cached in " + cache + ")";
        if (c.accel().equals("kvm")) {
            return Check.ok("kvm", title, "guests run under KVM: " + c.reason() + when + "; re-probe with " + REPROBE);
        }
        return Check.warn("kvm", title, KVM + " present but guests do not run under it, VMs use TCG (slower): "
                        + c.reason() + when,
                "check nested virtualisation (the hypervisor must expose VMX/SVM to this machine), then re-probe with "
                        + REPROBE);
    }

    /** The host's KSM, which lets VM sandboxes share identical guest pages (docs/kvm.md, "Memory"). */
    static Check ksm(HostProbe host) {
        String title = "KSM for VM sandboxes";
        Optional<String> run = host.readFile(Path.of("/sys/kernel/mm/ksm/run")).map(String::strip);
        if (run.isEmpty()) {
            return Check.info("kvm.ksm", title, "not in this kernel (CONFIG_KSM): each VM keeps its own copy of pages "
                    + "that are the same in every guest", "");
        }
        if (run.get().equals("1")) {
            return Check.ok("kvm.ksm", title, "on: VMs share identical guest pages (their kernels, zero pages)");
        }
        return Check.info("kvm.ksm", title, "off: each VM keeps its own copy of pages that are the same in every guest "
                        + "(on podlab's benchmark machine one more sandbox cost 131-142 MiB without KSM, 49-69 MiB with it)",
                "option ksm: \"on\" of the kvm runtime class turns it on when a VM boots, or echo 1 > "
                        + "/sys/kernel/mm/ksm/run (ksmd then spends some CPU scanning)");
    }

    static Check qemu(HostProbe host) {
        Optional<Path> qemu = host.which("qemu-system-x86_64");
        if (qemu.isEmpty()) {
            return Check.info("qemu", "qemu-system-x86_64", "not on PATH (only needed for VM-isolated runtimes)",
                    "apt-get install qemu-system-x86");
        }
        CommandResult r = host.run(List.of(qemu.get().toString(), "--version"));
        return Check.ok("qemu", "qemu-system-x86_64", qemu.get() + (r.succeeded() ? ": " + r.firstLine() : ""));
    }

    static final String KERNEL_HINT = "apt-get install linux-image-amd64";

    /**
     * The kernel the kvm runtime would boot ({@link GuestKernel}: the configured one, else the newest
     * {@code vmlinuz-*} with its modules) and whether the modules its initramfs carries
     * ({@link InitramfsBuilder#DEFAULT_MODULES} and their dependencies) are there in a form it can unpack.
     */
    static Check guestKernel(DoctorContext ctx) {
        String title = "guest kernel and modules";
        DoctorContext.Guest g = ctx.guest();
        Optional<GuestKernel> found = g.kernel() != null ? GuestKernel.of(g.kernel(), g.modulesDir())
                : GuestKernel.discover(g.bootDir(), g.modulesDir());
        if (found.isEmpty()) {
            if (g.kernel() != null) {
                return Check.warn("guest-kernel", title, "the configured kernel " + g.kernel() + " is not a readable "
                        + "vmlinuz-RELEASE with " + g.modulesDir() + "/RELEASE/modules.dep", "fix the kvm runtime class "
                        + "option kernel, or drop it to use the newest in " + g.bootDir());
            }
            List<String> images = vmlinuzImages(g.bootDir());
            if (images.isEmpty()) {
                return Check.info("guest-kernel", title, "no " + g.bootDir() + "/vmlinuz-* (only needed for "
                        + "VM-isolated runtimes)", KERNEL_HINT);
            }
            return Check.warn("guest-kernel", title, String.join(", ", images) + " without a readable "
                            + g.modulesDir() + "/RELEASE/modules.dep: VM-isolated runtimes cannot build an initramfs",
                    KERNEL_HINT + " (installs a kernel with its modules)");
        }
        GuestKernel k = found.get();
        String head = k.image() + " (" + k.release() + ")";
        List<Path> files;
        try {
            files = InitramfsBuilder.moduleFiles(k.modules(), InitramfsBuilder.DEFAULT_MODULES);
        } catch (IOException e) {
            return Check.warn("guest-kernel", title, head + ": " + e.getMessage() + " (the initramfs needs "
                    + String.join(", ", InitramfsBuilder.DEFAULT_MODULES) + ")", KERNEL_HINT);
        }
        List<String> missing = files.stream().filter(f -> !Files.isReadable(f)).map(k.modules()::relativize)
                .map(Path::toString).toList();
        if (!missing.isEmpty()) {
            return Check.warn("guest-kernel", title, head + ": modules.dep lists modules that are not there: "
                    + String.join(", ", missing), KERNEL_HINT + " (or reinstall linux-image-" + k.release() + ")");
        }
        List<String> packed = files.stream().filter(f -> !InitramfsBuilder.canUnpack(f)).map(k.modules()::relativize)
                .map(Path::toString).toList();
        if (!packed.isEmpty()) {
            return Check.warn("guest-kernel", title, head + ": modules compressed in a format podlab cannot unpack "
                    + "(.ko, .ko.gz, .ko.xz and .ko.zst are known): " + String.join(", ", packed), "use a kernel whose "
                    + "modules are plain or compressed with gzip, xz or zstd, set with the kvm runtime class option "
                    + "kernel");
        }
        return Check.ok("guest-kernel", title, head + "; initramfs modules " + String.join(", ",
                InitramfsBuilder.DEFAULT_MODULES) + " (" + files.size() + " files with dependencies) in " + k.modules());
    }

    private static List<String> vmlinuzImages(Path boot) {
        try (Stream<Path> s = Files.list(boot)) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).map(Path::toString).sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    static Check cniPlugins(HostProbe host, DoctorContext ctx) {
        Map<String, Path> found = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String plugin : CNI_PLUGINS) {
            Optional<Path> at = ctx.cniBinDirs().stream().map(d -> d.resolve(plugin)).filter(host::isExecutable)
                    .findFirst();
            if (at.isPresent()) {
                found.put(plugin, at.get().getParent());
            } else {
                missing.add(plugin);
            }
        }
        String dirs = ctx.cniBinDirs().stream().map(Path::toString).reduce((a, b) -> a + ":" + b).orElse("(none)");
        if (!missing.isEmpty()) {
            return Check.warn("cni.plugins", "CNI plugins", "missing in " + dirs + ": " + String.join(", ", missing)
                            + (found.isEmpty() ? "" : " (found " + String.join(", ", found.keySet()) + ")")
                            + "; pods on CNI networks cannot start",
                    "apt-get install containernetworking-plugins (or put the plugins in /opt/cni/bin)");
        }
        return Check.ok("cni.plugins", "CNI plugins", String.join(", ", CNI_PLUGINS) + " in "
                + new TreeSet<>(found.values().stream().map(Path::toString).toList()));
    }

    static Check cniConf(HostProbe host, DoctorContext ctx) {
        Path dir = ctx.cniConfDir();
        if (!host.exists(dir)) {
            return Check.info("cni.conf", "CNI configuration", dir + " does not exist (no CNI networks configured)",
                    "mkdir -p " + dir + " and add a network configuration (.conflist)");
        }
        List<String> confs = host.list(dir).stream()
                .filter(n -> n.endsWith(".conf") || n.endsWith(".conflist") || n.endsWith(".json")).toList();
        if (confs.isEmpty()) {
            return Check.info("cni.conf", "CNI configuration", dir + " has no network configurations",
                    "add a network configuration (.conflist) to " + dir);
        }
        return Check.ok("cni.conf", "CNI configuration", dir + ": " + String.join(", ", confs));
    }

    /*
     * crun on a hybrid host, seen on Debian 12 (crun 1.8.1, cgroup v1 + cgroup2 at /sys/fs/cgroup/unified):
     * `crun run` of a trivial bundle (busybox `true`, spec from `crun spec`) exits 1 with
     * "cgroups in hybrid mode not supported, drop all controllers from cgroupv2". runc 1.1.5 runs the same
     * bundle. So on any hybrid host crun is reported as WARN whatever its version.
     */
    static Check runtime(HostProbe host, String name, boolean hybrid) {
        String id = "runtime." + name;
        String title = "OCI runtime " + name;
        Optional<Path> bin = host.which(name);
        if (bin.isEmpty()) {
            return Check.info(id, title, "not installed (optional: the built-in runtime works without it)",
                    RUNTIME_HINTS.getOrDefault(name, "install " + name + " on PATH, or set the runtime class option "
                            + "binary"));
        }
        CommandResult r = host.run(List.of(bin.get().toString(), "--version"));
        if (!r.succeeded()) {
            return Check.warn(id, title, bin.get() + " --version failed: " + r.firstLine(),
                    "reinstall " + name);
        }
        String version = version(r.output()).orElse(r.firstLine());
        if (name.equals("crun") && hybrid) {
            return Check.warn(id, title, "crun " + version + " refuses hybrid cgroup hosts (v1 controllers + cgroup2 "
                    + "at /sys/fs/cgroup/unified)", "use runc or the built-in runtime");
        }
        return Check.ok(id, title, bin.get() + " " + version);
    }

    static Check busybox(HostProbe host) {
        if (!host.isExecutable(BUSYBOX)) {
            return Check.warn("busybox", "busybox-static", BUSYBOX + " not found: the sample images cannot be built",
                    "apt-get install busybox-static");
        }
        Optional<Boolean> dynamic = host.readHead(BUSYBOX, 8192).flatMap(HostDoctor::hasInterpreter);
        if (dynamic.orElse(false)) {
            return Check.warn("busybox", "busybox-static", BUSYBOX + " is dynamically linked: it will not run inside "
                    + "the sample images", "apt-get install busybox-static");
        }
        return Check.ok("busybox", "busybox-static", BUSYBOX + (dynamic.isPresent() ? " (static)" : ""));
    }

    static Check optionalTool(HostProbe host, String name, String purpose) {
        Optional<Path> bin = host.which(name);
        if (bin.isEmpty()) {
            return Check.info(name, name, "not installed (optional: " + purpose + ")", "apt-get install " + name);
        }
        CommandResult r = host.run(List.of(bin.get().toString(), "--version"));
        return Check.info(name, name, bin.get() + (r.succeeded() ? " " + version(r.output()).orElse(r.firstLine()) : ""),
                "");
    }

    static Check disk(HostProbe host, DoctorContext ctx) {
        OptionalLong free = host.usableSpace(ctx.stateRoot());
        if (free.isEmpty()) {
            return Check.warn("disk", "disk space", "cannot find the filesystem of " + ctx.stateRoot(), "");
        }
        String gib = String.format(Locale.ROOT, "%.1f GiB", free.getAsLong() / (1024.0 * 1024 * 1024));
        if (free.getAsLong() < MIN_FREE_BYTES) {
            return Check.warn("disk", "disk space", gib + " free for " + ctx.stateRoot()
                    + " (below 2 GiB: pulls and container writes may fail)", "free space or move the state root (--root)");
        }
        return Check.ok("disk", "disk space", gib + " free for " + ctx.stateRoot());
    }

    /** podlab-shim is installed from the engine's jar into the state root: the state root must be writable. */
    static Check stateRoot(HostProbe host, DoctorContext ctx) {
        Path root = ctx.stateRoot().toAbsolutePath();
        String title = "state root (podlab-shim)";
        if (host.exists(root)) {
            if (host.isWritable(root)) {
                return Check.ok("state-root", title, root + " is writable (podlab-shim is installed there)");
            }
            return Check.fail("state-root", title, root + " is not writable: podlab-shim cannot be installed",
                    "run podlab with sudo, or choose a writable --root");
        }
        Path p = root.getParent();
        while (p != null && !host.exists(p)) {
            p = p.getParent();
        }
        if (p != null && host.isWritable(p)) {
            return Check.ok("state-root", title, root + " does not exist yet; " + p + " is writable, it will be created");
        }
        return Check.fail("state-root", title, root + " does not exist and " + p + " is not writable",
                "run podlab with sudo, or choose a writable --root");
    }

    static final String UNIT = "podlab-engine.service";
    static final Path UNIT_FILE = Path.of("/lib/systemd/system", UNIT);
    static final Path UNIT_LOCAL = Path.of("/etc/systemd/system", UNIT);
    static final Path UNIT_WANTED = Path.of("/etc/systemd/system/multi-user.target.wants", UNIT);
    static final Path CRI_DROP_IN = Path.of("/etc/systemd/system", UNIT + ".d", "cri.conf");

    /**
     * The engine's systemd unit, from the files systemd reads (so it works without systemd as PID 1): installed,
     * enabled (the multi-user.target.wants link {@code systemctl enable} makes), and the CRI drop-in. Whether an
     * engine answers right now is the CLI's engine check.
     */
    static Check engineUnit(HostProbe host) {
        String title = "engine systemd unit";
        Optional<Path> unit = Stream.of(UNIT_LOCAL, UNIT_FILE).filter(host::exists).findFirst();
        if (unit.isEmpty()) {
            return Check.info("engine.unit", title, UNIT + " not installed (podlab starts an engine on demand; the "
                    + ".deb installs the unit)", "");
        }
        String cri = host.exists(CRI_DROP_IN) ? "; CRI socket enabled by " + CRI_DROP_IN
                : "; CRI socket not enabled by a drop-in";
        if (!host.exists(UNIT_WANTED)) {
            return Check.info("engine.unit", title, unit.get() + " installed, not enabled" + cri,
                    "systemctl enable --now podlab-engine");
        }
        return Check.ok("engine.unit", title, unit.get() + " installed and enabled" + cri);
    }

    // ---- parsing helpers ----

    static Optional<String> field(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name + ":")).findFirst()
                .map(l -> l.substring(name.length() + 1).strip());
    }

    /** Soft and hard value of one row of /proc/self/limits, "?" when absent. */
    static String[] limit(String limits, String row) {
        return limits.lines().filter(l -> l.startsWith(row)).findFirst().map(l -> {
            String[] f = l.substring(row.length()).strip().split("\\s+");
            return f.length >= 2 ? new String[]{f[0], f[1]} : new String[]{"?", "?"};
        }).orElse(new String[]{"?", "?"});
    }

    static long parseLimit(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1; // "unlimited" or "?"
        }
    }

    /** The first dotted version number in a --version output ("crun version 1.8.1" -> "1.8.1"). */
    static Optional<String> version(String output) {
        Matcher m = VERSION.matcher(output);
        return m.find() ? Optional.of(m.group()) : Optional.empty();
    }

    /** ELF64 little-endian: whether a PT_INTERP program header exists (dynamically linked); empty if not ELF64 LE. */
    static Optional<Boolean> hasInterpreter(byte[] head) {
        if (head.length < 64 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F'
                || head[4] != 2 || head[5] != 1) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = Short.toUnsignedInt(b.getShort(0x36));
        int phnum = Short.toUnsignedInt(b.getShort(0x38));
        for (int i = 0; i < phnum; i++) {
            long off = phoff + (long) i * phentsize;
            if (off + 4 > head.length) {
                return Optional.empty();
            }
            if (b.getInt((int) off) == 3) { // PT_INTERP
                return Optional.of(true);
            }
        }
        return Optional.of(false);
    }
}
