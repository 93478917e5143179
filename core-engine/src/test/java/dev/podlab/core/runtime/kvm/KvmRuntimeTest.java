package dev.podlab.core.runtime.kvm;

import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.state.ContainerStore;

import dev.podlab.core.events.TraceEvent;

import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.core.container.EngineConfig;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExecResult;
import dev.podlab.core.container.ExecSession;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.runtime.RuntimeCatalog;
import dev.podlab.core.runtime.RuntimeHandler;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.StreamCapture;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.podlab.core.testing.TestEngine.busybox;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Containers on the {@code kvm} runtime in real QEMU micro-VMs (TCG here: three boots in the
 * class, each a few seconds to a minute on a loaded 2-core machine).
 */
@Tag("root")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KvmRuntimeTest {
    /** {@code kvm} restores VMs from templates (the default); {@code kvm-boot} boots every VM. */
    private static final Map<String, EngineSettings.RuntimeClass> CLASSES = Map.of("kvm-boot",
            new EngineSettings.RuntimeClass("kvm", Map.of("template", "off")));
    private TestEngine t;
    private ContainerEngine engine;

    @BeforeEach
    void open() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("qemu-system-x86_64");
        HostRequirements.require(GuestKernel.discover(Path.of("/boot"), Path.of("/lib/modules")).isPresent(),
                "needs a guest kernel in /boot with /lib/modules (apt-get install linux-image-amd64)");
        t = TestEngine.open(CLASSES);
        engine = t.engine;
        RuntimeCatalog.Entry e = engine.runtimes().entry("kvm");
        assertThat(e.works()).as("kvm verdict: %s", e.reason()).isTrue();
        assertThat(e.reason()).containsPattern("accelerator (KVM|TCG)").contains("restored from templates");
        assertThat(engine.runtimes().entry("kvm-boot").reason()).contains("every VM boots (template: off)");
    }

    @AfterEach
    void close() throws Exception {
        if (t != null) {
            t.close();
            assertThat(kvm().runningVms()).as("VMs left running").isEmpty();
            assertThat(kvm("kvm-boot").runningVms()).as("VMs left running").isEmpty();
            assertThat(KvmVm.mountsUnder(t.root)).as("mounts left under the state root").isEmpty();
        }
    }

    private KvmRuntime kvm() {
        return kvm("kvm");
    }

    private KvmRuntime kvm(String runtimeClass) {
        return (KvmRuntime) engine.runtimes().handler(runtimeClass);
    }

    private RuntimeHandler.Target target(ContainerRecord r) {
        return new RuntimeHandler.Target(r.id(), r.id().substring(0, 12), engine.containerDir(r.id()));
    }

    private List<CriLogLine> log(String id) throws Exception {
        List<CriLogLine> lines = new ArrayList<>();
        LogFollower.read(engine.logPath(id), false, () -> true, lines::add);
        return lines;
    }

    private static void awaitLog(Path file, String text) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(Files.exists(file) && Files.readString(file).contains(text)) && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertThat(file).as("log line %s", text).exists();
        assertThat(Files.readString(file)).contains(text);
    }

    private String trace(String id) throws Exception {
        return Files.readString(engine.containerDir(id).resolve("events.jsonl"));
    }

    @Test
    void aContainerRunsInItsOwnVmWithTheGuestKernelAndItsLogAndExitReachTheHost() throws Exception {
        String hostRelease = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        String guestRelease = GuestKernel.discover(Path.of("/boot"), Path.of("/lib/modules")).orElseThrow().release();
        // It also draws random bytes, and fills guest memory (a tmpfs) that the template never sees.
        ContainerRecord r = engine.run(busybox("sh", "-c", "uname -r; head -c 16 /dev/urandom | od -An -tx1 | tr -d "
                + "' \\n'; echo; dd if=/dev/urandom of=/dev/shm/fill bs=1M count=24 2>/dev/null").name("guest")
                .runtime("kvm").build());
        ExitRecord exit = engine.await(r.id(), Duration.ofSeconds(120)).orElseThrow();
        assertThat(exit.exitCode()).isZero();
        List<CriLogLine> lines = log(r.id());
        assertThat(lines).extracting(CriLogLine::text).hasSize(2).first().isEqualTo(guestRelease);
        assertThat(guestRelease).isNotEqualTo(hostRelease);
        String trace = trace(r.id());
        // The first VM of its shape built the template (a boot to the hello, then a snapshot) and was
        // restored from it; the pod's settings came in the agent's setup request.
        for (String step : List.of("accelerator", "build initramfs", "template boot", "template snapshot", "qemu start",
                "restore VM", "setup: clock, seed, network", "setup: mount 9p share", "container create",
                "container start", "pivot_root", "seccomp filter")) {
            assertThat(trace).as("trace step %s", step).contains("\"step\":\"" + step + "\"");
        }
        assertThat(trace).doesNotContain("\"step\":\"kernel boot\"", "\"step\":\"warning\",\"detail\":\"template");
        Path template;
        try (var dirs = Files.list(t.root.resolve("kvm/templates"))) {
            template = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        String memoryBefore = sha256(template.resolve("memory"));
        // The kernel was entered through PVH, decompressed on the host once.
        assertThat(trace).containsPattern("\"step\":\"(prepare|reuse) kernel\",\"detail\":\"[^\"]*entered through PVH");
        // The guest's clock was set from the host's: its shim's steps fall inside the host's create call
        // (with only the RTC's whole seconds they landed up to a second early).
        List<TraceEvent> events = new ArrayList<>();
        for (String line : trace(r.id()).lines().toList()) {
            events.add(ContainerStore.JSON.readValue(line, TraceEvent.class));
        }
        TraceEvent create = events.stream().filter(e -> e.step().equals("container create")).findFirst().orElseThrow();
        TraceEvent clone = events.stream().filter(e -> e.source().equals("guest") && e.step().equals("clone"))
                .findFirst().orElseThrow();
        assertThat(clone.startNanos()).isBetween(create.startNanos() - 50_000_000L,
                create.startNanos() + create.durationNanos());
        // The filter was compiled on the host and loaded in the guest, not compiled under emulation.
        assertThat(trace).doesNotContain("\"step\":\"seccomp-compile\"").contains("\"step\":\"seccomp\"");
        assertThat(trace).containsPattern("\"detail\":\"pid \\d+, (tcg|kvm), ");
        long qemuPid = kvm().runningVms().values().iterator().next();
        assertThat(Files.exists(Path.of("/proc/" + qemuPid))).isTrue();
        // QEMU runs in its own host cgroup beside the container's.
        assertThat(Files.readString(Path.of("/proc/" + qemuPid + "/cgroup"))).contains(t.cgroupParent + "/kvm-c-");
        // The VM as Containers.Inspect (and the pod diagram) shows it: QEMU on the host, the guest kernel inside.
        var vm = engine.vm(r.id()).orElseThrow();
        assertThat(vm.qemuPid()).isEqualTo(qemuPid);
        assertThat(vm.qemuCgroup()).contains(t.cgroupParent + "/kvm-c-");
        assertThat(vm.guestKernel()).isEqualTo(guestRelease);
        assertThat(vm.accelerator()).isIn("tcg", "kvm");
        assertThat(vm.agent()).startsWith("podlab-shim");

        ContainerRecord failing = engine.run(busybox("sh", "-c", "head -c 16 /dev/urandom | od -An -tx1 | tr -d "
                + "' \\n'; echo; echo oops >&2; exit 3").runtime("kvm").build());
        ExitRecord three = engine.await(failing.id(), Duration.ofSeconds(120)).orElseThrow();
        assertThat(three.exitCode()).isEqualTo(3);
        assertThat(log(failing.id())).extracting(CriLogLine::stream).containsExactly("stdout", "stderr");
        assertThat(log(failing.id()).get(1).text()).isEqualTo("oops");
        assertThat(trace(failing.id())).contains("\"step\":\"reuse initramfs\"", "\"step\":\"reuse template\"",
                "\"step\":\"restore VM\"").doesNotContain("\"step\":\"template boot\"");
        // Two guests restored from one frozen generator draw different numbers (setup reseeds it).
        assertThat(log(failing.id()).get(0).text()).hasSize(32).isNotEqualTo(lines.get(1).text());
        // What the guests wrote stayed in their own copies: the template's memory is as it was built.
        assertThat(sha256(template.resolve("memory"))).isEqualTo(memoryBefore);

        // A template QEMU cannot load (here: a truncated device state) is removed and that VM boots.
        Path state = template.resolve("state");
        Files.write(state, java.util.Arrays.copyOf(Files.readAllBytes(state), 100));
        ContainerRecord fallback = engine.run(busybox("true").runtime("kvm").build());
        assertThat(engine.await(fallback.id(), Duration.ofSeconds(120)).orElseThrow().exitCode()).isZero();
        assertThat(trace(fallback.id())).contains("\"step\":\"kernel boot\"")
                .containsPattern("\"step\":\"warning\",\"detail\":\"template [0-9a-f]{16} removed, the VM boots "
                        + "instead: failed to restore VM [^\"]+\"");
        assertThat(template).doesNotExist();
        engine.remove(fallback.id(), false);

        engine.remove(r.id(), false);
        engine.remove(failing.id(), false);
        assertThat(kvm().runningVms()).isEmpty();
        assertThat(Files.exists(Path.of("/proc/" + qemuPid))).as("QEMU %d reaped", qemuPid).isFalse();
        try (var vms = Files.list(t.root.resolve("kvm/vms"))) {
            assertThat(vms.toList()).isEmpty();
        }
    }

    private static String sha256(Path file) throws Exception {
        var md = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    @Test
    void execStatsAndAMemoryLimitApplyInsideTheGuest() throws Exception {
        // A VM that boots (template: off), as every VM did before templates.
        ContainerRecord r = engine.run(busybox("sleep", "300").name("vm-sleeper").runtime("kvm-boot")
                .resources(CgroupResources.builder().memoryLimitBytes(48L << 20).pidsLimit(30L).build()).build());
        ExecResult limit = engine.exec("vm-sleeper", ExecRequest.of(List.of("cat", "/sys/fs/cgroup/memory.max",
                "/sys/fs/cgroup/pids.max")), Duration.ofSeconds(60));
        assertThat(limit.exitCode()).as("stderr %s", limit.stderrText()).isZero();
        assertThat(limit.stdoutText()).isEqualTo((48L << 20) + "\n30\n");
        ExecResult mixed = engine.exec("vm-sleeper", ExecRequest.of(List.of("sh", "-c",
                "echo out; echo err >&2; cat /proc/1/cmdline; exit 4")), Duration.ofSeconds(60));
        assertThat(mixed.exitCode()).as("stderr %s", mixed.stderrText()).isEqualTo(4);
        assertThat(mixed.stdoutText()).startsWith("out\n").contains("sleep");
        assertThat(mixed.stderrText()).isEqualTo("err\n");
        ExecResult missing = engine.exec("vm-sleeper", ExecRequest.of(List.of("no-such-tool")), Duration.ofSeconds(60));
        assertThat(missing.exitCode()).isEqualTo(127);
        // The balloon (free page reporting) is loaded after the hello, at idle priority; this VM has no pod
        // network, so its virtio-net modules were never loaded.
        // It then reports free blocks of 32 KiB instead of 2 MiB.
        String modules = "";
        for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
             !modules.endsWith("\n3\n") && System.nanoTime() < end; Thread.sleep(500)) {
            modules = engine.exec("vm-sleeper", ExecRequest.of(List.of("sh", "-c", "cat /proc/modules; "
                    + "cat /sys/module/page_reporting/parameters/page_reporting_order")), Duration.ofSeconds(60))
                    .stdoutText();
        }
        assertThat(modules).contains("virtio_balloon ").contains("9p ").doesNotContain("virtio_net ").endsWith("\n3\n");
        for (String step : List.of("kernel boot", "agent ready", "boot: load modules", "boot: switch root and mount",
                "setup: mount 9p share")) {
            assertThat(trace(r.id())).as("trace step %s", step).contains("\"step\":\"" + step + "\"");
        }
        assertThat(trace(r.id())).doesNotContain("\"step\":\"template", "\"step\":\"reuse template",
                "\"step\":\"restore VM");
        interactiveExecForwardsStdinATerminalAndItsSize();

        // reopen-log (CRI ReopenContainerLog): the guest shim opens the log path again through 9p.
        Path logFile = engine.logPath(r.id());
        ExecResult first = engine.exec("vm-sleeper", ExecRequest.of(List.of("sh", "-c",
                "echo first > /proc/1/fd/1")), Duration.ofSeconds(60));
        assertThat(first.exitCode()).as("stderr %s", first.stderrText()).isZero();
        awaitLog(logFile, "first");
        Path rotated = logFile.resolveSibling(logFile.getFileName() + ".1");
        Files.move(logFile, rotated);
        engine.reopenLog("vm-sleeper");
        engine.exec("vm-sleeper", ExecRequest.of(List.of("sh", "-c", "echo second > /proc/1/fd/1")),
                Duration.ofSeconds(60));
        awaitLog(logFile, "second");
        assertThat(Files.readString(logFile)).doesNotContain("first");
        assertThat(Files.readString(rotated)).contains("first").doesNotContain("second");

        Map<String, Long> stats = kvm("kvm-boot").guestStats(target(r));
        assertThat(stats.get("memory.max")).isEqualTo(48L << 20);
        assertThat(stats.get("pids.current")).isPositive();
        assertThat(stats.get("memory.current")).isPositive();

        // The engine exits (the VM runs on); a new engine on the same root reconnects to it.
        long qemuPid = kvm("kvm-boot").runningVms().values().iterator().next();
        kvm("kvm-boot").detach();
        ContainerEngine second = new ContainerEngine(new EngineConfig(t.root, t.cgroups, t.cgroupParent, CLASSES));
        assertThat(second.inspect("vm-sleeper").status()).isEqualTo(ContainerStatus.RUNNING);
        String guestRelease = GuestKernel.discover(Path.of("/boot"), Path.of("/lib/modules")).orElseThrow().release();
        ExecResult again = second.exec("vm-sleeper", ExecRequest.of(List.of("uname", "-r")), Duration.ofSeconds(60));
        assertThat(again.stdoutText()).isEqualTo(guestRelease + "\n");

        ContainerRecord stopped = second.stop("vm-sleeper", Duration.ofSeconds(2));
        assertThat(stopped.exit().exitCode()).isEqualTo(137);
        second.remove("vm-sleeper", false);
        assertThat(((KvmRuntime) second.runtimes().handler("kvm-boot")).runningVms()).isEmpty();
        assertThat(ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive)).as("QEMU %d", qemuPid).isNotEqualTo(
                java.util.Optional.of(true));
    }

    /** Interactive exec in the guest: stdin lines, eof, a pty that follows resizes, cancel. */
    private void interactiveExecForwardsStdinATerminalAndItsSize() throws Exception {
        // No terminal: cat echoes each line while its stdin is still open, and ends at eof.
        ExecSession cat = engine.startExec("vm-sleeper", ExecRequest.of(List.of("cat")), 0, 0,
                ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        StreamCapture catOut = StreamCapture.of(cat.process().getInputStream());
        cat.process().getOutputStream().write("ping one\n".getBytes(StandardCharsets.UTF_8));
        assertThat(catOut.await("ping one\n", Duration.ofSeconds(60))).isEqualTo("ping one\n");
        assertThat(cat.process().isAlive()).isTrue();
        cat.process().getOutputStream().write("two\0three\n".getBytes(StandardCharsets.UTF_8));
        cat.process().getOutputStream().close();
        assertThat(cat.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(catOut.join()).isEqualTo("ping one\ntwo\0three\n");
        assertThat(cat.process().exitValue()).isZero();

        // Flow control: while the process does not read, its writer on the host stops at the agent's
        // window (256 KiB unacknowledged, plus what the 64 KiB pipe took); then all of it arrives.
        ExecSession slow = engine.startExec("vm-sleeper", ExecRequest.of(List.of("sh", "-c",
                        "while [ ! -e /tmp/go ]; do sleep 0.2; done; wc -c")), 0, 0,
                ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        StreamCapture slowOut = StreamCapture.of(slow.process().getInputStream());
        var sent = new java.util.concurrent.atomic.AtomicLong();
        byte[] block = new byte[16 * 1024];
        java.util.Arrays.fill(block, (byte) 'x');
        Thread writer = Thread.ofVirtual().start(() -> {
            try (var in = slow.process().getOutputStream()) {
                for (int i = 0; i < 128; i++) { // 2 MiB
                    in.write(block);
                    sent.addAndGet(block.length);
                }
            } catch (java.io.IOException e) {
                sent.set(-1);
            }
        });
        Thread.sleep(3000);
        assertThat(sent.get()).as("bytes sent while nothing reads").isBetween(16L * 1024, 400L * 1024);
        assertThat(engine.exec("vm-sleeper", ExecRequest.of(List.of("touch", "/tmp/go")), Duration.ofSeconds(60))
                .exitCode()).isZero();
        writer.join(Duration.ofSeconds(60));
        assertThat(sent.get()).isEqualTo(2L << 20);
        assertThat(slow.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(slowOut.join().strip()).isEqualTo(Long.toString(2L << 20));

        // A terminal: the first size is there before the process runs, a resize reaches the pty before
        // the input sent after it, and the exit code comes back.
        ExecSession tty = engine.startExec("vm-sleeper", new ExecRequest(List.of("sh", "-c",
                        "stty size; read x; stty size; [ -t 0 ] && exit 7"), List.of(), null, null, null, true),
                33, 101, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        StreamCapture ttyOut = StreamCapture.of(tty.process().getInputStream());
        assertThat(ttyOut.await("33 101\n", Duration.ofSeconds(60))).isEqualTo("33 101\n");
        tty.resize(45, 120);
        tty.process().getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        assertThat(tty.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ttyOut.join()).isEqualTo("33 101\ngo\n45 120\n");
        assertThat(tty.process().exitValue()).as("output %s", ttyOut.text()).isEqualTo(7);

        // destroy() cancels: the agent kills the exec in the guest and answers 137.
        ExecSession sleeper = engine.startExec("vm-sleeper", ExecRequest.of(List.of("sleep", "299")), 0, 0,
                ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        Thread.sleep(500);
        sleeper.process().destroy();
        assertThat(sleeper.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sleeper.process().exitValue()).isEqualTo(137);
        ExecResult ps = engine.exec("vm-sleeper", ExecRequest.of(List.of("ps", "-o", "args")), Duration.ofSeconds(60));
        assertThat(ps.stdoutText()).contains("sleep 300").doesNotContain("sleep 299");
    }

    @Test
    void twoVmsOfOneShapeStartedTogetherShareOneTemplate() throws Exception {
        List<java.util.concurrent.CompletableFuture<ContainerRecord>> runs = new ArrayList<>();
        for (String name : List.of("twin-a", "twin-b")) {
            var config = busybox("sleep", "60").name(name).runtime("kvm").build();
            runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> engine.run(config),
                    r -> Thread.ofPlatform().start(r)));
        }
        List<String> traces = new ArrayList<>();
        for (var run : runs) {
            ContainerRecord r = run.get(3, TimeUnit.MINUTES);
            assertThat(r.status()).isEqualTo(ContainerStatus.RUNNING);
            traces.add(trace(r.id()));
        }
        // One built the template, the other restored from it too (the engine serialises creates under the
        // state root's lock; the template's own locks guard against other processes on the root).
        assertThat(traces).filteredOn(tr -> tr.contains("\"step\":\"template boot\"")).hasSize(1);
        assertThat(traces).filteredOn(tr -> tr.contains("\"step\":\"reuse template\"")).hasSize(1);
        assertThat(traces).allMatch(tr -> tr.contains("\"step\":\"restore VM\"") && !tr.contains("\"warning\""
                + ",\"detail\":\"template"));
        try (var dirs = Files.list(t.root.resolve("kvm/templates"))) {
            assertThat(dirs.filter(Files::isDirectory).toList()).hasSize(1);
        }
        assertThat(kvm().runningVms()).hasSize(2);
        engine.remove("twin-a", true);
        engine.remove("twin-b", true);
    }

    @Test
    void aNewEngineReapsTheVmOfAContainerWhoseRecordIsGone() throws Exception {
        ContainerRecord r = engine.run(busybox("sleep", "300").name("vm-orphan").runtime("kvm").build());
        long qemuPid = kvm().runningVms().values().iterator().next();
        Path dir = engine.containerDir(r.id());
        // The engine goes away (its channels close, as a kill -9 closes them; the VM runs on) and the
        // container's record is removed before the next engine starts.
        engine.runtimes().detach();
        assertThat(ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive)).contains(true);
        Files.delete(dir.resolve("state.json"));

        ContainerEngine.ReconcileReport report = new ContainerEngine(new EngineConfig(t.root, t.cgroups,
                t.cgroupParent)).reconcile();
        assertThat(report.repaired()).anySatisfy(line -> assertThat(line).startsWith("reaped VM c-"
                + r.id().substring(0, 12) + ": killed QEMU pid " + qemuPid));
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (Files.exists(Path.of("/proc/" + qemuPid)) && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertThat(Files.exists(Path.of("/proc/" + qemuPid))).as("QEMU %d reaped", qemuPid).isFalse();
        try (var vms = Files.list(t.root.resolve("kvm/vms"))) {
            assertThat(vms.toList()).isEmpty();
        }
        assertThat(t.cgroups.exists(t.cgroupParent + "/kvm-c-" + r.id().substring(0, 12))).isFalse();
        assertThat(Files.exists(dir)).as("the container directory, released").isFalse();
        // Nothing left to reap on the next start.
        assertThat(new ContainerEngine(new EngineConfig(t.root, t.cgroups, t.cgroupParent)).reconcile().repaired())
                .isEmpty();
    }
}
