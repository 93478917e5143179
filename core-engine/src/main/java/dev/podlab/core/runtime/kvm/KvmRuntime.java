package dev.podlab.core.runtime.kvm;

import dev.podlab.core.PodlabException;
import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.cgroup.CgroupStats;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.metrics.StatsSource;
import dev.podlab.core.oci.RuntimeSpec;
import dev.podlab.core.runtime.RuntimeHandler;
import dev.podlab.core.runtime.RuntimeInfo;
import dev.podlab.core.runtime.SandboxVm;
import dev.podlab.core.runtime.builtin.LaunchPlan;
import dev.podlab.core.runtime.builtin.PlanCompiler;
import dev.podlab.core.runtime.builtin.SeccompCache;
import dev.podlab.core.runtime.builtin.ShimClient;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code kvm} runtime: each pod sandbox (or lone container) runs in its own QEMU micro-VM
 * with its own kernel; inside, podlab-shim is the guest agent and runs every container with the
 * same launch-plan code as on the host (docs/kvm.md). The container directory is shared into the
 * guest over virtio-9p, so the CRI log and {@code exit.json} land where the engine reads them
 * for native containers; create, start, kill, exec (with stdin and a terminal), attach, stats,
 * reopen-log, ping and shutdown travel over a virtio-serial line protocol. The VM is keyed by the container's cgroup parent when that is a
 * pod cgroup ({@code pod-*}), else by the container; it stops when its last container is deleted.
 */
public final class KvmRuntime implements RuntimeHandler {
    /** The handler kind and default runtime class name. */
    public static final String NAME = "kvm";
    /** Where the agent mounts the share in the guest. */
    static final String GUEST_SHARE = "/podlab";
    static final String GUEST_CGROUP = "/sys/fs/cgroup/podlab";

    /** The catalog's verdict on this runtime. */
    public record Verdict(boolean works, String reason, String accel) {}

    private final String name;
    private final Path shim;
    private final SeccompCache seccomp;
    private final CgroupManager cgroups;
    private final KvmOptions options;
    private final Path kvmRoot;
    private final Path qemuBinary;
    private final Map<String, KvmVm> vms = new ConcurrentHashMap<>();
    private final Map<String, Object> bootLocks = new ConcurrentHashMap<>();
    private volatile Verdict verdict;
    /** Set by {@link #detach}: this engine is exiting and neither adopts VMs nor judges them dead any more. */
    private volatile boolean detached;
    private volatile String version;

    /**
     * @param seccomp where filters are compiled once (natively, by {@code shim}) and kept; guests load
     *                them from the share instead of compiling them under emulation
     */
    public KvmRuntime(String name, Path shim, SeccompCache seccomp, Path stateRoot, CgroupManager cgroups,
                      KvmOptions options) {
        this.name = name;
        this.shim = shim;
        this.seccomp = seccomp;
        this.cgroups = cgroups;
        this.options = options;
        this.kvmRoot = stateRoot.resolve("kvm");
        this.qemuBinary = options.qemu() != null ? options.qemu() : findQemu().orElse(Path.of("qemu-system-x86_64"));
    }

    static final Path KSM_RUN = Path.of("/sys/kernel/mm/ksm/run");

    /**
     * Option {@code ksm: on}: the host's KSM merges identical pages of the VMs (QEMU marks guest RAM
     * mergeable; PVH-booted guests hold their kernels at the same addresses). Turned on when off, never
     * off again (other users of the host may rely on it). Returns what happened, for the trace.
     */
    static String ksmOn(Path run) {
        try {
            String now = Files.readString(run).strip();
            if (now.equals("1")) {
                return "the host's KSM is on: identical guest pages are shared between VMs";
            }
            Files.writeString(run, "1");
            return "turned the host's KSM on (it was " + now + "; option ksm: on): identical guest pages are shared "
                    + "between VMs";
        } catch (IOException e) {
            return "KSM not turned on: " + PodlabException.describe(e);
        }
    }

    /** qemu-system-x86_64 on PATH or in /usr/bin. */
    public static Optional<Path> findQemu() {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        dirs.add(Path.of("/usr/bin"));
        return dirs.stream().map(d -> d.resolve("qemu-system-x86_64")).filter(Files::isExecutable).findFirst();
    }

    @Override
    public RuntimeInfo info() {
        return new RuntimeInfo(name, NAME, qemuBinary, qemuVersion());
    }

    /** QEMU's version line, asked once per engine (info() is read on every create). */
    private String qemuVersion() {
        String v = version;
        if (v == null) {
            v = askQemuVersion();
            version = v;
        }
        return v;
    }

    private String askQemuVersion() {
        try {
            Process p = new ProcessBuilder(qemuBinary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("unknown").strip();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The guest kernel this runtime boots, if there is one. */
    public Optional<GuestKernel> kernel() {
        if (options.kernel() != null) {
            return GuestKernel.of(options.kernel(), Path.of("/lib/modules"));
        }
        return GuestKernel.discover(Path.of("/boot"), Path.of("/lib/modules"));
    }

    /**
     * Whether VMs can run here and with which accelerator: QEMU present, a kernel with its
     * modules, and the accelerator verdict (a bounded KVM test boot when {@code /dev/kvm} is
     * there, cached in {@code <root>/kvm/accel.json}). Computed once per engine.
     */
    public Verdict verdict() {
        Verdict v = verdict;
        if (v == null) {
            synchronized (this) {
                if (verdict == null) {
                    verdict = computeVerdict();
                }
                v = verdict;
            }
        }
        return v;
    }

    private Verdict computeVerdict() {
        if (!Files.isExecutable(qemuBinary)) {
            return new Verdict(false, "QEMU " + qemuBinary + " not found (apt-get install qemu-system-x86)", null);
        }
        Optional<GuestKernel> k = kernel();
        if (k.isEmpty()) {
            return new Verdict(false, options.kernel() != null ? "kernel " + options.kernel()
                    + " is not a readable vmlinuz-RELEASE with /lib/modules/RELEASE" : "no guest kernel: no "
                    + "/boot/vmlinuz-* with its /lib/modules (apt-get install linux-image-amd64)", null);
        }
        String key;
        try {
            key = qemuBinary + ":" + Files.size(qemuBinary) + ":" + Files.getLastModifiedTime(qemuBinary).toMillis()
                    + " " + k.get().image() + ":" + k.get().release();
        } catch (IOException e) {
            key = qemuBinary + " " + k.get().image();
        }
        Accelerator.Verdict a = Accelerator.decide(options.accel(), Path.of("/dev/kvm"),
                kvmRoot.resolve("accel.json"), key, () -> probeKvm(k.get()));
        return new Verdict(true, qemuVersion() + ", guest kernel " + k.get().release() + "; accelerator " + a.reason()
                + (options.template() ? "; VMs are restored from templates frozen at the agent's hello (option template)"
                : "; every VM boots (template: off)"), a.accel());
    }

    /** A bounded test boot under KVM; null when the agent said hello. */
    private String probeKvm(GuestKernel kernel) {
        Path dir = kvmRoot.resolve("vms").resolve("probe-" + rand());
        try {
            Files.createDirectories(dir);
            Path initramfs = new InitramfsBuilder(kvmRoot).build(shim, kernel, InitramfsBuilder.DEFAULT_MODULES).file();
            VmConfig cfg = new VmConfig(qemuBinary, BootImage.prepare(kernel, kvmRoot, options.directBoot()).kernel(),
                    initramfs, "kvm", 128, 1, KvmVm.shareOf(dir),
                    dir.resolve("ctl.sock"), dir.resolve("console.log"), 0, null, null);
            KvmVm vm = KvmVm.boot("probe", dir, cfg, null, new KvmVm.GuestSetup("probe", null), Duration.ofSeconds(20),
                    pid -> { }, new ArrayList<>());
            vm.shutdown(Duration.ofSeconds(5));
            return null;
        } catch (IOException | RuntimeException e) {
            return PodlabException.describe(e);
        } finally {
            deleteVmDir(dir);
        }
    }

    @Override
    public void check(ContainerConfig request) {
        Verdict v = verdict();
        if (!v.works()) {
            throw new ContainerException("failed to use runtime " + name + ": " + v.reason());
        }
    }

    /** The guest shim holds the log open (through 9p): the agent forwards {@code reopen-log} to it. */
    @Override
    public void reopenLog(Target t) {
        KvmVm vm = requireVm(t, "reopen the log of");
        AgentProtocol.Reply r = vm.agent.call("reopen-log", List.of(t.id()), Duration.ofSeconds(30), p -> { });
        if (!r.kind().equals("ok")) {
            throw new ContainerException("failed to reopen the log of container " + t.name() + ": " + r.message());
        }
    }

    /** Through the agent to the guest shim's attach (docs/kvm.md, "Interactive exec and attach"). */
    @Override
    public dev.podlab.core.runtime.AttachSession attach(Target t, dev.podlab.core.runtime.AttachSession.Listener listener) {
        KvmVm vm = requireVm(t, "attach to");
        return KvmAttach.open(vm.agent, t.id(), t.name(), listener, Duration.ofSeconds(60));
    }

    // ---- create -------------------------------------------------------------------------------

    /** In a container directory: the guest pid of its init, when it owns its pid namespace. */
    private static final String GUEST_INIT_PID = "guest.initpid";

    @Override
    public Created create(Launch l) {
        String id = l.target().id();
        List<TraceEvent> steps = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String cgroupsPath = l.spec().linux().cgroupsPath();
        KvmVm vm = vmFor(vmKey(cgroupsPath, id), l.spec(), cgroupsPath, steps);
        Path containerDir = l.target().dir();
        KvmVm.bind(vm.share, containerDir, "c/" + id);
        String guestDir = GUEST_SHARE + "/c/" + id;
        String guestRootfs = guestPath(l.rootfs(), containerDir, guestDir, vm, "r/" + id);
        String guestLog;
        if (l.logFile().startsWith(containerDir)) {
            guestLog = guestDir + "/" + containerDir.relativize(l.logFile());
        } else {
            KvmVm.bind(vm.share, l.logFile().getParent(), "l/" + id);
            guestLog = GUEST_SHARE + "/l/" + id + "/" + l.logFile().getFileName();
        }
        String cg = GUEST_CGROUP + "/" + id;
        LaunchPlan hostPlan = PlanCompiler.compile(id, l.spec(), new PlanCompiler.HostSide(Path.of(guestRootfs),
                List.of(Path.of(cg, "cgroup.procs")), Path.of(cg, "memory.events"), "v2", Path.of(guestLog), l.stdin(),
                l.stdinOnce()));
        boolean joinsPid = l.spec().linux().namespaces().stream()
                .anyMatch(n -> n.type().equals("pid") && n.path() != null && !n.path().isEmpty());
        GuestPlan plan = GuestPlan.translate(hostPlan, id, GUEST_SHARE, joinsPid ? sharedPidNamespace(vm) : null);
        for (GuestPlan.ShareBind b : plan.binds()) {
            KvmVm.bind(vm.share, b.hostSource(), b.shareRelative());
        }
        LaunchPlan guestPlan = withNativeFilter(plan.plan(), vm, steps, warnings);
        try {
            AtomicFiles.write(containerDir.resolve("guest.plan"), guestPlan.render().getBytes(StandardCharsets.UTF_8),
                    false);
            AtomicFiles.write(containerDir.resolve("guest.cgroup"), guestCgroup(l.spec().linux().resources())
                    .getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            throw new ContainerException(PodlabException.failed("write the guest plan of container",
                    l.target().name(), e), e);
        }
        long wall = TraceEvent.Clock.nowNanos();
        long t0 = System.nanoTime();
        AgentProtocol.Reply r = vm.agent.call("create", List.of(id), Duration.ofSeconds(120), p -> {
            if (p.kind().equals("step")) {
                steps.add(guestStep(p.text()));
            } else if (p.kind().equals("warn")) {
                warnings.add(p.message());
            }
        });
        if (!r.kind().equals("ok")) {
            String why = r.message();
            throw new ContainerException("failed to create container " + l.target().name() + " in VM " + vm.key + ": "
                    + why, null, why.contains("not found in $PATH") ? 127 : why.contains("ermission denied") ? 126 : 125);
        }
        steps.add(new TraceEvent(wall, System.nanoTime() - t0, "kvm", "container create", "guest agent ran "
                + "podlab-shim create in VM " + vm.key));
        // Guest pids mean nothing on the host (the engine would find some other process there):
        // the record gets 0, the trace the guest's numbers.
        String[] pids = r.text().split(" ");
        steps.add(TraceEvent.instant("guest", "created", "guest init pid " + pids[0] + ", guest shim pid " + pids[1]
                + " in VM " + vm.key + " (QEMU pid " + vm.qemu.pid() + ")"));
        if (!joinsPid) {
            try {
                // Names the pid namespace this container owns, for the pod's containers that join it.
                AtomicFiles.write(containerDir.resolve(GUEST_INIT_PID), pids[0].getBytes(StandardCharsets.US_ASCII),
                        false);
            } catch (IOException e) {
                warnings.add("cannot record the guest init pid (shareProcessNamespace will not find it): "
                        + e.getMessage());
            }
        }
        return new Created(0, 0, steps, warnings);
    }

    /**
     * The plan with its seccomp filter compiled here, natively, and handed to the guest through the share
     * ({@code s/<program>.bpf}): libseccomp takes ~100 ms per container in a TCG guest and a few ms on the
     * host, where the program is also cached for every later container and exec with the same rules. The
     * plan's {@code seccomp-bpf} line names the guest's copy. Unchanged without a filter; when the host
     * cannot compile it, the guest compiles it as before ({@code warnings} say why when given).
     */
    private LaunchPlan withNativeFilter(LaunchPlan plan, KvmVm vm, List<TraceEvent> steps, List<String> warnings) {
        LaunchPlan attached = seccomp.attach(plan);
        if (attached == plan) {
            return plan;
        }
        long wall = TraceEvent.Clock.nowNanos();
        long t0 = System.nanoTime();
        Path program = SeccompCache.programOf(attached).orElseThrow();
        boolean cached = Files.isRegularFile(program);
        String shared = "s/" + program.getFileName();
        try {
            seccomp.compile(attached, shim);
            Path target = vm.share.resolve(shared);
            if (!Files.isRegularFile(target)) {
                Files.createDirectories(target.getParent());
                AtomicFiles.write(target, Files.readAllBytes(program), false);
            }
        } catch (IOException | RuntimeException e) {
            if (warnings != null) {
                warnings.add("the seccomp filter is compiled in the guest: " + e.getMessage());
            }
            return plan;
        }
        if (steps != null) {
            steps.add(new TraceEvent(wall, System.nanoTime() - t0, "kvm", "seccomp filter", (cached
                    ? "reused from the host's cache" : "compiled natively by podlab-shim") + "; the guest loads "
                    + GUEST_SHARE + "/" + shared + " instead of compiling it under emulation"));
        }
        List<LaunchPlan.Directive> out = new ArrayList<>(plan.directives());
        out.add(new LaunchPlan.Directive("seccomp-bpf", List.of(GUEST_SHARE + "/" + shared)));
        return new LaunchPlan(out);
    }

    /**
     * The guest path of the pid namespace a container of this VM joins (a shareProcessNamespace pod:
     * the host spec joins {@code /proc/<init pid>/ns/pid} of the pod's first app container, whose
     * host pid the record does not have): the namespace of the VM's earliest-created container that
     * owns one and has not exited, as the pod worker picks the first app container on the host.
     * Null when there is none (the container gets a namespace of its own).
     */
    private static String sharedPidNamespace(KvmVm vm) {
        long best = Long.MAX_VALUE;
        try (Stream<Path> dirs = Files.list(vm.share.resolve("c"))) {
            for (Path d : dirs.toList()) {
                try {
                    if (!Files.exists(d.resolve("exit.json"))) {
                        best = Math.min(best, Long.parseLong(Files.readString(d.resolve(GUEST_INIT_PID)).strip()));
                    }
                } catch (IOException | NumberFormatException e) {
                    // Not a pid namespace owner (or not created yet).
                }
            }
        } catch (IOException e) {
            return null;
        }
        // Guest pids only grow within one boot (pid_max is far away for a sandbox's few processes).
        return best == Long.MAX_VALUE ? null : "/proc/" + best + "/ns/pid";
    }

    private static String guestPath(Path host, Path containerDir, String guestDir, KvmVm vm, String shareRel) {
        if (host.startsWith(containerDir)) {
            return guestDir + "/" + containerDir.relativize(host);
        }
        KvmVm.bind(vm.share, host, shareRel);
        return GUEST_SHARE + "/" + shareRel;
    }

    /** "pod-…" parents are pods: their containers share one VM. */
    static String vmKey(String cgroupsPath, String containerId) {
        if (cgroupsPath != null) {
            Path p = Path.of(cgroupsPath).getParent();
            if (p != null && p.getFileName() != null && p.getFileName().toString().startsWith("pod-")) {
                return p.getFileName().toString();
            }
        }
        return "c-" + containerId.substring(0, Math.min(12, containerId.length()));
    }

    /** The guest cgroup's limits, one "FILE VALUE" line each (cgroup v2 names). */
    static String guestCgroup(RuntimeSpec.Resources res) {
        StringBuilder sb = new StringBuilder();
        if (res == null) {
            return "";
        }
        if (res.memory() != null && res.memory().limit() != null && res.memory().limit() > 0) {
            sb.append("memory.max ").append(res.memory().limit()).append('\n');
            // No swap in the guest anyway; say so explicitly, as runc does for limit == swap.
            sb.append("memory.swap.max 0\n");
        }
        if (res.cpu() != null) {
            if (res.cpu().quota() != null && res.cpu().quota() > 0) {
                long period = res.cpu().period() != null ? res.cpu().period() : CgroupResources.DEFAULT_CPU_PERIOD_MICROS;
                sb.append("cpu.max ").append(res.cpu().quota()).append(' ').append(period).append('\n');
            }
            if (res.cpu().shares() != null) {
                sb.append("cpu.weight ").append(CgroupResources.cpuSharesToWeight(res.cpu().shares())).append('\n');
            }
        }
        if (res.pids() != null && res.pids().limit() > 0) {
            sb.append("pids.max ").append(res.pids().limit()).append('\n');
        }
        return sb.toString();
    }

    static TraceEvent guestStep(String text) {
        String[] f = text.split(" ");
        try {
            return new TraceEvent(Long.parseLong(f[1]), Long.parseLong(f[2]), "guest", f[0], "inside the VM");
        } catch (RuntimeException e) {
            return TraceEvent.instant("guest", f[0], text);
        }
    }

    /** The running VM for {@code key}, booted (with its initramfs built or reused) when there is none. */
    private KvmVm vmFor(String key, RuntimeSpec spec, String cgroupsPath, List<TraceEvent> steps) {
        synchronized (bootLocks.computeIfAbsent(key, k -> new Object())) {
            KvmVm vm = vms.get(key);
            Path dir = kvmRoot.resolve("vms").resolve(key);
            if (vm == null && Files.exists(dir.resolve("vm.json"))) {
                // Started by an earlier engine: reconnect rather than boot a second VM for the pod.
                vm = KvmVm.adopt(dir).orElse(null);
                if (vm != null) {
                    track(vm);
                }
            }
            if (vm != null && vm.alive()) {
                steps.add(TraceEvent.instant("kvm", "reuse VM", "VM " + key + " (QEMU pid " + vm.qemu.pid() + ", "
                        + vm.accel + ") already runs this pod"));
                return vm;
            }
            if (vm != null) {
                stopVm(vm);
            }
            Verdict v = verdict();
            GuestKernel kernel = kernel().orElseThrow(() -> new KvmException("failed to boot VM " + key + ": "
                    + v.reason()));
            steps.add(TraceEvent.instant("kvm", "accelerator", v.accel() + ": " + v.reason()));
            if (options.ksm()) {
                steps.add(TraceEvent.instant("kvm", "ksm", ksmOn(KSM_RUN)));
            }
            long kw = TraceEvent.Clock.nowNanos();
            long k0 = System.nanoTime();
            BootImage.Prepared boot = BootImage.prepare(kernel, kvmRoot, options.directBoot());
            steps.add(new TraceEvent(kw, System.nanoTime() - k0, "kvm", boot.reused() ? "reuse kernel"
                    : "prepare kernel", boot.detail()));
            long wall = TraceEvent.Clock.nowNanos();
            long t0 = System.nanoTime();
            InitramfsBuilder.Result ird = new InitramfsBuilder(kvmRoot).build(shim, kernel,
                    InitramfsBuilder.DEFAULT_MODULES);
            steps.add(new TraceEvent(wall, System.nanoTime() - t0, "kvm", ird.reused() ? "reuse initramfs"
                    : "build initramfs", ird.file() + " (podlab-shim as /init, modules " + String.join(" ",
                    ird.modules()) + ")"));
            int memoryMiB = vmMemoryMiB(workloadMiB(spec, cgroupsPath), options.overheadMiB());
            int vcpus = vcpus(spec);
            // What a dead VM left goes: its QEMU (if somehow alive) is killed, its share unbound.
            resetVmDir(dir, cgroupsPath, key);
            String qemuCgroup = qemuCgroup(cgroupsPath, key);
            VmConfig.Net net = null;
            Optional<Path> netns = spec.linux().namespaces().stream()
                    .filter(n -> n.type().equals("network") && n.path() != null && !n.path().isEmpty())
                    .map(n -> Path.of(n.path())).findFirst();
            if (netns.isPresent()) {
                long nw = TraceEvent.Clock.nowNanos();
                long n0 = System.nanoTime();
                net = PodTap.attach(netns.get());
                steps.add(new TraceEvent(nw, System.nanoTime() - n0, "kvm", "attach pod network", PodTap.TAP
                        + " in " + netns.get() + " mirrored to eth0 (tc mirred), guest eth0 " + net.ipCidr()
                        + " via " + net.gateway()));
            }
            VmConfig cfg = new VmConfig(qemuBinary, boot.kernel(), ird.file(), v.accel(), memoryMiB, vcpus,
                    KvmVm.shareOf(dir), dir.resolve("ctl.sock"), dir.resolve("console.log"),
                    v.accel().equals("tcg") ? hostTscKhz() : 0, net, null);
            KvmVm.GuestSetup setup = new KvmVm.GuestSetup(guestHostname(spec), net);
            LongConsumer placed = pid -> {
                if (qemuCgroup != null) {
                    Cgroup cg = cgroups.create(qemuCgroup, CgroupResources.none());
                    cgroups.addProcess(cg, pid);
                }
            };
            KvmVm booted = null;
            try {
                VmTemplate.Prepared template = options.template() ? template(cfg, steps) : null;
                if (template != null) {
                    try {
                        booted = KvmVm.boot(key, dir, template.restoring(cfg), template, setup, options.bootTimeout(),
                                placed, steps);
                    } catch (TemplateRestoreException e) {
                        // A template QEMU cannot load (damaged, or from a QEMU that changed in place)
                        // goes; the next VM of this shape builds a new one. This one boots. (A guest
                        // that answered its setup with an error fails as any VM would.)
                        VmTemplate.discard(template);
                        steps.add(TraceEvent.instant("kvm", "warning", "template " + template.key()
                                + " removed, the VM boots instead: " + e.getMessage()));
                        resetVmDir(dir, cgroupsPath, key);
                    }
                }
                if (booted == null) {
                    booted = KvmVm.boot(key, dir, cfg, null, setup, options.bootTimeout(), placed, steps);
                }
            } catch (RuntimeException e) {
                destroyQemuCgroup(qemuCgroup);
                deleteVmDir(dir);
                throw e;
            }
            track(booted);
            return booted;
        }
    }

    /** Guest RAM is sized in steps of this: pods with nearby limits share a template. */
    static final int MEMORY_STEP_MIB = 128;

    /**
     * The VM's memory: the workload's plus the overhead, rounded up to {@link #MEMORY_STEP_MIB}. Guest RAM
     * the guest never touches costs the host nothing (the guest cgroup still holds the container to its own
     * limit), while every distinct size is a template of its own, built once with a whole boot.
     */
    static int vmMemoryMiB(int workloadMiB, int overheadMiB) {
        int exact = workloadMiB + overheadMiB;
        return (exact + MEMORY_STEP_MIB - 1) / MEMORY_STEP_MIB * MEMORY_STEP_MIB;
    }

    /** The template for VMs like {@code cold}, built when there is none; null (and a warning) when it fails. */
    private VmTemplate.Prepared template(VmConfig cold, List<TraceEvent> steps) {
        long wall = TraceEvent.Clock.nowNanos();
        long t0 = System.nanoTime();
        try {
            VmTemplate.Prepared t = VmTemplate.obtain(kvmRoot, cold, options.bootTimeout(), steps);
            if (t.reused()) {
                steps.add(new TraceEvent(wall, System.nanoTime() - t0, "kvm", "reuse template", t.detail()));
            }
            return t;
        } catch (KvmException e) {
            steps.add(TraceEvent.instant("kvm", "warning", "no VM template, the VM boots: " + e.getMessage()));
            return null;
        }
    }

    /** Empties a VM directory after a failed start, keeping what {@link #vmFor} wrote before it. */
    private void resetVmDir(Path dir, String cgroupsPath, String key) {
        deleteVmDir(dir);
        try {
            Files.createDirectories(dir);
            String qemuCgroup = qemuCgroup(cgroupsPath, key);
            if (qemuCgroup != null) {
                Files.writeString(dir.resolve("qemu.cgroup"), qemuCgroup);
            }
        } catch (IOException e) {
            throw new KvmException(PodlabException.failed("create VM directory", dir.toString(), e), e);
        }
    }

    /** A VM this engine now runs or reconnected to: known by its key and watched for a hang. */
    private void track(KvmVm vm) {
        vms.put(vm.key, vm);
        vm.watch(options.pingInterval(), options.pingMisses());
    }

    /** The QEMU process's host cgroup: {@code <parent of the container's cgroup>/kvm-<key>}. */
    static String qemuCgroup(String cgroupsPath, String key) {
        if (cgroupsPath == null) {
            return null;
        }
        Path parent = Path.of(cgroupsPath).getParent();
        String rel = parent == null ? "" : parent.toString().replaceFirst("^/+", "");
        return rel.isEmpty() ? null : rel + "/kvm-" + key;
    }

    private int workloadMiB(RuntimeSpec spec, String cgroupsPath) {
        long bytes = -1;
        String parent = cgroupsPath == null || Path.of(cgroupsPath).getParent() == null ? null
                : Path.of(cgroupsPath).getParent().toString().replaceFirst("^/+", "");
        if (parent != null && Path.of(parent).getFileName() != null
                && Path.of(parent).getFileName().toString().startsWith("pod-") && cgroups.exists(parent)) {
            // A pod: its cgroup holds the summed limits of its containers.
            long podLimit = cgroups.stats(cgroups.open(parent)).memoryLimitBytes();
            if (podLimit > 0 && podLimit < (1L << 50)) {
                bytes = podLimit;
            }
        }
        RuntimeSpec.Resources res = spec.linux().resources();
        if (bytes < 0 && res != null && res.memory() != null && res.memory().limit() != null
                && res.memory().limit() > 0) {
            bytes = res.memory().limit();
        }
        return bytes < 0 ? options.defaultMiB() : (int) Math.max(16, (bytes + (1 << 20) - 1) >> 20);
    }

    private static int vcpus(RuntimeSpec spec) {
        RuntimeSpec.Resources res = spec.linux().resources();
        int host = Runtime.getRuntime().availableProcessors();
        if (res != null && res.cpu() != null && res.cpu().quota() != null && res.cpu().quota() > 0) {
            long period = res.cpu().period() != null ? res.cpu().period() : CgroupResources.DEFAULT_CPU_PERIOD_MICROS;
            return (int) Math.max(1, Math.min(host, (res.cpu().quota() + period - 1) / period));
        }
        return 1;
    }

    /** The host's TSC rate in kHz from /proc/cpuinfo ("cpu MHz"), 0 when unknown. */
    static long hostTscKhz() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("cpu MHz")).findFirst()
                    .map(l -> Math.round(Double.parseDouble(l.substring(l.indexOf(':') + 1).strip()) * 1000))
                    .orElse(0L);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    // ---- start, kill, wait ----------------------------------------------------------------------

    /**
     * The VM a container runs in: one this engine knows, else one an earlier engine started
     * (found by the container's directory in its share, reconnected), else null.
     */
    private KvmVm vmOf(Target t) {
        for (KvmVm vm : vms.values()) {
            if (Files.exists(vm.share.resolve("c").resolve(t.id()))) {
                return vm;
            }
        }
        Path vmsDir = kvmRoot.resolve("vms");
        if (detached || !Files.isDirectory(vmsDir)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(vmsDir)) {
            for (Path dir : dirs.toList()) {
                if (!Files.exists(KvmVm.shareOf(dir).resolve("c").resolve(t.id()))) {
                    continue;
                }
                String key = dir.getFileName().toString();
                synchronized (bootLocks.computeIfAbsent(key, k -> new Object())) {
                    KvmVm known = vms.get(key);
                    if (known != null && known.alive() && known.agent.isOpen()) {
                        return known;
                    }
                    Optional<KvmVm> adopted = KvmVm.adopt(dir);
                    adopted.ifPresent(this::track);
                    return adopted.orElse(null);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * Closes every control connection and leaves the VMs running, for an engine that exits; a new
     * engine reconnects. Waits in progress end without a verdict (a closed channel is not a crash).
     */
    @Override
    public void detach() {
        detached = true;
        vms.values().forEach(KvmVm::detach);
        vms.clear();
    }

    private KvmVm requireVm(Target t, String action) {
        KvmVm vm = vmOf(t);
        if (vm == null || !vm.alive()) {
            throw new ShimClient.ShimUnreachable("failed to " + action + " container " + t.name() + ": its VM is not "
                    + "running" + (vm == null ? "" : " (QEMU exited: " + KvmVm.tail(vm.dir.resolve("console.log"))
                    + ")"), null);
        }
        return vm;
    }

    @Override
    public List<TraceEvent> start(Target t) {
        KvmVm vm = requireVm(t, "start");
        List<TraceEvent> steps = new ArrayList<>();
        long wall = TraceEvent.Clock.nowNanos();
        long t0 = System.nanoTime();
        AgentProtocol.Reply r = vm.agent.call("start", List.of(t.id()), Duration.ofSeconds(60), p -> {
            if (p.kind().equals("step")) {
                steps.add(guestStep(p.text()));
            }
        });
        if (!r.kind().equals("ok")) {
            String why = r.message();
            throw new ContainerException("failed to start container " + t.name() + ": " + why, null,
                    why.contains("not found") ? 127 : why.contains("ermission denied") ? 126 : 125);
        }
        steps.add(new TraceEvent(wall, System.nanoTime() - t0, "kvm", "container start", "in VM " + vm.key));
        return steps;
    }

    @Override
    public void kill(Target t, int signal) {
        KvmVm vm = requireVm(t, "signal");
        AgentProtocol.Reply r = vm.agent.call("kill", List.of(t.id(), Integer.toString(signal)), Duration.ofSeconds(30),
                p -> { });
        if (!r.kind().equals("ok")) {
            String why = r.message();
            if (why.contains("not running") || why.contains("reach the shim")) {
                throw new ShimClient.ShimUnreachable("failed to signal container " + t.name() + ": " + why, null);
            }
            throw new ContainerException("failed to signal container " + t.name() + ": " + why);
        }
    }

    /**
     * Waits for {@code exit.json} to appear in the container directory (the agent copies it into
     * the share when the container ends; inotify sees QEMU's rename). A VM that died meanwhile
     * (QEMU exited, e.g. after a guest kernel panic, or its control channel was lost) takes its
     * containers with it: they get an exit record saying so (exit code 255, reason SandboxCrashed).
     */
    @Override
    public Optional<ExitRecord> awaitExit(Target t, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (WatchService ws = FileSystems.getDefault().newWatchService()) {
            t.dir().register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true) {
                Optional<ExitRecord> e = readExit(t);
                if (e.isPresent() || detached) {
                    return e;
                }
                KvmVm vm = vmOf(t);
                if (vm == null || !vm.alive()) {
                    return Optional.of(vmGone(t, vm));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                // Bounded waits: a VM dying sends no file event.
                var key = ws.poll(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 500), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (NoSuchFileException e) {
            return readExit(t);
        } catch (IOException e) {
            throw new ContainerException("failed to wait for container " + t.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private ExitRecord vmGone(Target t, KvmVm vm) {
        Optional<ExitRecord> late = readExit(t);
        if (late.isPresent()) {
            return late.get();
        }
        long now = TraceEvent.Clock.nowNanos();
        String why = vm == null ? "its VM is not running any more" : vm.deathReport();
        ExitRecord rec = new ExitRecord(0, ExitRecord.SANDBOX_CRASHED_EXIT_CODE, 0, false, 0, now,
                "sandbox crashed: " + why, true);
        try {
            AtomicFiles.write(t.dir().resolve("exit.json"), ContainerStore.JSON.writeValueAsBytes(rec), false);
        } catch (IOException e) {
            // The record is returned anyway; the next reader asks again.
        }
        return rec;
    }

    /** The guest's shim is not a host process: the container is supervised while its VM runs. */
    @Override
    public boolean supervised(Target t, int shimPid) {
        if (detached) {
            return true; // not this engine's call any more
        }
        KvmVm vm = vmOf(t);
        if (vm != null && vm.alive()) {
            return true;
        }
        vmGone(t, vm);
        return false;
    }

    @Override
    public Optional<ExitRecord> readExit(Target t) {
        try {
            byte[] b = Files.readAllBytes(t.dir().resolve("exit.json"));
            return Optional.of(ContainerStore.JSON.readValue(b, ExitRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ContainerException("failed to read exit record in " + t.dir() + ": " + e.getMessage(), e);
        }
    }

    // ---- exec, stats --------------------------------------------------------------------------

    /**
     * Runs an extra process in the guest. A {@code PIPE} stdin is forwarded ({@code stdin}/{@code eof}
     * lines), a file stdin is sent the same way, anything else reads /dev/null. With a terminal the
     * guest's exec shim allocates the pty, and the sizes written to {@code spec.resizeFifo()} travel
     * as {@code resize} lines (docs/kvm.md, "Interactive exec").
     */
    @Override
    public Process exec(Target t, ExecSpec spec, ProcessBuilder.Redirect in, ProcessBuilder.Redirect out,
                        ProcessBuilder.Redirect err) {
        KvmVm vm = requireVm(t, "exec in");
        String cg = GUEST_CGROUP + "/" + t.id();
        LaunchPlan plan = withNativeFilter(PlanCompiler.compileExec(spec.process(), spec.seccomp(),
                List.of(Path.of(cg, "cgroup.procs"))), vm, null, null);
        String planName = "exec-" + rand() + ".plan";
        Path planFile = t.dir().resolve(planName);
        boolean tty = Boolean.TRUE.equals(spec.process().terminal());
        File inFile = in.type() == ProcessBuilder.Redirect.Type.READ && !in.file().getPath().equals("/dev/null")
                ? in.file() : null;
        boolean stdin = in.type() == ProcessBuilder.Redirect.Type.PIPE || inFile != null;
        String flags = stdin && tty ? "stdin,tty" : stdin ? "stdin" : tty ? "tty" : null;
        KvmExecProcess p;
        AgentConnection.Request request;
        try {
            AtomicFiles.write(planFile, plan.render().getBytes(StandardCharsets.UTF_8), false);
            // Without stdin or a terminal the request keeps protocol 1's first form (an agent of an
            // older VM knows it).
            request = vm.agent.begin("exec", flags == null ? List.of(t.id(), planName)
                    : List.of(t.id(), planName, flags));
        } catch (IOException | RuntimeException e) {
            deleteQuietly(planFile);
            throw new ContainerException(PodlabException.failed("exec in container", t.name(), e), e);
        }
        try {
            p = new KvmExecProcess(request, stdin && inFile == null, tty ? spec.resizeFifo() : null, out, err);
        } catch (IOException e) {
            try (request) {
                request.send("cancel", List.of());
            } catch (KvmException ignored) {
                // The channel is gone: so is the exec.
            }
            throw new ContainerException(PodlabException.failed("exec in container", t.name(), e), e);
        }
        if (inFile != null) {
            Thread.ofVirtual().name("kvm-exec-stdin-" + t.name()).start(() -> sendFile(inFile, request));
        }
        Thread.ofVirtual().name("kvm-exec-" + t.name()).start(() -> {
            int code;
            try (request) {
                AgentProtocol.Reply r = request.await(Duration.ofDays(365), x -> {
                    if (x.kind().equals("out")) {
                        p.stdout(x.data());
                    } else if (x.kind().equals("err")) {
                        p.stderr(x.data());
                    }
                });
                if (r.kind().equals("ok")) {
                    code = Integer.parseInt(r.text().strip());
                } else {
                    p.stderr(("podlab: " + r.message() + "\n").getBytes(StandardCharsets.UTF_8));
                    code = 125;
                }
            } catch (RuntimeException e) {
                p.stderr(("podlab: " + PodlabException.describe(e) + "\n").getBytes(StandardCharsets.UTF_8));
                code = 125;
            } finally {
                deleteQuietly(planFile);
            }
            p.exited(code);
        });
        return p;
    }

    private static void sendFile(File from, AgentConnection.Request request) {
        byte[] buf = new byte[KvmExecProcess.STDIN_CHUNK];
        try (var in = new java.io.FileInputStream(from)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                request.sendData("stdin", java.util.Arrays.copyOf(buf, n));
            }
            request.send("eof", List.of());
        } catch (IOException | KvmException e) {
            // The exec ended or the channel is gone: its answer says what happened.
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Goes with the container directory.
        }
    }

    /**
     * The container's cgroup values inside the guest (cgroup v2 names: memory.current, memory.max,
     * memory.oom_kill, cpu.usage_usec, pids.current, pids.max; -1 when unset or unknown).
     */
    public Map<String, Long> guestStats(Target t) {
        return guestStats(t, Duration.ofSeconds(30));
    }

    private Map<String, Long> guestStats(Target t, Duration timeout) {
        KvmVm vm = requireVm(t, "read stats of");
        AgentProtocol.Reply r = vm.agent.call("stats", List.of(t.id()), timeout, p -> { });
        if (!r.kind().equals("ok")) {
            throw new ContainerException("failed to read stats of container " + t.name() + ": " + r.message());
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (String kv : r.text().split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                out.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return out;
    }

    /**
     * The guest cgroup's counters as the metrics sampler wants them (one {@code stats} request per
     * round over the control channel); the host cgroup of a kvm container is empty, QEMU's cost
     * shows in the pod's cgroup (its {@code kvm-*} child).
     */
    @Override
    public Optional<StatsSource> statsSource(Target t) {
        // A short timeout: the sampler's one thread must not wait long on a busy guest.
        return Optional.of(cgroup -> () -> toCgroupStats(guestStats(t, Duration.ofSeconds(3))));
    }

    /**
     * Guest stats keys (the agent's names, docs/kvm.md) and the {@link CgroupStats} fields they
     * fill; {@code _usec} values are scaled to nanoseconds.
     */
    private static final String GUEST_STATS = """
            cpu.usage_usec cpuUsageNanos
            cpu.user_usec cpuUserNanos
            cpu.system_usec cpuSystemNanos
            cpu.nr_periods cpuPeriods
            cpu.nr_throttled cpuThrottledPeriods
            cpu.throttled_usec cpuThrottledNanos
            memory.current memoryUsageBytes
            memory.anon memoryRssBytes
            memory.file memoryCacheBytes
            memory.peak memoryMaxUsageBytes
            memory.events_max memoryFailCount
            memory.oom oomEvents
            memory.oom_kill oomKills
            pids.current pidsCurrent
            """;

    /**
     * Guest cgroup v2 values (see {@link #guestStats}; -1 is "unset" for limits, "unknown" for
     * counters) as {@link CgroupStats}; what the agent could not read is unavailable.
     */
    static CgroupStats toCgroupStats(Map<String, Long> g) {
        CgroupStats.Builder b = CgroupStats.builder();
        GUEST_STATS.lines().map(l -> l.split(" ")).forEach(m -> {
            Long v = g.get(m[0]);
            if (v != null && v >= 0) {
                b.set(m[1], m[0].endsWith("_usec") ? v * 1000 : v);
            }
        });
        Long usage = g.get("memory.current");
        Long inactiveFile = g.get("memory.inactive_file");
        if (usage != null && usage >= 0 && inactiveFile != null && inactiveFile >= 0) {
            b.set("memoryWorkingSetBytes", Math.max(0, usage - inactiveFile));
        }
        b.setIfPresent("memoryLimitBytes", g.get("memory.max"));
        b.setIfPresent("pidsLimit", g.get("pids.max"));
        return b.build();
    }

    /** The VMs running now: key -> QEMU pid. */
    public Map<String, Long> runningVms() {
        Map<String, Long> out = new LinkedHashMap<>();
        vms.forEach((k, vm) -> {
            if (vm.alive()) {
                out.put(k, vm.qemu.pid());
            }
        });
        return out;
    }

    /** The VM a container runs in: QEMU's pid and cgroup on the host, the guest's kernel and agent. */
    @Override
    public Optional<SandboxVm> vm(Target t) {
        KvmVm vm = vmOf(t);
        if (vm == null || !vm.alive()) {
            return Optional.empty();
        }
        String cgroup;
        try {
            Path f = vm.dir.resolve("qemu.cgroup");
            cgroup = Files.exists(f) ? Files.readString(f).strip() : "";
        } catch (IOException e) {
            cgroup = ""; // the VM is being deleted right now
        }
        return Optional.of(new SandboxVm(vm.key, vm.qemu.pid(), vm.accel, cgroup, vm.hello.kernelRelease(),
                "podlab-shim (/init) protocol " + vm.hello.protocol() + " on virtio-serial", vm.hello.bootMillis(),
                vm.template));
    }

    // ---- delete -------------------------------------------------------------------------------

    /**
     * Forgets the container in the guest and unshares its directories; the last container of a
     * VM takes the VM with it (agent shutdown, then QEMU killed by pid and reaped, its cgroup and
     * directory removed). Idempotent.
     */
    @Override
    public void delete(Target t) {
        KvmVm vm = vmOf(t);
        if (vm == null) {
            return;
        }
        synchronized (bootLocks.computeIfAbsent(vm.key, k -> new Object())) {
            if (vm.alive() && vm.agent.isOpen()) {
                try {
                    vm.agent.call("delete", List.of(t.id()), Duration.ofSeconds(30), p -> { });
                } catch (KvmException e) {
                    // The VM is going away or gone: its guest state goes with it.
                }
            }
            for (String prefix : List.of("c/", "r/", "l/", "m/")) {
                KvmVm.unbind(vm.share.resolve(prefix + t.id()));
            }
            boolean empty;
            try (Stream<Path> s = Files.list(vm.share.resolve("c"))) {
                empty = s.findAny().isEmpty();
            } catch (IOException e) {
                empty = true;
            }
            if (empty) {
                stopVm(vm);
            }
        }
    }

    /**
     * At engine start: every VM directory is checked against the container records. Share entries
     * of containers without a record are unbound; a VM left with no container (its pod or
     * sandbox was removed while no engine ran, or a boot was cut short) has its QEMU killed by pid
     * (checked against its command line), its host cgroup and its directory removed.
     */
    @Override
    public List<String> reapOrphans(Set<String> liveIds) {
        List<String> repaired = new ArrayList<>(VmTemplate.reapAbandoned(kvmRoot));
        Path vmsDir = kvmRoot.resolve("vms");
        if (!Files.isDirectory(vmsDir)) {
            return repaired;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(vmsDir)) {
            dirs = s.toList();
        } catch (IOException e) {
            throw new KvmException(PodlabException.failed("list VMs in", vmsDir.toString(), e), e);
        }
        for (Path dir : dirs) {
            String key = dir.getFileName().toString();
            synchronized (bootLocks.computeIfAbsent(key, k -> new Object())) {
                if (vms.containsKey(key)) {
                    continue; // this engine's own
                }
                Path share = KvmVm.shareOf(dir);
                List<String> ids = listNames(share.resolve("c"));
                List<String> gone = ids.stream().filter(id -> !liveIds.contains(id)).toList();
                for (String id : gone) {
                    for (String prefix : List.of("c/", "r/", "l/", "m/")) {
                        KvmVm.unbind(share.resolve(prefix + id));
                    }
                }
                if (gone.size() < ids.size()) {
                    if (!gone.isEmpty()) {
                        repaired.add("VM " + key + ": unshared " + gone.size() + " container(s) without a record");
                    }
                    continue;
                }
                long pid = KvmVm.recordedPid(dir);
                boolean running = KvmVm.reap(dir);
                try {
                    destroyQemuCgroup(Files.exists(dir.resolve("qemu.cgroup"))
                            ? Files.readString(dir.resolve("qemu.cgroup")).strip() : null);
                } catch (IOException e) {
                    // Left for the parent's removal.
                }
                deleteVmDir(dir);
                repaired.add((running ? "reaped VM " + key + ": killed QEMU pid " + pid : "removed the files of "
                        + "stopped VM " + key) + (ids.isEmpty() ? " (no container)" : " (the records of its "
                        + ids.size() + " container(s) are gone)"));
            }
        }
        return repaired;
    }

    private static List<String> listNames(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private void stopVm(KvmVm vm) {
        vm.shutdown(Duration.ofSeconds(10));
        vms.remove(vm.key, vm);
        try {
            String cgroupsPath = Files.exists(vm.dir.resolve("qemu.cgroup"))
                    ? Files.readString(vm.dir.resolve("qemu.cgroup")).strip() : null;
            destroyQemuCgroup(cgroupsPath);
        } catch (IOException e) {
            // Left for the parent's removal.
        }
        deleteVmDir(vm.dir);
    }

    private void destroyQemuCgroup(String path) {
        if (path == null || path.isEmpty()) {
            return;
        }
        try {
            if (cgroups.exists(path)) {
                Cgroup cg = cgroups.open(path);
                cgroups.killAll(cg);
                cgroups.destroy(cg);
            }
        } catch (RuntimeException e) {
            // QEMU is reaped already; an empty cgroup left over goes with its parent.
        }
    }

    private static void deleteVmDir(Path dir) {
        if (Files.exists(dir)) {
            KvmVm.reap(dir);
            KvmVm.unbind(dir);
        }
    }

    private static String rand() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    private static final java.util.regex.Pattern HOSTNAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,62}");

    /**
     * The guest's hostname. A pod's containers join the pod's UTS namespace by path, and their config.json
     * carries no hostname of the pod (the engine's default is the container id): the VM is the pod's sandbox,
     * so it takes the pod's, from the hostname file the engine binds at /etc/hostname.
     */
    static String guestHostname(RuntimeSpec spec) {
        boolean podUts = spec.linux() != null && spec.linux().namespaces().stream()
                .anyMatch(n -> n.type().equals("uts") && n.path() != null && !n.path().isEmpty());
        if (podUts) {
            for (RuntimeSpec.Mount m : spec.mounts()) {
                if ("/etc/hostname".equals(m.destination()) && m.source() != null) {
                    try {
                        String h = Files.readString(Path.of(m.source())).strip();
                        if (HOSTNAME.matcher(h).matches()) {
                            return h;
                        }
                    } catch (java.io.IOException e) {
                        // Not readable: the container's own hostname is the fallback below.
                    }
                }
            }
        }
        return spec.hostname();
    }
}
