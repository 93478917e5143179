package dev.podlab.core.host;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupException;
import dev.podlab.core.cgroup.CgroupLayout;
import dev.podlab.core.cgroup.CgroupVersion;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** A host made of maps: starts as a healthy cgroup v2 root host with everything installed; tests take pieces away. */
final class FakeHostProbe implements HostProbe {
    static final Path CG = Path.of("/sys/fs/cgroup");

    String kernel = "6.1.0-18-amd64";
    CgroupLayout layout = v2("cpu", "memory", "pids", "io");
    final Map<Path, String> files = new HashMap<>();
    final Map<Path, byte[]> heads = new HashMap<>();
    final Map<Path, List<String>> dirs = new HashMap<>();
    final Set<Path> existing = new HashSet<>();
    final Set<Path> executables = new HashSet<>();
    final Set<Path> readOnly = new HashSet<>();
    final Map<String, Path> path = new HashMap<>();
    final Map<String, CommandResult> commands = new HashMap<>();
    long freeBytes = 50L << 30;
    int euid = 0;

    FakeHostProbe() {
        dirs.put(Path.of("/proc/self/ns"), List.of("cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                "time_for_children", "user", "uts"));
        files.put(CG.resolve("cgroup.subtree_control"), "cpu io memory pids\n");
        files.put(Path.of("/proc/filesystems"), "nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n");
        files.put(Path.of("/proc/self/status"), "Name:\tjava\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n"
                + "Seccomp:\t0\nSeccomp_filters:\t0\n");
        files.put(Path.of("/proc/sys/kernel/seccomp/actions_avail"), "kill_process kill_thread trap errno user_notif trace log allow\n");
        files.put(Path.of("/proc/self/limits"), "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max processes             96364                96364                processes \n"
                + "Max open files            1024                 524288               files     \n");
        existing.add(Path.of("/dev/kvm"));
        for (String p : List.of("bridge", "host-local", "portmap", "loopback")) {
            executables.add(Path.of("/usr/lib/cni", p));
        }
        existing.add(Path.of("/etc/cni/net.d"));
        dirs.put(Path.of("/etc/cni/net.d"), List.of("10-podlab.conflist"));
        tool("runc", "/usr/sbin/runc", "runc version 1.1.12\ncommit: v1.1.12\nspec: 1.0.2-dev");
        tool("crun", "/usr/bin/crun", "crun version 1.14.1\ncommit: abc\nspec: 1.0.0");
        tool("youki", "/usr/bin/youki", "youki version 0.3.3");
        tool("qemu-system-x86_64", "/usr/bin/qemu-system-x86_64", "QEMU emulator version 7.2.9");
        tool("skopeo", "/usr/bin/skopeo", "skopeo version 1.9.3");
        tool("umoci", "/usr/bin/umoci", "umoci version 0.4.7");
        executables.add(Path.of("/bin/busybox"));
        heads.put(Path.of("/bin/busybox"), elf(false));
        existing.add(Path.of("/var/lib"));
        existing.add(Path.of("/var/lib/podlab"));
        existing.add(Path.of("/lib/systemd/system/podlab-engine.service"));
        existing.add(Path.of("/etc/systemd/system/multi-user.target.wants/podlab-engine.service"));
    }

    void tool(String name, String at, String versionOutput) {
        path.put(name, Path.of(at));
        commands.put(at + " --version", new CommandResult(0, versionOutput));
    }

    void status(String key, String value) {
        Path p = Path.of("/proc/self/status");
        String s = files.get(p).replaceAll("(?m)^" + key + ":.*$", key + ":\t" + value);
        files.put(p, s);
    }

    static CgroupLayout v2(String... controllers) {
        Map<String, Path> m = new LinkedHashMap<>();
        m.put(Cgroup.UNIFIED, CG);
        for (String c : controllers) {
            m.put(c, CG);
        }
        return new CgroupLayout(CgroupVersion.V2, false, CG, m);
    }

    static CgroupLayout v1(boolean hybrid, String... controllers) {
        Map<String, Path> m = new LinkedHashMap<>();
        for (String c : controllers) {
            m.put(c, CG.resolve(c));
        }
        if (hybrid) {
            m.put(Cgroup.UNIFIED, CG.resolve("unified"));
        }
        return new CgroupLayout(CgroupVersion.V1, hybrid, CG, m);
    }

    /** A minimal ELF64 LE header with one program header: PT_INTERP when dynamic, PT_LOAD otherwise. */
    static byte[] elf(boolean dynamic) {
        byte[] b = new byte[64 + 56];
        b[0] = 0x7f;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        b[4] = 2;
        b[5] = 1;
        b[0x20] = 64; // e_phoff
        b[0x36] = 56; // e_phentsize
        b[0x38] = 1;  // e_phnum
        b[64] = (byte) (dynamic ? 3 : 1);
        return b;
    }

    @Override
    public String kernelRelease() {
        return kernel;
    }

    @Override
    public CgroupLayout cgroupLayout() {
        if (layout == null) {
            throw new CgroupException("detect", "cgroup layout at " + CG, "found nothing");
        }
        return layout;
    }

    @Override
    public Optional<String> readFile(Path file) {
        return Optional.ofNullable(files.get(file));
    }

    @Override
    public Optional<byte[]> readHead(Path file, int max) {
        return Optional.ofNullable(heads.get(file));
    }

    @Override
    public List<String> list(Path dir) {
        return dirs.getOrDefault(dir, List.of());
    }

    @Override
    public boolean exists(Path p) {
        return existing.contains(p) || executables.contains(p) || files.containsKey(p) || dirs.containsKey(p);
    }

    @Override
    public boolean isReadable(Path p) {
        return exists(p);
    }

    @Override
    public boolean isWritable(Path p) {
        return exists(p) && !readOnly.contains(p);
    }

    @Override
    public boolean isExecutable(Path p) {
        return executables.contains(p);
    }

    @Override
    public Optional<Path> which(String command) {
        return Optional.ofNullable(path.get(command));
    }

    @Override
    public CommandResult run(List<String> argv) {
        return commands.getOrDefault(String.join(" ", argv), new CommandResult(-1, "not found"));
    }

    @Override
    public OptionalLong usableSpace(Path p) {
        return OptionalLong.of(freeBytes);
    }

    @Override
    public int euid() {
        return euid;
    }
}
