package dev.podlab.core.runtime.builtin;

import dev.podlab.core.oci.RuntimeSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles an OCI config.json into the shim's launch plan. Everything runc does implicitly
 * (default device nodes, /dev symlinks) is written out here, so the plan a learner reads is
 * the complete list of what happens.
 */
public final class PlanCompiler {

    /** Where the shim's output goes and which cgroups it joins; decided by the engine. */
    public record HostSide(Path rootfs, List<Path> cgroupProcsFiles, Path oomCounterFile, String oomCounterFormat,
                           Path logFile, boolean stdin, boolean stdinOnce) {
        /** stdin on /dev/null. */
        public HostSide(Path rootfs, List<Path> cgroupProcsFiles, Path oomCounterFile, String oomCounterFormat,
                        Path logFile) {
            this(rootfs, cgroupProcsFiles, oomCounterFile, oomCounterFormat, logFile, false, false);
        }
    }

    private static final Set<String> PLAN_FLAGS = Set.of("ro", "nosuid", "nodev", "noexec", "bind", "rbind",
            "private", "rprivate", "slave", "rslave", "shared", "rshared", "noatime", "relatime", "strictatime",
            "nodiratime", "sync", "dirsync");
    /** Options that only clear a flag, which a fresh mount has cleared anyway. */
    private static final Set<String> CLEARING_FLAGS = Set.of("rw", "suid", "dev", "exec", "async", "atime",
            "diratime", "norelatime", "nostrictatime", "nomand", "unbindable", "runbindable");

    /** The device nodes every container gets (path, major, minor). */
    private static final List<Object[]> DEFAULT_DEVICES = List.of(
            new Object[] {"/dev/null", 1, 3}, new Object[] {"/dev/zero", 1, 5}, new Object[] {"/dev/full", 1, 7},
            new Object[] {"/dev/random", 1, 8}, new Object[] {"/dev/urandom", 1, 9},
            new Object[] {"/dev/tty", 5, 0});

    private static final Map<String, String> DEV_SYMLINKS = new java.util.LinkedHashMap<>();

    static {
        DEV_SYMLINKS.put("/dev/fd", "/proc/self/fd");
        DEV_SYMLINKS.put("/dev/stdin", "/proc/self/fd/0");
        DEV_SYMLINKS.put("/dev/stdout", "/proc/self/fd/1");
        DEV_SYMLINKS.put("/dev/stderr", "/proc/self/fd/2");
        DEV_SYMLINKS.put("/dev/ptmx", "pts/ptmx");
    }

    private PlanCompiler() {}

    public static LaunchPlan compile(String containerId, RuntimeSpec spec, HostSide host) {
        var b = new LaunchPlan.Builder();
        b.add("version", "1");
        b.add("id", containerId);
        b.add("rootfs", host.rootfs().toString());
        RuntimeSpec.Linux linux = spec.linux();
        boolean newUts = false;
        for (RuntimeSpec.Namespace ns : linux.namespaces()) {
            if (ns.path() == null || ns.path().isEmpty()) {
                b.add("namespace", ns.type());
                newUts |= ns.type().equals("uts");
            } else {
                b.add("namespace", ns.type(), ns.path());
            }
        }
        if (newUts && spec.hostname() != null) {
            b.add("hostname", spec.hostname());
        }
        for (RuntimeSpec.Mount m : spec.mounts()) {
            addMount(b, m);
        }
        for (Object[] d : DEFAULT_DEVICES) {
            b.add("device", (String) d[0], "c", String.valueOf(d[1]), String.valueOf(d[2]), "0666", "0", "0");
        }
        if (linux.devices() != null) {
            for (RuntimeSpec.Device d : linux.devices()) {
                // The standard nodes are there already; /dev/ptmx must stay the symlink into the container's devpts.
                if (d.path().equals("/dev/ptmx") || DEFAULT_DEVICES.stream().anyMatch(x -> x[0].equals(d.path()))) {
                    continue;
                }
                b.add("device", d.path(), d.type(), String.valueOf(d.major()), String.valueOf(d.minor()),
                        Integer.toOctalString(d.fileMode() == null ? 0666 : d.fileMode()),
                        String.valueOf(d.uid() == null ? 0 : d.uid()), String.valueOf(d.gid() == null ? 0 : d.gid()));
            }
        }
        DEV_SYMLINKS.forEach((link, target) -> b.add("symlink", target, link));
        if (linux.maskedPaths() != null) {
            linux.maskedPaths().forEach(p -> b.add("masked", p));
        }
        if (linux.readonlyPaths() != null) {
            linux.readonlyPaths().forEach(p -> b.add("readonly", p));
        }
        if (spec.root().readonly() != null && spec.root().readonly()) {
            b.add("readonly-rootfs");
        }
        if (linux.sysctl() != null) {
            linux.sysctl().forEach((k, v) -> b.add("sysctl", k, v));
        }
        addProcess(b, spec.process(), linux.seccomp());
        for (Path procs : host.cgroupProcsFiles()) {
            b.add("cgroup", procs.toString());
        }
        if (host.oomCounterFile() != null) {
            b.add("oom-counter", host.oomCounterFile().toString(), host.oomCounterFormat());
        }
        addStdin(b, host.stdin(), host.stdinOnce());
        b.add("log", host.logFile().toString());
        return b.build();
    }

    /** The plan of an extra process in a running container: only process-level directives. */
    public static LaunchPlan compileExec(RuntimeSpec.Process process, RuntimeSpec.Seccomp seccomp, List<Path> cgroupProcs) {
        var b = new LaunchPlan.Builder();
        b.add("version", "1");
        addProcess(b, process, seccomp);
        for (Path procs : cgroupProcs) {
            b.add("cgroup", procs.toString());
        }
        return b.build();
    }

    private static void addProcess(LaunchPlan.Builder b, RuntimeSpec.Process p, RuntimeSpec.Seccomp seccomp) {
        if (p.terminal() != null && p.terminal()) {
            b.add("terminal");
        }
        b.add("cwd", p.cwd());
        p.env().forEach(e -> b.add("env", e));
        b.add("args", p.args());
        List<String> user = new ArrayList<>(List.of(String.valueOf(p.user().uid()), String.valueOf(p.user().gid())));
        if (p.user().additionalGids() != null) {
            p.user().additionalGids().forEach(g -> user.add(String.valueOf(g)));
        }
        b.add("user", user);
        if (p.user().umask() != null) {
            b.add("umask", String.format("%04o", p.user().umask()));
        }
        if (p.rlimits() != null) {
            for (RuntimeSpec.Rlimit r : p.rlimits()) {
                b.add("rlimit", r.type(), limit(r.soft()), limit(r.hard()));
            }
        }
        RuntimeSpec.Capabilities c = p.capabilities();
        if (c != null) {
            addCaps(b, "bounding", c.bounding());
            addCaps(b, "effective", c.effective());
            addCaps(b, "permitted", c.permitted());
            addCaps(b, "inheritable", c.inheritable());
            addCaps(b, "ambient", c.ambient());
        }
        if (p.noNewPrivileges() != null && p.noNewPrivileges()) {
            b.add("no-new-privileges");
        }
        if (p.oomScoreAdj() != null) {
            b.add("oom-score-adj", String.valueOf(p.oomScoreAdj()));
        }
        if (seccomp != null) {
            addSeccomp(b, seccomp);
        }
    }

    /** {@code stdin} or {@code stdin-once}: the shim keeps the container's stdin for attach. */
    public static void addStdin(LaunchPlan.Builder b, boolean stdin, boolean stdinOnce) {
        if (stdin && stdinOnce) {
            b.add("stdin-once");
        } else if (stdin) {
            b.add("stdin");
        }
    }

    private static String limit(long v) {
        return v < 0 ? "unlimited" : Long.toString(v);
    }

    private static void addCaps(LaunchPlan.Builder b, String set, List<String> caps) {
        List<String> args = new ArrayList<>();
        args.add(set);
        if (caps != null) {
            args.addAll(caps);
        }
        b.add("cap", args);
    }

    private static void addMount(LaunchPlan.Builder b, RuntimeSpec.Mount m) {
        List<String> flags = new ArrayList<>();
        List<String> data = new ArrayList<>();
        boolean bind = "bind".equals(m.type());
        if (m.options() != null) {
            for (String o : m.options()) {
                if (PLAN_FLAGS.contains(o)) {
                    flags.add(o);
                    bind |= o.equals("bind") || o.equals("rbind");
                } else if (!CLEARING_FLAGS.contains(o)) {
                    data.add(o);
                }
            }
        }
        if (bind && !flags.contains("bind") && !flags.contains("rbind")) {
            flags.add(0, "rbind");
        }
        String type = bind ? "bind" : m.type();
        List<String> args = new ArrayList<>(List.of(m.source() == null ? "none" : m.source(), m.destination(), type,
                flags.isEmpty() ? "-" : String.join(",", flags)));
        if (!data.isEmpty()) {
            args.add(String.join(",", data));
        }
        b.add("mount", args);
    }

    private static void addSeccomp(LaunchPlan.Builder b, RuntimeSpec.Seccomp s) {
        List<String> def = new ArrayList<>(List.of(action(s.defaultAction())));
        if (s.defaultErrnoRet() != null) {
            def.add(String.valueOf(s.defaultErrnoRet()));
        } else if (s.defaultAction().equals("SCMP_ACT_ERRNO")) {
            def.add("1");
        }
        b.add("seccomp-default", def);
        if (s.architectures() != null) {
            for (String arch : s.architectures()) {
                String a = arch.replace("SCMP_ARCH_", "").toLowerCase();
                if (!a.equals("x86_64")) {
                    b.add("seccomp-arch", a);
                }
            }
        }
        for (RuntimeSpec.Syscall sc : s.syscalls()) {
            String action = action(sc.action());
            String errno = String.valueOf(sc.errnoRet() == null ? (action.equals("errno") ? 1 : 0) : sc.errnoRet());
            for (String name : sc.names()) {
                List<String> args = new ArrayList<>(List.of(action, errno, name));
                if (sc.args() != null) {
                    for (RuntimeSpec.SyscallArg a : sc.args()) {
                        args.add(String.valueOf(a.index()));
                        args.add(a.op().replace("SCMP_CMP_", "").toLowerCase());
                        args.add(Long.toUnsignedString(a.value()));
                        if (a.valueTwo() != null) {
                            args.add(Long.toUnsignedString(a.valueTwo()));
                        }
                    }
                }
                b.add("seccomp", args);
            }
        }
    }

    static String action(String oci) {
        return switch (oci) {
            case "SCMP_ACT_ALLOW" -> "allow";
            case "SCMP_ACT_ERRNO" -> "errno";
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> "kill-thread";
            case "SCMP_ACT_KILL_PROCESS" -> "kill-process";
            case "SCMP_ACT_TRAP" -> "trap";
            case "SCMP_ACT_LOG" -> "log";
            default -> throw new IllegalArgumentException("failed to compile seccomp action " + oci
                    + ": the built-in runtime does not support it");
        };
    }
}
