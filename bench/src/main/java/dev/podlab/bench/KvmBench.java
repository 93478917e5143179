package dev.podlab.bench;

import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.EngineConfig;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExecResult;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.rootfs.BusyboxRootfs;
import dev.podlab.core.runtime.RuntimeHandler;
import dev.podlab.core.runtime.kvm.BootImage;
import dev.podlab.core.runtime.kvm.CpioWriter;
import dev.podlab.core.runtime.kvm.GuestKernel;
import dev.podlab.core.runtime.kvm.KvmRuntime;
import dev.podlab.core.runtime.kvm.VmConfig;
import dev.podlab.core.state.ContainerStore;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code ./scripts/bench kvm [RUNS]}: the {@code kvm} runtime against a plain QEMU boot
 * (docs/benchmarks.md, "KVM sandbox runtime").
 * <ol>
 *   <li>Run to container-running: {@code engine.run} of a busybox {@code sleep} on runtime kvm, twice
 *       per round: restored from its template (the default: QEMU start, device state load, setup,
 *       container create and start) and booted ({@code template: off}: QEMU start, kernel boot, agent
 *       hello, setup, container create and start),
 *       against the same QEMU command line (same kernel, memory, devices, accelerator) with a
 *       minimal initramfs whose static {@code /init}, built here with gcc, writes a marker to the
 *       serial console as soon as it runs; timed from QEMU's start to the marker. Twice: booting the
 *       bzImage as QEMU's {@code -kernel vmlinuz} does, and booting the ELF podlab takes out of it
 *       through PVH, as podlab does (so the second comparison is podlab's own work alone).
 *       Interleaved, so all see the same machine load.</li>
 *   <li>Memory per sandbox on the host: QEMU's RSS and PSS and the host cgroup of the VM, against
 *       the workload's own memory in the guest cgroup; what one more sandbox costs (its USS), for
 *       restored and for booted VMs.</li>
 * </ol>
 */
public final class KvmBench {
    private static final String MARKER = "podlab-bench-init-ran";

    private KvmBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path work = Files.createTempDirectory(Path.of("/tmp"), "plkvmbench");
        String parent = "podlab-kvmbench-" + ProcessHandle.current().pid();
        try {
            Path rootfs = BusyboxRootfs.ensure(work.resolve("busybox"));
            var engine = new ContainerEngine(new EngineConfig(work.resolve("state"), CgroupManagers.host(), parent,
                    Map.of(BOOTED, new EngineSettings.RuntimeClass("kvm", Map.of("template", "off")))));
            KvmRuntime kvm = (KvmRuntime) engine.runtimes().require(KvmRuntime.NAME);
            KvmRuntime kvmBooted = (KvmRuntime) engine.runtimes().require(BOOTED);
            GuestKernel kernel = kvm.kernel().orElseThrow();
            KvmRuntime.Verdict verdict = kvm.verdict();
            System.out.println("kvm runtime: " + verdict.reason());
            Path plainInitrd = plainInitramfs(work);
            // One unmeasured run builds podlab's initramfs and the template, and warms the JIT.
            ContainerRecord first = bootPodlab(engine, rootfs, KvmRuntime.NAME);
            long build = trace(engine, first).stream().filter(e -> e.step().startsWith("template "))
                    .mapToLong(TraceEvent::durationNanos).sum();
            System.out.printf("template built once (boot to the hello, snapshot, sync): %.0f ms%n", build / 1e6);
            engine.remove(first.id(), true);
            engine.remove(bootPodlab(engine, rootfs, BOOTED).id(), true);

            long[] podlab = new long[runs];
            long[] booted = new long[runs];
            long[] bootedCpu = new long[runs];
            long[] plain = new long[runs];
            long[] plainPvh = new long[runs];
            GuestKernel pvhKernel = BootImage.prepare(kernel, work.resolve("state/kvm"), true).kernel();
            // QEMU's CPU time (user + system) until the same points: far less sensitive to the
            // host's load than wall time, and TCG's boot is CPU-bound.
            long[] podlabCpu = new long[runs];
            long[] plainCpu = new long[runs];
            Map<String, long[]> steps = new java.util.LinkedHashMap<>();
            for (int i = 0; i < runs; i++) {
                long[] plainRun = bootPlain(work, kernel, plainInitrd, verdict.accel(), i);
                plain[i] = plainRun[0];
                plainCpu[i] = plainRun[1];
                plainPvh[i] = bootPlain(work, pvhKernel, plainInitrd, verdict.accel(), runs + i)[0];
                long b0 = System.nanoTime();
                ContainerRecord cold = bootPodlab(engine, rootfs, BOOTED);
                booted[i] = System.nanoTime() - b0;
                bootedCpu[i] = cpuNanos(kvmBooted.runningVms().values().iterator().next());
                if (i == runs - 1) {
                    secondSandbox(engine, kvmBooted, rootfs, BOOTED, false);
                }
                engine.remove(cold.id(), true);
                long t0 = System.nanoTime();
                ContainerRecord r = bootPodlab(engine, rootfs, KvmRuntime.NAME);
                podlab[i] = System.nanoTime() - t0;
                podlabCpu[i] = cpuNanos(kvm.runningVms().values().iterator().next());
                for (TraceEvent e : trace(engine, r)) {
                    if (e.durationNanos() > 0 && STEPS.contains(e.step())) {
                        steps.computeIfAbsent(e.step(), k -> new long[runs])[i] += e.durationNanos();
                    } else if (e.durationNanos() > 0 && e.source().equals("guest")) {
                        // The agent's boot steps and the guest shim's create/start steps, inside the VM.
                        steps.computeIfAbsent("  in the guest: " + e.step(), k -> new long[runs])[i]
                                += e.durationNanos();
                    }
                }
                if (i == runs - 1) {
                    memory(engine, kvm, r);
                    secondSandbox(engine, kvm, rootfs, KvmRuntime.NAME, true);
                }
                engine.remove(r.id(), true);
            }
            Bench.report("plain QEMU boot to /init, bzImage (" + verdict.accel() + ")", plain);
            Bench.report("plain QEMU boot to /init, PVH ELF (" + verdict.accel() + ")", plainPvh);
            Bench.report("podlab kvm run to container running, booted (template: off)", booted);
            Bench.report("podlab kvm run to container running, restored from the template", podlab);
            steps.forEach((step, nanos) -> Bench.report("  of which " + step, nanos));
            System.out.printf("booted against the plain PVH boot (medians): %+.0f%% (%+.0f ms)%n",
                    (Bench.median(booted) / Bench.median(plainPvh) - 1) * 100,
                    (Bench.median(booted) - Bench.median(plainPvh)) / 1e6);
            System.out.printf("restored against booted (medians): %.2fx%n", Bench.median(podlab) / Bench.median(booted));
            double over = Bench.median(podlab) / Bench.median(plain) - 1;
            System.out.printf("podlab against the plain bzImage boot (medians): %+.0f%% (%+.0f ms)%n", over * 100,
                    (Bench.median(podlab) - Bench.median(plain)) / 1e6);
            System.out.printf("podlab's own work: against the plain boot on the same PVH path (medians): %+.0f%%"
                    + " (%+.0f ms)%n", (Bench.median(podlab) / Bench.median(plainPvh) - 1) * 100,
                    (Bench.median(podlab) - Bench.median(plainPvh)) / 1e6);
            Bench.report("QEMU CPU time, plain boot to /init", plainCpu);
            Bench.report("QEMU CPU time, podlab booted to container running", bootedCpu);
            Bench.report("QEMU CPU time, podlab restored to container running", podlabCpu);
            System.out.printf("overhead in QEMU CPU time (medians): %.0f%%%n",
                    (Bench.median(podlabCpu) / Bench.median(plainCpu) - 1) * 100);
        } finally {
            Bench.cleanup(work, parent);
        }
    }

    /** The trace steps the boot-to-running time is made of (docs/kvm.md, "Trace steps"). */
    private static final List<String> STEPS = List.of("reuse kernel", "reuse initramfs", "reuse template",
            "qemu start", "restore VM", "container create", "container start");
    /** The runtime class of VMs that boot ({@code template: off}), measured beside the default. */
    private static final String BOOTED = "kvm-boot";

    private static List<TraceEvent> trace(ContainerEngine engine, ContainerRecord r) throws IOException {
        List<TraceEvent> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(engine.containerDir(r.id()).resolve("events.jsonl"))) {
            out.add(ContainerStore.JSON.readValue(line, TraceEvent.class));
        }
        return out;
    }

    private static ContainerRecord bootPodlab(ContainerEngine engine, Path rootfs, String runtime) {
        return engine.run(ContainerConfig.builder(rootfs, List.of("sleep", "600")).runtime(runtime).build());
    }

    /** A newc initramfs with /dev/console and a static /init that prints the marker and waits. */
    private static Path plainInitramfs(Path work) throws IOException, InterruptedException {
        Path src = work.resolve("init.c");
        Files.writeString(src, """
                #include <fcntl.h>
                #include <unistd.h>
                int main (void)
                {
                  int fd = open ("/dev/console", O_WRONLY);
                  write (fd, "\\n%s\\n", sizeof "\\n%s\\n" - 1);
                  for (;;)
                    pause ();
                }
                """.formatted(MARKER, MARKER));
        Path bin = work.resolve("init");
        Process cc = new ProcessBuilder("gcc", "-static", "-Os", "-o", bin.toString(), src.toString()).inheritIO()
                .start();
        if (cc.waitFor() != 0) {
            throw new IOException("failed to build the plain /init: gcc exited with " + cc.exitValue()
                    + " (apt-get install gcc libc6-dev)");
        }
        Path cpio = work.resolve("plain.cpio");
        try (OutputStream out = Files.newOutputStream(cpio); CpioWriter w = new CpioWriter(out)) {
            w.directory("dev", 0755);
            w.charDevice("dev/console", 0600, 5, 1);
            w.file("init", 0755, Files.readAllBytes(bin));
            w.finish();
        }
        return cpio;
    }

    /** QEMU's user + system CPU time so far (clock ticks of /proc/PID/stat, 100 per second here). */
    private static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    /** Wall and QEMU CPU nanoseconds from QEMU's start until the plain /init's marker is on the console. */
    private static long[] bootPlain(Path work, GuestKernel kernel, Path initrd, String accel, int i) throws Exception {
        Path dir = Files.createDirectories(work.resolve("plain-" + i));
        Path console = dir.resolve("console.log");
        // The runtime's own command line (memory: its default 256 MiB + 96 MiB overhead, rounded up to 384), another
        // initrd.
        VmConfig cfg = new VmConfig(Path.of(KvmRuntime.findQemu().orElseThrow().toString()), kernel, initrd, accel,
                384, 1, Files.createDirectories(dir.resolve("share")), dir.resolve("ctl.sock"), console,
                accel.equals("tcg") ? tscKhz() : 0, null, null);
        long t0 = System.nanoTime();
        Process qemu = new ProcessBuilder(cfg.command()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile()).start();
        try {
            long deadline = t0 + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < deadline && qemu.isAlive()) {
                if (Files.exists(console) && Files.readString(console, StandardCharsets.ISO_8859_1).contains(MARKER)) {
                    return new long[] {System.nanoTime() - t0, cpuNanos(qemu.pid())};
                }
                Thread.sleep(5);
            }
            throw new IOException("failed to boot the plain VM: no marker; console: " + Files.readString(console));
        } finally {
            qemu.destroyForcibly(); // by its pid: this harness started it
            qemu.waitFor();
        }
    }

    private static long tscKhz() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("cpu MHz")).findFirst()
                .map(l -> Math.round(Double.parseDouble(l.substring(l.indexOf(':') + 1).strip()) * 1000)).orElse(0L);
    }

    /** QEMU's resident memory and its host cgroup against the workload's guest cgroup. */
    private static void memory(ContainerEngine engine, KvmRuntime kvm, ContainerRecord r) throws Exception {
        long pid = kvm.runningVms().values().iterator().next();
        for (int s : new int[] {3, 10}) {
            Thread.sleep(s == 3 ? 3000 : 7000);
            System.out.printf("QEMU RSS %d s after the container started: %d KiB%n", s,
                    kib(Files.readString(Path.of("/proc/" + pid + "/smaps_rollup")), "Rss"));
        }
        String rollup = Files.readString(Path.of("/proc/" + pid + "/smaps_rollup"));
        long rss = kib(rollup, "Rss");
        long pss = kib(rollup, "Pss");
        Map<String, Long> guest = kvm.guestStats(new RuntimeHandler.Target(r.id(), r.id().substring(0, 12),
                engine.containerDir(r.id())));
        long workload = guest.get("memory.current") / 1024;
        String cgroup = Files.readString(Path.of("/proc/" + pid + "/cgroup")).lines()
                .filter(l -> l.contains(":memory:")).findFirst().map(l -> l.substring(l.lastIndexOf(':') + 1))
                .orElse("");
        Path usage = Path.of("/sys/fs/cgroup/memory" + cgroup, "memory.usage_in_bytes");
        long cgroupKib = Files.exists(usage) ? Long.parseLong(Files.readString(usage).strip()) / 1024 : -1;
        System.out.printf("QEMU pid %d: RSS %d KiB, PSS %d KiB; host cgroup %s: %d KiB; workload in the guest "
                + "cgroup: %d KiB%n", pid, rss, pss, cgroup, cgroupKib, workload);
        System.out.printf("memory overhead per sandbox (QEMU PSS - workload): %.1f MiB%n", (pss - workload) / 1024.0);
        ExecResult meminfo = engine.exec(r.id(), ExecRequest.of(List.of("cat", "/proc/meminfo")),
                Duration.ofSeconds(60));
        System.out.println("  guest: " + meminfo.stdoutText().lines().filter(l -> l.matches("(MemTotal|MemFree|"
                + "Cached|Shmem|Slab|KernelStack|PageTables|AnonPages|Percpu|VmallocUsed):.*"))
                .map(l -> l.replaceAll("\\s+", " ")).collect(java.util.stream.Collectors.joining(", ")));
        // Where QEMU's resident memory is: the guest's RAM, TCG's translation cache, QEMU itself.
        List<String> smaps = Files.readAllLines(Path.of("/proc/" + pid + "/smaps"));
        List<long[]> maps = new java.util.ArrayList<>(); // size KiB, rss KiB, header index
        for (int i = 0; i < smaps.size(); i++) {
            if (smaps.get(i).startsWith("Size:")) {
                long size = Long.parseLong(smaps.get(i).replaceAll("[^0-9]", ""));
                int at = i;
                while (!smaps.get(at).startsWith("Rss:")) {
                    at++;
                }
                long rssKib = Long.parseLong(smaps.get(at).replaceAll("[^0-9]", ""));
                maps.add(new long[] {size, rssKib, i - 1});
            }
        }
        maps.sort((a, b) -> Long.compare(b[1], a[1]));
        for (long[] m : maps.subList(0, Math.min(5, maps.size()))) {
            System.out.printf("  mapping of %d KiB: %d KiB resident  %s%n", m[0], m[1], smaps.get((int) m[2])
                    .replaceAll("\\s+", " "));
        }
    }

    /**
     * What one more sandbox costs a host that runs many: a second VM beside the first, both idle
     * 10 s. QEMU's binary and libraries are shared (PSS splits them), so the second VM's private
     * memory (USS: Private_Clean + Private_Dirty) is its marginal cost.
     */
    private static void secondSandbox(ContainerEngine engine, KvmRuntime kvm, Path rootfs, String runtime,
                                      boolean ksm) throws Exception {
        ContainerRecord second = bootPodlab(engine, rootfs, runtime);
        try {
            Thread.sleep(10_000);
            long pssSum = 0;
            for (var vm : kvm.runningVms().entrySet()) {
                String rollup = Files.readString(Path.of("/proc/" + vm.getValue() + "/smaps_rollup"));
                long uss = kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty");
                pssSum += kib(rollup, "Pss");
                System.out.printf("two %s sandboxes: QEMU pid %d (%s): PSS %d KiB, USS %d KiB, shared %d KiB%n",
                        runtime, vm.getValue(), vm.getKey(), kib(rollup, "Pss"), uss, kib(rollup, "Shared_Clean")
                                + kib(rollup, "Shared_Dirty"));
            }
            System.out.printf("two sandboxes: PSS sum %.1f MiB, %.1f MiB per sandbox; the marginal cost of one more "
                    + "is its USS (above)%n", pssSum / 1024.0, pssSum / 2048.0);
            if (ksm) {
                withKsm(kvm);
            }
        } finally {
            engine.remove(second.id(), true);
        }
    }

    /**
     * The same two sandboxes with the host's KSM merging identical guest pages (QEMU marks guest RAM
     * mergeable; with PVH boot both guests' kernels sit unrandomised at the same addresses). KSM is a
     * host-wide setting that podlab leaves alone: the bench turns it on with a fast scan for two full
     * passes and restores the host's settings (unmerging) afterwards.
     */
    private static void withKsm(KvmRuntime kvm) throws Exception {
        Path ksm = Path.of("/sys/kernel/mm/ksm");
        if (!Files.isDirectory(ksm)) {
            System.out.println("KSM: not in this kernel");
            return;
        }
        String run = Files.readString(ksm.resolve("run")).strip();
        String pages = Files.readString(ksm.resolve("pages_to_scan")).strip();
        String sleep = Files.readString(ksm.resolve("sleep_millisecs")).strip();
        try {
            Files.writeString(ksm.resolve("pages_to_scan"), "5000");
            Files.writeString(ksm.resolve("sleep_millisecs"), "10");
            long scans0 = Long.parseLong(Files.readString(ksm.resolve("full_scans")).strip());
            Files.writeString(ksm.resolve("run"), "1");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (Long.parseLong(Files.readString(ksm.resolve("full_scans")).strip()) < scans0 + 3
                    && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            long sharing = Long.parseLong(Files.readString(ksm.resolve("pages_sharing")).strip());
            long shared = Long.parseLong(Files.readString(ksm.resolve("pages_shared")).strip());
            System.out.printf("KSM (3 full scans): %d pages sharing %d (%.1f MiB saved)%n", sharing, shared,
                    sharing * 4 / 1024.0);
            for (var vm : kvm.runningVms().entrySet()) {
                String rollup = Files.readString(Path.of("/proc/" + vm.getValue() + "/smaps_rollup"));
                System.out.printf("two sandboxes with KSM: QEMU pid %d: PSS %d KiB, USS %d KiB%n", vm.getValue(),
                        kib(rollup, "Pss"), kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty"));
            }
        } finally {
            Files.writeString(ksm.resolve("run"), "2"); // unmerge what this run merged
            Files.writeString(ksm.resolve("run"), run);
            Files.writeString(ksm.resolve("pages_to_scan"), pages);
            Files.writeString(ksm.resolve("sleep_millisecs"), sleep);
        }
    }

    private static long kib(String procFile, String name) {
        return Long.parseLong(Bench.field(procFile, name).replaceAll("[^0-9]", ""));
    }
}
