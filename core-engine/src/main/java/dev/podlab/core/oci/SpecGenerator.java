package dev.podlab.core.oci;

import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.cgroup.CgroupVersion;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.SecurityOptions;
import dev.podlab.core.container.VolumeMount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link ContainerConfig} into the OCI config.json every runtime receives, with
 * the security defaults trusted runtimes promise (DESIGN.md "Security defaults").
 */
public final class SpecGenerator {

    /** Docker's and containerd's default capability set. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
            "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Every capability of Linux 5.9 and later (CAP_CHECKPOINT_RESTORE = 40), for privileged containers. */
    public static final List<String> ALL_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
            "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    public static final List<String> MASKED_PATHS = List.of(
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware");

    public static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    public static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The value Docker gives RLIMIT_NOFILE; clamped to what this host allows. */
    public static final long WANTED_NOFILE = 1_048_576L;

    /** Facts about the host the spec is generated for. */
    public record HostFacts(CgroupVersion cgroupVersion, long nofileHardLimit) {}

    /** The document plus what could not be given as asked. */
    public record Result(RuntimeSpec spec, List<String> warnings) {}

    /** Where privileged containers' device nodes come from. */
    static final Path HOST_DEV = Path.of("/dev");

    private final HostFacts host;

    public SpecGenerator(HostFacts host) {
        this.host = host;
    }

    public Result generate(String containerId, ContainerConfig config, String rootfsPath, String cgroupsPath) {
        List<String> warnings = new ArrayList<>();
        long nofile = WANTED_NOFILE;
        if (host.nofileHardLimit() >= 0 && nofile > host.nofileHardLimit()) {
            warnings.add("RLIMIT_NOFILE " + WANTED_NOFILE + " exceeds this host's hard limit; clamped to "
                    + host.nofileHardLimit() + " (podlab lacks CAP_SYS_RESOURCE to raise it)");
            nofile = host.nofileHardLimit();
        }
        List<String> env = new ArrayList<>();
        if (config.env().stream().noneMatch(e -> e.startsWith("PATH="))) {
            env.add(DEFAULT_PATH);
        }
        String hostname = config.hostname() != null ? config.hostname() : containerId.substring(0, 12);
        if (config.terminal() && config.env().stream().noneMatch(e -> e.startsWith("TERM="))) {
            env.add("TERM=xterm");
        }
        env.add("HOSTNAME=" + hostname);
        env.addAll(config.env());

        SecurityOptions sec = config.security();
        List<String> capList = capabilities(sec);
        var caps = new RuntimeSpec.Capabilities(capList, capList, null, capList, null);
        var process = new RuntimeSpec.Process(
                config.terminal() ? Boolean.TRUE : null,
                new RuntimeSpec.User(config.uid(), config.gid(), null,
                        config.supplementaryGroups().isEmpty() ? null : config.supplementaryGroups()),
                config.command(),
                env,
                config.workingDir(),
                caps,
                List.of(new RuntimeSpec.Rlimit("RLIMIT_NOFILE", nofile, nofile)),
                sec.noNewPrivileges() && !sec.privileged(),
                null);

        return new Result(new RuntimeSpec(
                RuntimeSpec.OCI_VERSION,
                process,
                new RuntimeSpec.Root(rootfsPath, config.readOnlyRootfs() ? Boolean.TRUE : null),
                hostname,
                mounts(config),
                annotations(config),
                linux(config, cgroupsPath, capList)), List.copyOf(warnings));
    }

    private List<RuntimeSpec.Mount> mounts(ContainerConfig config) {
        List<RuntimeSpec.Mount> m = new ArrayList<>();
        m.add(new RuntimeSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        m.add(new RuntimeSpec.Mount("/dev", "tmpfs", "tmpfs",
                List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        m.add(new RuntimeSpec.Mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        m.add(new RuntimeSpec.Mount("/dev/shm", "tmpfs", "shm",
                List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        m.add(new RuntimeSpec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        m.add(new RuntimeSpec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        if (host.cgroupVersion() == CgroupVersion.V2) {
            m.add(new RuntimeSpec.Mount("/sys/fs/cgroup", "cgroup2", "cgroup",
                    List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        }
        for (VolumeMount v : config.volumes()) {
            List<String> opts = new ArrayList<>(List.of("rbind", "rprivate"));
            opts.add(v.readOnly() ? "ro" : "rw");
            m.add(new RuntimeSpec.Mount(v.destination(), "bind", v.source().toString(), opts));
        }
        return List.copyOf(m);
    }

    private static Map<String, String> annotations(ContainerConfig config) {
        Map<String, String> a = new LinkedHashMap<>();
        if (config.name() != null) {
            a.put("dev.podlab.container.name", config.name());
        }
        config.labels().forEach((k, v) -> a.put("dev.podlab.label." + k, v));
        return a.isEmpty() ? null : a;
    }

    /** The default set, minus drops (ALL: everything), plus adds; a privileged container gets every capability. */
    static List<String> capabilities(SecurityOptions sec) {
        if (sec.privileged()) {
            return ALL_CAPABILITIES;
        }
        List<String> caps = new ArrayList<>(sec.capDrop().contains("ALL") ? List.of() : DEFAULT_CAPABILITIES);
        caps.removeAll(sec.capDrop());
        for (String add : sec.capAdd()) {
            for (String c : add.equals("ALL") ? ALL_CAPABILITIES : List.of(add)) {
                if (!caps.contains(c)) {
                    caps.add(c);
                }
            }
        }
        return List.copyOf(caps);
    }

    private RuntimeSpec.Linux linux(ContainerConfig config, String cgroupsPath, List<String> caps) {
        SecurityOptions sec = config.security();
        List<RuntimeSpec.Namespace> ns = new ArrayList<>();
        for (String type : List.of("pid", "network", "ipc", "uts", "mount")) {
            ns.add(new RuntimeSpec.Namespace(type, config.namespacePaths().get(type)));
        }
        if (host.cgroupVersion() == CgroupVersion.V2) {
            ns.add(new RuntimeSpec.Namespace("cgroup", config.namespacePaths().get("cgroup")));
        }
        RuntimeSpec.Resources res = resources(config.resources());
        if (sec.privileged()) {
            // Every device may be opened (the nodes themselves are still only the standard ones in /dev).
            res = new RuntimeSpec.Resources(List.of(new RuntimeSpec.DeviceRule(true, null, null, null, "rwm")),
                    res.memory(), res.cpu(), res.pids());
        }
        return new RuntimeSpec.Linux(
                List.copyOf(ns),
                res,
                cgroupsPath,
                sec.sysctls().isEmpty() ? null : new java.util.TreeMap<>(sec.sysctls()),
                seccomp(sec, caps),
                sec.privileged() ? null : MASKED_PATHS,
                sec.privileged() ? null : READONLY_PATHS,
                // As runc and containerd do for privileged: the host's device nodes (the cgroup allows them all).
                sec.privileged() ? HostDevices.scan(HOST_DEV) : null,
                null);
    }

    /** No filter for privileged or Unconfined; the file's profile for Localhost; else RuntimeDefault. */
    private static RuntimeSpec.Seccomp seccomp(SecurityOptions sec, List<String> caps) {
        if (sec.privileged() || sec.seccomp().equals(SecurityOptions.UNCONFINED)) {
            return null;
        }
        if (sec.seccomp().equals(SecurityOptions.LOCALHOST)) {
            return LocalhostSeccomp.load(Path.of(sec.localhostProfile()), caps);
        }
        return DefaultSeccomp.profile(caps);
    }

    /** Only what was asked for is written, so the document shows the user's limits and nothing else. */
    static RuntimeSpec.Resources resources(CgroupResources r) {
        RuntimeSpec.Memory memory = r.memoryLimitBytes() == null && r.memorySwapLimitBytes() == null ? null
                : new RuntimeSpec.Memory(r.memoryLimitBytes(), null, r.memorySwapLimitBytes());
        RuntimeSpec.Cpu cpu = r.cpuShares() == null && r.cpuQuotaMicros() == null ? null
                : new RuntimeSpec.Cpu(r.cpuShares(), r.cpuQuotaMicros(),
                        r.cpuQuotaMicros() == null ? null : (r.cpuPeriodMicros() == null ? 100_000L : r.cpuPeriodMicros()),
                        null, null);
        RuntimeSpec.Pids pids = r.pidsLimit() == null ? null : new RuntimeSpec.Pids(r.pidsLimit());
        // The devices cgroup list every runtime applies: deny all, then the standard nodes.
        List<RuntimeSpec.DeviceRule> devices = List.of(
                new RuntimeSpec.DeviceRule(false, null, null, null, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 1L, 3L, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 1L, 5L, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 1L, 7L, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 1L, 8L, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 1L, 9L, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 5L, 0L, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 5L, 2L, "rwm"),
                new RuntimeSpec.DeviceRule(true, "c", 136L, null, "rwm"));
        return new RuntimeSpec.Resources(devices, memory, cpu, pids);
    }
}
