package dev.podlab.core.runtime.kvm;

import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.state.FileTrees;
import dev.podlab.core.sys.LibC;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * One running micro-VM: the QEMU process (a child of the engine, killed and reaped by pid on
 * shutdown), its directory {@code <root>/kvm/vms/<key>/} (share, control socket, console log,
 * {@code qemu.log}, {@code vm.json}) and the connection to its agent.
 */
final class KvmVm {
    final String key;
    final Path dir;
    final Path share;
    final String accel;
    /** QEMU; {@link #child} is set only when this engine started it (then it reaps it too). */
    final ProcessHandle qemu;
    private final Process child;
    final AgentConnection agent;
    final AgentProtocol.Hello hello;
    /** The template the guest was restored from; empty when it booted. */
    final String template;

    private KvmVm(String key, Path dir, String accel, ProcessHandle qemu, Process child, AgentConnection agent,
                  AgentProtocol.Hello hello, String template) {
        this.key = key;
        this.dir = dir;
        this.share = dir.resolve("share");
        this.accel = accel;
        this.qemu = qemu;
        this.child = child;
        this.agent = agent;
        this.hello = hello;
        this.template = template;
    }

    /**
     * Reconnects to a VM an earlier engine started (it runs on when the engine exits): its
     * {@code vm.json} names QEMU's pid, which must still be a QEMU serving this directory. The
     * agent greets only once per boot, so its hello comes from {@code vm.json} too. Empty when
     * the VM is gone.
     */
    static java.util.Optional<KvmVm> adopt(Path dir) {
        try {
            var json = ContainerStore.JSON.readTree(dir.resolve("vm.json").toFile());
            long pid = json.path("pid").asLong();
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
            if (!cmdline.contains("qemu") || !cmdline.contains(dir.resolve("ctl.sock").toString())) {
                return java.util.Optional.empty();
            }
            ProcessHandle h = ProcessHandle.of(pid).orElse(null);
            if (h == null || !h.isAlive()) {
                return java.util.Optional.empty();
            }
            String key = json.path("key").asText();
            AgentConnection agent = AgentConnection.connect(dir.resolve("ctl.sock"), Duration.ofSeconds(5), key);
            return java.util.Optional.of(new KvmVm(key, dir, json.path("accel").asText(), h, null, agent,
                    new AgentProtocol.Hello(AgentProtocol.VERSION, json.path("kernel").asText(), 0, List.of()),
                    json.path("template").asText("")));
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    /**
     * Kills (by pid) the QEMU an earlier engine left serving {@code dir}, if it still runs; true
     * when there was one.
     */
    static boolean reap(Path dir) {
        long pid = recordedPid(dir);
        try {
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
            if (pid > 0 && cmdline.contains("qemu") && cmdline.contains(dir.resolve("ctl.sock").toString())) {
                ProcessHandle.of(pid).ifPresent(h -> killAndReap(h, null));
                return true;
            }
        } catch (IOException e) {
            // No such process: nothing runs.
        }
        return false;
    }

    /** QEMU's pid as {@code vm.json} records it; 0 when there is no record. */
    static long recordedPid(Path dir) {
        try {
            return ContainerStore.JSON.readTree(dir.resolve("vm.json").toFile()).path("pid").asLong();
        } catch (IOException e) {
            return 0;
        }
    }

    /** QEMU's exit status when this engine started it and it has exited, else -1. */
    int exitStatus() {
        return child != null && !child.isAlive() ? child.exitValue() : -1;
    }

    /** The directory layout of a VM, before it boots. */
    static Path shareOf(Path dir) {
        return dir.resolve("share");
    }

    private static final Map<String, String> BOOT_STEP_NAMES = Map.of(
            "modules", "load modules", "mounts", "switch root and mount",
            "cgroups", "lo and cgroup2 tree", "port", "open control port");
    private static final Map<String, String> BOOT_STEP_DETAILS = Map.of(
            "modules", "finit_module of each module listed in the initramfs (virtio, 9p, net, balloon)",
            "mounts", "initramfs left for a tmpfs root; proc, sysfs, devtmpfs, devpts, tmpfs, cgroup2",
            "cgroups", "lo up; memory, pids and cpu delegated to the containers' parent",
            "port", "the virtio-serial port podlab.ctl");

    /**
     * The agent's boot steps as trace events, placed on the host's clock: the hello arrived at
     * {@code helloWall}, when the guest's uptime was {@code hello.bootMillis()}.
     */
    static List<TraceEvent> bootSteps(AgentProtocol.Hello hello, long helloWall) {
        List<TraceEvent> out = new ArrayList<>();
        long guestMs = 0;
        for (AgentProtocol.BootPhase p : hello.phases()) {
            long start = guestMs;
            guestMs += p.millis();
            if (p.name().equals("kernel")) {
                continue;
            }
            long startWall = helloWall - (hello.bootMillis() - start) * 1_000_000L;
            out.add(new TraceEvent(startWall, p.millis() * 1_000_000L, "guest",
                    "boot: " + BOOT_STEP_NAMES.getOrDefault(p.name(), p.name()),
                    BOOT_STEP_DETAILS.getOrDefault(p.name(), "agent boot step") + " (guest uptime " + start
                            + " ms)"));
        }
        return out;
    }

    /**
     * What the engine tells the agent in its {@code setup} request: the hostname (null: keep the
     * kernel's) and the pod network (null: loopback only). The clock and a random seed are added
     * at the time of the call.
     */
    record GuestSetup(String hostname, VmConfig.Net net) {
        List<String> args(long nowNanos, byte[] seed) {
            boolean named = hostname != null && hostname.matches("[A-Za-z0-9.-]{1,64}");
            return List.of(Long.toString(nowNanos), java.util.HexFormat.of().formatHex(seed), named ? hostname : "",
                    net == null ? "" : net.ipCidr(), net == null || net.gateway() == null ? "" : net.gateway(),
                    net == null || net.mac() == null ? "" : net.mac());
        }
    }

    private static final java.security.SecureRandom SEEDS = new java.security.SecureRandom();

    /**
     * Starts QEMU and brings the guest to where containers can be created: a boot to the agent's
     * hello, or, with a {@code template} ({@code cfg} being {@link VmTemplate.Prepared#restoring}),
     * a restore of the guest frozen at its hello; then the agent's {@code setup}. On any failure
     * QEMU is killed. {@code placed} gets QEMU's pid right after the start (to move it into its
     * host cgroup).
     */
    static KvmVm boot(String key, Path dir, VmConfig cfg, VmTemplate.Prepared template, GuestSetup setup,
                      Duration helloTimeout, LongConsumer placed, List<TraceEvent> steps) {
        Process qemu = null;
        AgentConnection agent = null;
        try {
            Files.createDirectories(cfg.shareDir().resolve("c"));
            long wall = TraceEvent.Clock.nowNanos();
            long t0 = System.nanoTime();
            qemu = startQemu(cfg, dir);
            placed.accept(qemu.pid());
            AtomicFiles.write(dir.resolve("vm.json"), ContainerStore.JSON.writeValueAsBytes(Map.of("key", key,
                    "pid", qemu.pid(), "accel", cfg.accel(), "memoryMiB", cfg.memoryMiB(), "vcpus", cfg.vcpus(),
                    "kernel", cfg.kernel().release(), "template", template == null ? "" : template.key())), false);
            agent = AgentConnection.connect(cfg.controlSocket(), Duration.ofSeconds(10), key);
            long t1 = System.nanoTime();
            steps.add(new TraceEvent(wall, t1 - t0, "kvm", "qemu start", "pid " + qemu.pid() + ", " + cfg.accel()
                    + ", " + cfg.memoryMiB() + " MiB, " + cfg.vcpus() + " vCPU, microvm" + (template == null ? ""
                    : ", guest RAM mapped private from the template")));
            if (template != null) {
                // The control socket is connected first: the restored guest then finds its host there.
                try (Qmp qmp = Qmp.connect(cfg.snapshot().qmpSocket(), Duration.ofSeconds(10))) {
                    qmp.execute("migrate-set-capabilities", VmTemplate.CAPABILITIES);
                    qmp.execute("migrate-incoming", Map.of("uri", "exec:cat "
                            + VmConfig.shellQuoted(template.state())));
                    qmp.awaitMigration(helloTimeout);
                    // The template was saved stopped, so the load leaves the guest paused.
                    qmp.execute("cont", Map.of());
                } catch (IOException e) {
                    throw new TemplateRestoreException("failed to restore VM " + key + " from template "
                            + template.key() + ": " + e.getMessage()
                            + (qemu.isAlive() ? "" : "; " + tail(dir.resolve("qemu.log"))), e);
                }
            }
            AgentProtocol.Hello hello = template == null ? awaitHello(key, cfg, dir, qemu, agent, helloTimeout)
                    : template.hello();
            long t2 = System.nanoTime();
            if (hello.protocol() != AgentProtocol.VERSION) {
                throw new KvmException("failed to boot VM " + key + ": the agent speaks protocol " + hello.protocol()
                        + ", the engine " + AgentProtocol.VERSION);
            }
            if (template == null) {
                steps.add(new TraceEvent(wall + (t1 - t0), t2 - t1, "kvm", "kernel boot", "guest kernel "
                        + hello.kernelRelease() + (hello.agentStartMillis() < 0 ? "" : " started the agent after "
                        + hello.agentStartMillis() + " ms of guest uptime;") + " agent ready at " + hello.bootMillis()
                        + " ms"));
                steps.addAll(bootSteps(hello, wall + (t2 - t0)));
                steps.add(TraceEvent.instant("kvm", "agent ready", "protocol " + hello.protocol()
                        + " on virtio-serial podlab.ctl"));
            }
            // The guest's clock comes from the RTC in whole seconds (a restored guest's from the
            // template): the host's, so that log lines and trace steps written in the guest line up.
            byte[] seed = new byte[32];
            SEEDS.nextBytes(seed);
            AgentProtocol.Reply answer;
            try {
                answer = agent.call("setup", setup.args(TraceEvent.Clock.nowNanos(), seed), helloTimeout, r -> { });
            } catch (KvmException e) {
                // No answer at all: for a restored guest, the template's fault (it never came back to life).
                String why = "failed to " + (template == null ? "set up" : "restore") + " VM " + key + ": "
                        + (qemu.isAlive() ? e.getMessage() : "QEMU exited with status " + qemu.waitFor() + ": "
                        + tail(dir.resolve("qemu.log")));
                throw template == null ? new KvmException(why, e) : new TemplateRestoreException(why, e);
            }
            long t3 = System.nanoTime();
            if (!answer.kind().equals("ok")) {
                throw new KvmException("failed to set up VM " + key + ": " + answer.message());
            }
            if (template != null) {
                steps.add(new TraceEvent(wall + (t1 - t0), t3 - t1, "kvm", "restore VM", "QEMU read the device state "
                        + "of " + template.detail() + " and resumed the guest at its hello; the agent answered setup"));
            }
            steps.addAll(setupSteps(answer.text(), wall + (t3 - t0), setup));
            return new KvmVm(key, dir, cfg.accel(), qemu.toHandle(), qemu, agent, hello,
                    template == null ? "" : template.key());
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            if (qemu != null) {
                killAndReap(qemu.toHandle(), qemu);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof KvmException k) {
                throw k;
            }
            throw new KvmException("failed to boot VM " + key + ": " + e.getMessage(), e);
        }
    }

    /** Starts QEMU for {@code cfg}, its output appended to {@code dir/qemu.log}. */
    static Process startQemu(VmConfig cfg, Path dir) throws IOException {
        return new ProcessBuilder(cfg.command())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("qemu.log").toFile()))
                .start();
    }

    /** The agent's hello; a KvmException naming QEMU's end or the timeout, with the console's tail. */
    static AgentProtocol.Hello awaitHello(String key, VmConfig cfg, Path dir, Process qemu, AgentConnection agent,
                                          Duration timeout) throws InterruptedException {
        AgentProtocol.Hello hello = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (hello == null && qemu.isAlive() && System.nanoTime() < deadline) {
            hello = agent.awaitHello(Duration.ofMillis(200));
        }
        if (hello == null) {
            String why = qemu.isAlive() ? "no hello from the guest agent within " + timeout.toSeconds() + " s"
                    : "QEMU exited with status " + qemu.waitFor() + ": " + tail(dir.resolve("qemu.log"));
            throw new KvmException("failed to boot VM " + key + ": " + why + "; console: " + tail(cfg.consoleLog()));
        }
        return hello;
    }

    /**
     * The agent's {@code setup} steps ({@code clock=UPTIME,network=MS,share=MS}) as trace events
     * ending when the answer arrived ({@code answerWall}).
     */
    static List<TraceEvent> setupSteps(String phases, long answerWall, GuestSetup setup) {
        Map<String, Long> ms = new java.util.HashMap<>();
        List<AgentProtocol.BootPhase> parsed = AgentProtocol.parsePhases(phases.strip());
        for (AgentProtocol.BootPhase p : parsed == null ? List.<AgentProtocol.BootPhase>of() : parsed) {
            ms.put(p.name(), p.millis());
        }
        long share = ms.getOrDefault("share", 0L) * 1_000_000L;
        long network = ms.getOrDefault("network", 0L) * 1_000_000L;
        return List.of(
                new TraceEvent(answerWall - share - network, network, "guest", "setup: clock, seed, network",
                        "clock set from the host, random generator reseeded, hostname "
                                + (setup.hostname() == null ? "(kernel's)" : setup.hostname())
                                + (setup.net() == null ? ", no pod network" : ", eth0 " + setup.net().ipCidr()
                                + (setup.net().gateway() == null ? "" : " via " + setup.net().gateway()))),
                new TraceEvent(answerWall - share, share, "guest", "setup: mount 9p share",
                        "the pod directory over virtio-9p at /podlab"));
    }

    /** The kernel's words when it panics ({@code panic()} prints them at KERN_EMERG, also under {@code quiet}). */
    static final String PANIC = "Kernel panic - not syncing";
    /** Bytes of console.log already searched for {@link #PANIC}. */
    private long consoleScanned;
    private volatile String panicLine;

    /**
     * Whether the VM still runs. A guest kernel that panicked is dead even while QEMU runs on (its
     * reboot after {@code panic=-1} does not always reach QEMU's {@code -no-reboot} on microvm),
     * and a control channel QEMU dropped while it runs on leaves a guest nobody can control: in
     * both cases QEMU is killed (by pid) so that its containers are reported crashed; so is a
     * guest the {@link #watch watchdog} found hung.
     */
    boolean alive() {
        if (qemu.isAlive() && (agent.lost() || unresponsive != null || panicked())) {
            killAndReap(qemu, child);
        }
        return qemu.isAlive();
    }

    /** Set by the watchdog when the agent stopped answering pings: why the VM counts as hung. */
    private volatile String unresponsive;
    private volatile boolean watching;
    private volatile Thread watchdog;

    /**
     * Pings the agent every {@code every} (each ping may take that long) until the VM stops or
     * {@link #detach}/{@link #shutdown}; after {@code misses} unanswered pings in a row the guest
     * is hung (no panic line, QEMU alive, channel open, nobody home): QEMU is killed by its pid
     * and {@link #alive} says so, as after a crash. Each round also runs {@link #alive}, so a
     * panic or a lost channel is noticed without waiting for the next request. A ping costs one
     * line each way: the agent answers it in PID 1 itself, without a fork.
     */
    void watch(Duration every, int misses) {
        watching = true;
        watchdog = Thread.ofVirtual().name("kvm-ping-" + key).start(() -> {
            int missed = 0;
            while (watching && alive() && agent.isOpen()) {
                try {
                    Thread.sleep(every);
                    agent.call("ping", List.of(), every, r -> { });
                    missed = 0;
                } catch (InterruptedException e) {
                    return; // detach or shutdown
                } catch (KvmException e) {
                    if (!watching || !agent.isOpen()) {
                        return; // stopped, or the channel ended: alive() tells why
                    }
                    if (++missed >= misses) {
                        unresponsive = "the guest did not answer " + missed + " pings in a row (one every "
                                + every.toSeconds() + " s)";
                        alive(); // kills QEMU
                        return;
                    }
                }
            }
        });
    }

    private void stopWatch() {
        watching = false;
        Thread w = watchdog;
        if (w != null && w != Thread.currentThread()) {
            w.interrupt();
        }
    }

    /** Searches what the console got since the last call for the panic line; true once found. */
    private synchronized boolean panicked() {
        if (panicLine != null) {
            return true;
        }
        Path console = dir.resolve("console.log");
        try (var ch = java.nio.channels.FileChannel.open(console)) {
            long size = ch.size();
            if (size <= consoleScanned) {
                return false;
            }
            // Re-read a line's worth before the mark: the panic line may have been half written.
            long from = Math.max(0, consoleScanned - PANIC.length());
            var buf = java.nio.ByteBuffer.allocate((int) Math.min(size - from, 1 << 20));
            ch.read(buf, from);
            consoleScanned = from + buf.position();
            String text = new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.ISO_8859_1);
            int at = text.indexOf(PANIC);
            if (at >= 0) {
                int end = text.indexOf('\n', at);
                panicLine = (end < 0 ? text.substring(at) : text.substring(at, end)).strip();
            }
        } catch (IOException e) {
            return false; // no console yet
        }
        return panicLine != null;
    }

    /** Why the VM is gone, for its containers' exit records: the guest's panic, else QEMU's status and the console. */
    String deathReport() {
        panicked();
        if (panicLine != null) {
            return "VM " + key + " (QEMU pid " + qemu.pid() + ") crashed: guest " + panicLine;
        }
        if (unresponsive != null) {
            return "VM " + key + " (QEMU pid " + qemu.pid() + ") was unresponsive and was killed: " + unresponsive;
        }
        int status = exitStatus();
        return "VM " + key + " (QEMU pid " + qemu.pid() + ") " + (agent.lost() && status < 0 ? "lost its control "
                + "channel" : "exited" + (status >= 0 ? " with status " + status : "")) + "; console: "
                + tail(dir.resolve("console.log"));
    }

    /** Asks the agent to power off, then kills QEMU by pid if it is still there; always reaps it. */
    void shutdown(Duration grace) {
        stopWatch();
        if (qemu.isAlive() && agent.isOpen()) {
            try {
                agent.call("shutdown", List.of(), Duration.ofSeconds(5), r -> { });
            } catch (KvmException e) {
                // A guest that does not answer is killed below.
            }
        }
        try {
            qemu.onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            killAndReap(qemu, child);
        } catch (InterruptedException e) {
            killAndReap(qemu, child);
            Thread.currentThread().interrupt();
        }
        if (child != null) {
            killAndReap(qemu, child); // reaps (a no-op kill when it has exited)
        }
        agent.close();
    }

    /** Closes the control connection and leaves the VM running (the engine is exiting). */
    void detach() {
        stopWatch();
        agent.close();
    }

    static void killAndReap(ProcessHandle h, Process child) {
        if (h.isAlive()) {
            h.destroyForcibly(); // SIGKILL to this pid only
        }
        try {
            if (child != null) {
                child.waitFor();
            } else {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Not our child: its new parent reaps it.
        }
    }

    /** Binds a host path into the share (recursively, so a rootfs overlay under it comes along). */
    static void bind(Path share, Path host, String relative) {
        Path target = share.resolve(relative);
        try {
            Files.createDirectories(target.getParent());
            if (Files.isDirectory(host)) {
                Files.createDirectories(target);
            } else if (!Files.exists(target)) {
                Files.createFile(target);
            }
            LibC.INSTANCE.mount(host.toString(), target.toString(), null, LibC.MS_BIND | LibC.MS_REC, null);
        } catch (IOException | RuntimeException e) {
            throw new KvmException("failed to share " + host + " with the VM: " + e.getMessage(), e);
        }
    }

    /** Detaches everything bound at or below {@code path} in the share, then deletes it. */
    static void unbind(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        for (String m : mountsUnder(path)) {
            try {
                LibC.INSTANCE.umount2(m, LibC.MNT_DETACH);
            } catch (RuntimeException e) {
                // Already gone (EINVAL/ENOENT): the point is that nothing stays bound.
            }
        }
        if (!mountsUnder(path).isEmpty()) {
            // Deleting through a bind that is still there would delete the container's own files.
            throw new KvmException("failed to remove " + path + " from the VM share: still mounted");
        }
        try {
            FileTrees.deleteRecursively(path);
        } catch (IOException e) {
            throw new KvmException("failed to remove " + path + " from the VM share: " + e.getMessage(), e);
        }
    }

    /** Mount points at or below {@code path}, deepest first (from /proc/self/mountinfo). */
    static List<String> mountsUnder(Path path) {
        List<String> out = new ArrayList<>();
        String prefix = path.toString();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            lines.forEach(l -> {
                String mp = l.split(" ")[4].replace("\\040", " ");
                if (mp.equals(prefix) || mp.startsWith(prefix + "/")) {
                    out.add(mp);
                }
            });
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.comparingInt(String::length).reversed());
        return out;
    }

    static String tail(Path file) {
        try {
            String s = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1).strip();
            s = s.length() > 600 ? s.substring(s.length() - 600) : s;
            return s.isEmpty() ? "(empty)" : s.replace('\n', '|');
        } catch (IOException e) {
            return "(none)";
        }
    }
}
