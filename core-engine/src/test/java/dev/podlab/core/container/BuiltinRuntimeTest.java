package dev.podlab.core.container;

import dev.podlab.core.cgroup.Cgroup;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.cgroup.CgroupStats;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.podlab.core.testing.TestEngine.busybox;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real containers on the built-in runtime: every assertion about isolation is made from
 * inside the container, every limit is enforced by the kernel.
 */
@Tag("root")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BuiltinRuntimeTest {
    private TestEngine t;
    private ContainerEngine engine;

    @BeforeEach
    void open() throws IOException {
        t = TestEngine.open();
        engine = t.engine;
    }

    @AfterEach
    void close() throws IOException {
        if (t != null) {
            t.close();
        }
    }

    private ExitRecord runToExit(ContainerConfig c) {
        ContainerRecord r = engine.run(c);
        return engine.await(r.id(), Duration.ofSeconds(60)).orElseThrow();
    }

    private List<CriLogLine> log(String ref) throws Exception {
        List<CriLogLine> lines = new ArrayList<>();
        LogFollower.read(engine.logPath(ref), false, () -> true, lines::add);
        return lines;
    }

    private String stdout(String ref) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (CriLogLine l : log(ref)) {
            if (l.stream().equals("stdout")) {
                sb.append(l.text()).append(l.partial() ? "" : "\n");
            }
        }
        return sb.toString();
    }

    private String exec(String ref, String... cmd) {
        ExecResult r = engine.exec(ref, ExecRequest.of(List.of(cmd)), Duration.ofSeconds(20));
        assertThat(r.exitCode()).as("exit of %s, stderr %s", List.of(cmd), r.stderrText()).isZero();
        return r.stdoutText();
    }

    @Test
    void theContainerIsIsolatedAndConfinedLikeDockersDefaults() throws Exception {
        engine.run(busybox("sleep", "300").name("iso").hostname("inside").build());

        String status = exec("iso", "cat", "/proc/1/status");
        assertThat(status).containsPattern("CapEff:\\s+00000000a80425fb")
                .containsPattern("CapBnd:\\s+00000000a80425fb")
                .containsPattern("NoNewPrivs:\\s+1")
                .containsPattern("Seccomp:\\s+2");
        // PID 1 inside is the container's own command.
        assertThat(exec("iso", "cat", "/proc/1/cmdline").replace('\0', ' ').trim()).isEqualTo("sleep 300");
        assertThat(exec("iso", "hostname").trim()).isEqualTo("inside");
        // Only stdio is open in init: no descriptor of the engine or the shim leaked in.
        assertThat(exec("iso", "ls", "/proc/1/fd").split("\\s+")).containsExactlyInAnyOrder("0", "1", "2");
        // Its own mount table: the overlay root and the standard mounts, nothing of the host.
        List<String> mountPoints = exec("iso", "cat", "/proc/1/mounts").lines().map(l -> l.split(" ")[1]).toList();
        assertThat(mountPoints).first().isEqualTo("/");
        assertThat(mountPoints).contains("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/proc/sys")
                .allMatch(m -> m.equals("/") || m.startsWith("/proc") || m.startsWith("/dev") || m.startsWith("/sys"),
                        "only the container's own mounts");
        // Masked paths read as empty (those this kernel has), read-only paths refuse writes.
        for (String masked : List.of("/proc/keys", "/proc/timer_list", "/proc/kcore", "/proc/sched_debug")) {
            if (Files.exists(Path.of(masked))) {
                assertThat(exec("iso", "wc", "-c", masked).trim()).as(masked).startsWith("0");
            }
        }
        assertThat(exec("iso", "ls", "/sys/firmware").trim()).isEmpty();
        ExecResult sysctl = engine.exec("iso", ExecRequest.of(List.of("sh", "-c",
                "echo 1 > /proc/sys/kernel/ns_last_pid")), Duration.ofSeconds(10));
        assertThat(sysctl.exitCode()).isNotZero();
        assertThat(sysctl.stderrText()).contains("Read-only file system");
        ExecResult mount = engine.exec("iso", ExecRequest.of(List.of("mount", "-t", "tmpfs", "x", "/mnt")),
                Duration.ofSeconds(10));
        assertThat(mount.exitCode()).isNotZero();
        assertThat(exec("iso", "ls", "/dev").split("\\s+")).containsExactlyInAnyOrder("null", "zero", "full", "random",
                "urandom", "tty", "ptmx", "pts", "shm", "mqueue", "fd", "stdin", "stdout", "stderr");
        // CAP_MKNOD is in the default set, but the devices allowlist stops nodes for the host's disks.
        ExecResult disk = engine.exec("iso", ExecRequest.of(List.of("mknod", "/tmp/disk", "b", "8", "0")),
                Duration.ofSeconds(10));
        if (t.cgroups.layout().version() == dev.podlab.core.cgroup.CgroupVersion.V1) {
            assertThat(disk.exitCode()).isNotZero();
            assertThat(disk.stderrText()).contains("Operation not permitted");
        }
        assertThat(exec("iso", "sh", "-c", "mknod /tmp/null2 c 1 3 && echo made")).isEqualTo("made\n");
        // Namespaces differ from the host's.
        assertThat(engine.namespaces("iso").get("pid"))
                .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString());
    }

    @Test
    void theWorkingDirectoryResolvesInsideTheRootfs() throws Exception {
        // A rootfs whose /escape points far above its own root: the cwd must still land inside.
        Path fs = Files.createTempDirectory(Path.of("/tmp"), "plfs");
        try {
            copyRootfs(TestEngine.rootfs(), fs);
            Files.createSymbolicLink(fs.resolve("escape"), Path.of("../../../../../../tmp"));
            Files.writeString(fs.resolve("tmp/marker"), "inside");
            ContainerRecord r = engine.run(dev.podlab.core.container.ContainerConfig.builder(fs,
                    List.of("cat", "marker")).workingDir("/escape").build());
            ExitRecord exit = engine.await(r.id(), Duration.ofSeconds(30)).orElseThrow();
            assertThat(exit.exitCode()).isZero();
            assertThat(stdout(r.id())).isEqualTo("inside\n");
        } finally {
            deleteTree(fs);
        }
    }

    @Test
    void logsAreInCriFormatWithStreamsAndPartialLines() throws Exception {
        ContainerRecord r = engine.run(busybox("sh", "-c", "echo out; echo err >&2; echo; printf tail").build());
        engine.await(r.id(), Duration.ofSeconds(30)).orElseThrow();
        List<String> raw = Files.readAllLines(engine.logPath(r.id()), StandardCharsets.UTF_8);
        assertThat(raw).allMatch(l -> l.matches(
                "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (stdout|stderr) [FP]( .*)?"), "CRI format");
        List<CriLogLine> lines = log(r.id());
        assertThat(lines).extracting(l -> l.stream() + ":" + l.text())
                .containsSubsequence("stdout:out", "stdout:", "stdout:tail")
                .contains("stderr:err");
        assertThat(lines).allMatch(l -> !l.partial());
    }

    @Test
    void exitCodesSignalsAndReasonsAreRecorded() throws Exception {
        assertThat(runToExit(busybox("true").build()).reason()).isEqualTo("Completed");
        ExitRecord three = runToExit(busybox("sh", "-c", "exit 3").build());
        assertThat(three.exitCode()).isEqualTo(3);
        assertThat(three.signal()).isZero();
        assertThat(three.reason()).isEqualTo("Error");

        ContainerRecord sleeper = engine.run(busybox("sleep", "300").build());
        engine.kill(sleeper.id(), 9);
        ExitRecord killed = engine.await(sleeper.id(), Duration.ofSeconds(30)).orElseThrow();
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(killed.signal()).isEqualTo(9);
        assertThat(killed.oomKilled()).isFalse();
        assertThat(engine.inspect(sleeper.id()).status()).isEqualTo(ContainerStatus.EXITED);
        assertThat(killed.finishedAt()).isGreaterThan(killed.startedAt());
    }

    @Test
    void stopUsesSigtermWhenHandledAndEscalatesToSigkillWhenIgnored() throws Exception {
        // A shell that traps TERM ends by itself...
        ContainerRecord polite = engine.run(busybox("sh", "-c", "trap 'exit 42' TERM; while true; do sleep 1; done").build());
        awaitLogOrSleep(polite, Duration.ofMillis(300));
        ContainerRecord stopped = engine.stop(polite.id(), Duration.ofSeconds(10));
        assertThat(stopped.exit().exitCode()).isEqualTo(42);

        // ...while PID 1 without a handler ignores SIGTERM (kernel rule), so stop must escalate.
        ContainerRecord stubborn = engine.run(busybox("sleep", "300").build());
        long t0 = System.nanoTime();
        ContainerRecord after = engine.stop(stubborn.id(), Duration.ofSeconds(1));
        long took = System.nanoTime() - t0;
        assertThat(after.exit().signal()).isEqualTo(9);
        assertThat(after.exit().exitCode()).isEqualTo(137);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(engine.trace(stubborn.id())).extracting(TraceEvent::detail)
                .anyMatch(d -> d.contains("escalated to SIGKILL"));
    }

    private static void awaitLogOrSleep(ContainerRecord r, Duration d) throws InterruptedException {
        // The trap must be installed before the signal arrives; the shell sets it at once, a
        // short pause covers the exec of sh itself.
        Thread.sleep(d.toMillis());
    }

    @Test
    void aMemoryLimitGetsTheContainerOomKilledAndRecordedAsSuch() throws Exception {
        ContainerRecord r = engine.run(busybox("tail", "/dev/zero")
                .resources(CgroupResources.builder().memoryLimitBytes(16L << 20).memorySwapLimitBytes(16L << 20).build())
                .build());
        ExitRecord exit = engine.await(r.id(), Duration.ofSeconds(60)).orElseThrow();
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.oomKilled()).isTrue();
        assertThat(exit.reason()).isEqualTo("OOMKilled");
        assertThat(engine.inspect(r.id()).reason()).isEqualTo("OOMKilled");
    }

    @Test
    void aPidsLimitStopsAForkBomb() throws Exception {
        // busybox sh gives up on the first failed fork, so the bomb runs in a subshell and the
        // outer shell, which must not fork again, execs into its last command.
        ContainerRecord r = engine.run(busybox("sh", "-c",
                "(i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done); echo spawned; exec sleep 30")
                .resources(CgroupResources.builder().pidsLimit(10L).build()).build());
        Cgroup cg = t.cgroups.open(engine.inspect(r.id()).cgroupPath());
        awaitLog(r.id(), "spawned", Duration.ofSeconds(20));
        CgroupStats stats = t.cgroups.stats(cg);
        assertThat(stats.pidsCurrent()).isLessThanOrEqualTo(10).isGreaterThanOrEqualTo(5);
        assertThat(stats.pidsLimit()).isEqualTo(10);
        assertThat(log(r.id())).extracting(CriLogLine::text).anyMatch(l -> l.contains("can't fork"));
    }

    @Test
    void aCpuQuotaHoldsUsageNearItsBound() throws Exception {
        ContainerRecord r = engine.run(busybox("sh", "-c", "while :; do :; done")
                .resources(CgroupResources.builder().cpuQuotaMicros(20_000L).cpuPeriodMicros(100_000L).build()).build());
        Cgroup cg = t.cgroups.open(engine.inspect(r.id()).cgroupPath());
        Thread.sleep(300);
        CgroupStats before = t.cgroups.stats(cg);
        long w0 = System.nanoTime();
        Thread.sleep(2000);
        CgroupStats after = t.cgroups.stats(cg);
        double wall = System.nanoTime() - w0;
        double share = (after.cpuUsageNanos() - before.cpuUsageNanos()) / wall;
        // Bound 0.2 CPU; the busy loop alone would take a whole core.
        assertThat(share).isBetween(0.10, 0.26);
        assertThat(after.cpuThrottledPeriods()).isGreaterThan(before.cpuThrottledPeriods());
    }

    @Test
    void execRunsInsideWithExitCodesAndATimeout() throws Exception {
        engine.run(busybox("sleep", "300").name("ex").build());
        ExecResult ok = engine.exec("ex", ExecRequest.of(List.of("sh", "-c", "echo $$; ps -o pid,args; exit 7")),
                Duration.ofSeconds(10));
        assertThat(ok.exitCode()).isEqualTo(7);
        assertThat(ok.stdoutText()).contains("sleep 300");
        ExecResult env = engine.exec("ex", new ExecRequest(List.of("sh", "-c", "echo $GREETING; pwd"),
                List.of("GREETING=hello"), "/tmp", null, null, false), Duration.ofSeconds(10));
        assertThat(env.stdoutText()).isEqualTo("hello\n/tmp\n");
        ExecResult missing = engine.exec("ex", ExecRequest.of(List.of("no-such-tool")), Duration.ofSeconds(10));
        assertThat(missing.exitCode()).isEqualTo(127);
        assertThat(missing.stderrText()).contains("no-such-tool");
        long t0 = System.nanoTime();
        ExecResult slow = engine.exec("ex", ExecRequest.of(List.of("sleep", "60")), Duration.ofMillis(500));
        assertThat(slow.timedOut()).isTrue();
        assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(10).toNanos());
        // The timed-out process is gone from the container.
        assertThat(exec("ex", "ps", "-o", "args")).doesNotContain("sleep 60");
    }

    @Test
    void anExecTerminalStartsAtTheGivenSizeAndFollowsResizes() throws Exception {
        engine.run(busybox("sleep", "300").name("tty").build());
        ExecSession s = engine.startExec("tty", new ExecRequest(List.of("sh", "-c", "stty size; read x; stty size"),
                        List.of(), null, null, null, true), 33, 101,
                ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        Path fifo = s.terminal().path();
        assertThat(fifo).exists();
        var out = dev.podlab.core.testing.StreamCapture.of(s.process().getInputStream());
        // The first size is there before the process runs; a resize applies to what it does next.
        assertThat(out.await("\n", Duration.ofSeconds(20))).isEqualTo("33 101\n");
        s.resize(45, 120);
        s.process().getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        s.process().getOutputStream().flush();
        assertThat(s.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(out.join()).isEqualTo("33 101\ngo\n45 120\n");
        assertThat(s.process().exitValue()).isZero();
        // The FIFO goes with the exec; a late resize is ignored.
        s.process().onExit().get();
        for (int i = 0; i < 50 && java.nio.file.Files.exists(fifo); i++) {
            Thread.sleep(20);
        }
        assertThat(fifo).doesNotExist();
        s.resize(10, 10);
    }

    @Test
    void aDetachedContainerOutlivesTheProcessThatStartedItAndALaterOneRecordsItsExit() throws Exception {
        // Start the container from a separate JVM that exits right after.
        Process starter = new ProcessBuilder(javaCommand(DetachedStarter.class.getName(), t.root.toString(),
                t.cgroupParent, TestEngine.rootfs().toString())).redirectErrorStream(true).start();
        String out = new String(starter.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(starter.waitFor()).as("starter output: %s", out).isZero();
        String id = out.lines().reduce((a, b) -> b).orElseThrow();

        ContainerEngine later = new ContainerEngine(engine.config());
        ContainerRecord r = later.inspect(id);
        assertThat(r.status()).isEqualTo(ContainerStatus.RUNNING);
        assertThat(ProcessHandle.of(r.shimPid())).isPresent();
        assertThat(ProcessHandle.of(r.shimPid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                .isNotEqualTo(java.util.Optional.of(starter.pid()));
        later.kill(id, 9);
        assertThat(later.await(id, Duration.ofSeconds(30))).isPresent();
        assertThat(new ContainerEngine(engine.config()).inspect(id).status()).isEqualTo(ContainerStatus.EXITED);
    }

    @Test
    void badInputGetsOneClearLineAndLeavesNothingBehind() throws Exception {
        assertThatThrownBy(() -> engine.create(dev.podlab.core.container.ContainerConfig.builder(Path.of("/nonexistent/rootfs"),
                List.of("true")).build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("failed to create container: rootfs /nonexistent/rootfs does not exist");
        assertThatThrownBy(() -> engine.create(busybox("true").volume(new VolumeMount(Path.of("/nonexistent/src"), "/data", false)).build()))
                .hasMessage("failed to create container: volume source /nonexistent/src does not exist");
        assertThatThrownBy(() -> engine.create(busybox("true").name("bad name!").build()))
                .hasMessageContaining("invalid name \"bad name!\"");
        assertThatThrownBy(() -> CgroupResources.builder().pidsLimit(0L).build())
                .hasMessageContaining("pids limit must be at least 1");
        ContainerException notFound = org.junit.jupiter.api.Assertions.assertThrows(ContainerException.class,
                () -> engine.create(busybox("no-such-command", "arg").name("nf").build()));
        assertThat(notFound.getMessage()).contains("no-such-command").contains("not found");
        assertThat(notFound.exitCode()).isEqualTo(127);

        assertThat(engine.list()).isEmpty();
        assertThat(Files.list(t.root.resolve("containers")).toList()).isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(t.root.toString());
        assertThat(t.cgroups.exists(t.cgroupParent) ? t.cgroups.pids(t.cgroups.open(t.cgroupParent)) : List.of()).isEmpty();
        if (t.cgroups.exists(t.cgroupParent)) {
            try (var s = Files.list(t.cgroups.open(t.cgroupParent).directories().values().iterator().next())) {
                assertThat(s.filter(Files::isDirectory).toList()).as("child cgroups").isEmpty();
            }
        }
    }

    @Test
    void reconcileRepairsWhatACrashLeftBehind() throws Exception {
        // A half-created container: directory and cgroup, no state file (podlab died mid-create).
        Path half = t.root.resolve("containers/00000000000000000000000000000abc");
        Files.createDirectories(half);
        t.cgroups.create(t.cgroupParent + "/00000000000000000000000000000abc", CgroupResources.none());
        // A running container whose shim is killed: no exit record will ever come.
        ContainerRecord orphan = engine.run(busybox("sleep", "300").build());
        ProcessHandle.of(orphan.shimPid()).orElseThrow().destroyForcibly();
        ProcessHandle.of(orphan.shimPid()).ifPresent(p -> p.onExit().join());

        ContainerEngine.ReconcileReport report = new ContainerEngine(engine.config()).reconcile();
        assertThat(report.repaired()).anyMatch(s -> s.contains("half-created"))
                .anyMatch(s -> s.contains(orphan.shortId()) && s.contains("unknown"));
        assertThat(Files.exists(half)).isFalse();
        assertThat(t.cgroups.exists(t.cgroupParent + "/00000000000000000000000000000abc")).isFalse();
        assertThat(engine.inspect(orphan.id()).status()).isEqualTo(ContainerStatus.UNKNOWN);
        engine.remove(orphan.id(), false);
        assertThat(engine.list()).isEmpty();
    }

    @Test
    void theTraceHasEveryStepWithDurations() throws IOException {
        ContainerRecord r = engine.run(busybox("true").build());
        engine.await(r.id(), Duration.ofSeconds(30)).orElseThrow();
        List<TraceEvent> trace = engine.trace(r.id());
        assertThat(trace).extracting(TraceEvent::step).contains("mount rootfs", "create cgroup",
                "generate config.json", "clone", "mounts", "pivot_root", "created", "seccomp", "exec");
        assertThat(trace).filteredOn(e -> e.source().equals("shim")).allMatch(e -> e.durationNanos() >= 0)
                .isNotEmpty();
    }

    // ---- helpers ----------------------------------------------------------------------------

    private void awaitLog(String id, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path log = engine.logPath(id);
        try (var watch = log.getFileSystem().newWatchService()) {
            log.getParent().register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY,
                    java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            while (System.nanoTime() < deadline) {
                if (Files.exists(log) && Files.readString(log).contains(text)) {
                    return;
                }
                var key = watch.poll(200, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
        throw new AssertionError("log never showed \"" + text + "\": " + Files.readString(log));
    }

    static List<String> javaCommand(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        String shim = System.getProperty("podlab.shim");
        if (shim != null) {
            cmd.add(1, "-Dpodlab.shim=" + shim);
        }
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void copyRootfs(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(dst, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
