package dev.podlab.core.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.cgroup.CgroupStats;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExecResult;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.runtime.oci.OciCliRuntime;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.podlab.core.testing.TestEngine.busybox;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The same lifecycle contract over the engine API, on the built-in runtime and on real runc:
 * whoever sets the container up, podlab-shim supervises it, so logs, exit records, signals,
 * exec, OOM detection, cgroups, removal and reconcile must behave the same.
 */
@Tag("root")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RuntimeContractTest {
    private TestEngine t;
    private ContainerEngine engine;

    private void open(String runtime) throws IOException {
        t = TestEngine.open();
        engine = t.engine;
        if (!runtime.equals("builtin")) {
            HostRequirements.require(RuntimeCatalog.find(runtime).isPresent(),
                    "needs " + runtime + " (apt-get install " + runtime + ")");
            RuntimeCatalog.Entry e = engine.runtimes().entry(runtime);
            assertThat(e.works()).as("catalog verdict on %s: %s", runtime, e.reason()).isTrue();
        }
    }

    @AfterEach
    void close() throws IOException {
        if (t != null) {
            t.close();
        }
    }

    private ContainerRecord run(String runtime, dev.podlab.core.container.ContainerConfig.Builder b) {
        return engine.run(b.runtime(runtime).build());
    }

    private String stdout(String ref) throws Exception {
        StringBuilder sb = new StringBuilder();
        List<CriLogLine> lines = new ArrayList<>();
        LogFollower.read(engine.logPath(ref), false, () -> true, lines::add);
        for (CriLogLine l : lines) {
            if (l.stream().equals("stdout")) {
                sb.append(l.text()).append(l.partial() ? "" : "\n");
            }
        }
        return sb.toString();
    }

    private ExitRecord await(ContainerRecord r) {
        return engine.await(r.id(), Duration.ofSeconds(60)).orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void echoLandsInTheCriLogAndExitCodesAreRecorded(String runtime) throws Exception {
        open(runtime);
        ContainerRecord echo = run(runtime, busybox("echo", "hello from " + runtime));
        assertThat(echo.runtime()).isEqualTo(runtime);
        assertThat(await(echo).exitCode()).isZero();
        assertThat(stdout(echo.id())).isEqualTo("hello from " + runtime + "\n");
        assertThat(engine.inspect(echo.id()).reason()).isEqualTo("Completed");

        ExitRecord three = await(run(runtime, busybox("sh", "-c", "echo oops >&2; exit 3")));
        assertThat(three.exitCode()).isEqualTo(3);
        assertThat(three.signal()).isZero();
        assertThat(three.reason()).isEqualTo("Error");
        assertThat(three.finishedAt()).isGreaterThanOrEqualTo(three.startedAt()).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void stopSendsSigtermThenSigkillAndKillDelivers(String runtime) throws Exception {
        open(runtime);
        ContainerRecord polite = run(runtime, busybox("sh", "-c", "trap 'exit 42' TERM; while true; do sleep 1; done"));
        Thread.sleep(300);
        assertThat(engine.stop(polite.id(), Duration.ofSeconds(10)).exit().exitCode()).isEqualTo(42);

        ContainerRecord stubborn = run(runtime, busybox("sleep", "300"));
        long t0 = System.nanoTime();
        ContainerRecord after = engine.stop(stubborn.id(), Duration.ofSeconds(1));
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(after.exit().signal()).isEqualTo(9);
        assertThat(after.exit().exitCode()).isEqualTo(137);

        ContainerRecord killed = run(runtime, busybox("sleep", "300"));
        engine.kill(killed.id(), 9);
        ExitRecord k = await(killed);
        assertThat(k.exitCode()).isEqualTo(137);
        assertThat(k.oomKilled()).isFalse();
        assertThat(engine.inspect(killed.id()).status()).isEqualTo(ContainerStatus.EXITED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void execRunsInsideWithOutputAndExitCode(String runtime) throws Exception {
        open(runtime);
        ContainerRecord r = run(runtime, busybox("sleep", "300").name("ex"));
        ExecResult ok = engine.exec("ex", ExecRequest.of(List.of("sh", "-c", "cat /proc/1/cmdline; echo; exit 7")),
                Duration.ofSeconds(20));
        assertThat(ok.exitCode()).as("stderr %s", ok.stderrText()).isEqualTo(7);
        assertThat(ok.stdoutText().replace('\0', ' ')).contains("sleep 300");
        ExecResult env = engine.exec("ex", new ExecRequest(List.of("sh", "-c", "echo $GREETING; pwd"),
                List.of("GREETING=hello"), "/tmp", null, null, false), Duration.ofSeconds(20));
        assertThat(env.stdoutText()).isEqualTo("hello\n/tmp\n");
        // Extra processes land in the container's cgroup, whoever put them there.
        ExecResult cg = engine.exec("ex", ExecRequest.of(List.of("cat", "/proc/self/cgroup")), Duration.ofSeconds(20));
        assertThat(cg.stdoutText()).contains(r.id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void aMemoryLimitEndsInOomKilledAndStatsAreReadableWhileRunning(String runtime) throws Exception {
        open(runtime);
        ContainerRecord live = run(runtime, busybox("sleep", "300")
                .resources(CgroupResources.builder().memoryLimitBytes(32L << 20).pidsLimit(20L).build()));
        CgroupStats stats = t.cgroups.stats(t.cgroups.open(engine.inspect(live.id()).cgroupPath()));
        assertThat(stats.pidsCurrent()).isGreaterThanOrEqualTo(1);
        assertThat(stats.pidsLimit()).isEqualTo(20);
        assertThat(stats.memoryUsageBytes()).isPositive();

        ContainerRecord hog = run(runtime, busybox("tail", "/dev/zero")
                .resources(CgroupResources.builder().memoryLimitBytes(16L << 20).memorySwapLimitBytes(16L << 20).build()));
        ExitRecord exit = await(hog);
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.oomKilled()).isTrue();
        assertThat(engine.inspect(hog.id()).reason()).isEqualTo("OOMKilled");
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void removeLeavesNoCgroupNoMountAndNoRuntimeState(String runtime) throws Exception {
        open(runtime);
        ContainerRecord running = run(runtime, busybox("sleep", "300"));
        ContainerRecord created = engine.create(busybox("sleep", "300").runtime(runtime).build());
        ContainerRecord exited = run(runtime, busybox("true"));
        await(exited);
        for (ContainerRecord r : List.of(running, created, exited)) {
            Path dir = engine.containerDir(r.id());
            engine.remove(r.id(), true);
            assertThat(t.cgroups.exists(r.cgroupPath())).as("cgroup of %s", r.id()).isFalse();
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(dir.toString());
            assertThat(dir).doesNotExist();
            assertThat(ProcessHandle.of(r.initPid()).filter(ProcessHandle::isAlive)).isEmpty();
        }
        if (engine.runtimes().handler(runtime) instanceof OciCliRuntime oci) {
            try (var left = Files.list(oci.stateDir())) {
                assertThat(left.toList()).as("runtime state left in %s", oci.stateDir()).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void aReopenedEngineSeesRunningContainersAndExitsThatHappenedMeanwhile(String runtime) throws Exception {
        open(runtime);
        ContainerRecord sleeper = run(runtime, busybox("sleep", "300"));
        ContainerRecord brief = run(runtime, busybox("sh", "-c", "sleep 1; exit 5"));
        engine = null; // dropped: nothing of it is used below
        ProcessHandle shim = ProcessHandle.of(brief.shimPid()).orElseThrow();
        shim.onExit().get(30, TimeUnit.SECONDS);

        ContainerEngine later = new ContainerEngine(t.engine.config());
        later.reconcile();
        Map<String, ContainerRecord> byId = later.list().stream()
                .collect(Collectors.toMap(ContainerRecord::id, Function.identity()));
        assertThat(byId.get(sleeper.id()).status()).isEqualTo(ContainerStatus.RUNNING);
        assertThat(byId.get(sleeper.id()).runtime()).isEqualTo(runtime);
        assertThat(byId.get(brief.id()).status()).isEqualTo(ContainerStatus.EXITED);
        assertThat(byId.get(brief.id()).exit().exitCode()).isEqualTo(5);
        // And it can still drive the survivor.
        ContainerRecord stopped = later.stop(sleeper.id(), Duration.ofSeconds(1));
        assertThat(stopped.exit().exitCode()).isEqualTo(137);
        engine = later;
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void aCommandThatIsNotThereFailsCreateAndLeavesNothing(String runtime) throws Exception {
        open(runtime);
        assertThatThrownBy(() -> engine.create(busybox("no-such-command").runtime(runtime).build()))
                .isInstanceOf(dev.podlab.core.container.ContainerException.class)
                .hasMessageContaining("no-such-command")
                .satisfies(e -> assertThat(((dev.podlab.core.container.ContainerException) e).exitCode()).isEqualTo(127));
        assertThat(engine.list()).isEmpty();
        try (var dirs = Files.list(t.root.resolve("containers"))) {
            assertThat(dirs.toList()).isEmpty();
        }
        if (engine.runtimes().handler(runtime) instanceof OciCliRuntime oci) {
            try (var left = Files.list(oci.stateDir())) {
                assertThat(left.toList()).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "runc"})
    void attachFeedsStdinAndStdinOnceClosesIt(String runtime) throws Exception {
        open(runtime);
        ContainerRecord r = engine.create(busybox("cat").stdin(true).stdinOnce(true).runtime(runtime).build());
        StringBuffer out = new StringBuffer();
        var closed = new java.util.concurrent.CompletableFuture<java.util.Optional<ExitRecord>>();
        try (AttachSession s = engine.attach(r.id(), new AttachSession.Listener() {
            @Override
            public void output(boolean stderr, byte[] data) {
                out.append(new String(data, java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public void closed(java.util.Optional<ExitRecord> exit) {
                closed.complete(exit);
            }
        })) {
            engine.start(r.id());
            byte[] b = ("via " + runtime + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            s.write(b, 0, b.length);
            s.closeStdin();
            assertThat(closed.get(60, java.util.concurrent.TimeUnit.SECONDS))
                    .hasValueSatisfying(e -> assertThat(e.exitCode()).isZero());
        }
        assertThat(out.toString()).isEqualTo("via " + runtime + "\n");
        assertThat(stdout(r.id())).isEqualTo("via " + runtime + "\n");
    }

    @Test
    void runcGetsTheSameConfigJsonAsTheBuiltinRuntimeAndRefusesTerminals() throws Exception {
        open("runc");
        ContainerRecord a = engine.create(busybox("sleep", "300").name("same-a").hostname("same").build());
        ContainerRecord b = engine.create(busybox("sleep", "300").name("same-b").hostname("same").runtime("runc").build());
        JsonNode builtin = comparable(engine.configJson(a.id()));
        JsonNode runc = comparable(engine.configJson(b.id()));
        assertThat(runc).isEqualTo(builtin);
        assertThat(ContainerStore.JSON.readTree(engine.configJson(b.id())).at("/linux/cgroupsPath").asText())
                .isEqualTo("/" + b.cgroupPath());

        assertThatThrownBy(() -> engine.create(busybox("sh").terminal(true).runtime("runc").build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("terminal containers are not supported on OCI runtimes");
    }

    /** config.json without what names the container itself (id, name, its rootfs path and cgroup). */
    private static JsonNode comparable(String json) throws IOException {
        ObjectNode n = (ObjectNode) ContainerStore.JSON.readTree(json);
        ((ObjectNode) n.get("root")).remove("path");
        ((ObjectNode) n.get("linux")).remove("cgroupsPath");
        n.remove("annotations");
        return n;
    }
}
