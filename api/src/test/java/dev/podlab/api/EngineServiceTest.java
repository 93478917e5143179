package dev.podlab.api;

import com.google.protobuf.ByteString;
import dev.podlab.api.client.ExecStream;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineLock;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.v1.ExecInput;
import dev.podlab.api.v1.ExecOutput;
import dev.podlab.api.v1.ExecStart;
import dev.podlab.api.v1.ExecSyncRequest;
import dev.podlab.api.v1.InfoRequest;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.KillContainerRequest;
import dev.podlab.api.v1.ListContainersRequest;
import dev.podlab.api.v1.LogEntry;
import dev.podlab.api.v1.LogsRequest;
import dev.podlab.api.v1.MetricsRequest;
import dev.podlab.api.v1.QueryEventsRequest;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.Resources;
import dev.podlab.api.v1.StopContainerRequest;
import dev.podlab.api.v1.TerminalSize;
import dev.podlab.api.v1.VersionRequest;
import dev.podlab.api.v1.WaitContainerRequest;
import dev.podlab.api.v1.WatchEventsRequest;
import dev.podlab.core.testing.TestEngine;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine service in-process, spoken to over its real unix socket by real gRPC clients. */
@Tag("root")
class EngineServiceTest {
    private static TestEngine te;
    private static EngineService service;
    private static PodlabClient client;
    private static PodlabClient second;

    @BeforeAll
    static void start() throws Exception {
        te = TestEngine.open();
        service = EngineService.start(te.serviceSettings(), te.cgroups);
        client = PodlabClient.connect(service.socket());
        second = PodlabClient.connect(service.socket());
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
            second.close();
        }
        if (service != null) {
            service.close();
        }
        if (te != null) {
            te.close();
        }
    }

    private static Container run(String name, String... command) throws Exception {
        Container c = client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName(name).addAllCommand(List.of(command))
                .addLabels(dev.podlab.api.Labels.label("test", "engine-service")).build()).getContainer();
        return client.containers().start(ref(c.getId())).getContainer();
    }

    private static ContainerRef ref(String id) {
        return ContainerRef.newBuilder().setId(id).build();
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void socketIsPrivateAndTheServiceSaysWhoItIs() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(service.socket())))
                .isEqualTo("rw-------");
        var v = client.engine().version(VersionRequest.getDefaultInstance());
        assertThat(v.getPid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(v.getApiVersion()).isEqualTo("v1");
        var info = client.engine().info(InfoRequest.getDefaultInstance());
        assertThat(info.getKernel()).isEqualTo(System.getProperty("os.version"));
        assertThat(info.getCgroupVersion()).isIn("v1", "v2", "hybrid");
        assertThat(info.getRuntimesList()).anySatisfy(r -> {
            assertThat(r.getName()).isEqualTo("builtin");
            assertThat(r.getWorks()).isTrue();
        });
        assertThat(info.getMetricsInterval()).isEqualTo("200ms");
        // What the service did at start so that block IO is counted per cgroup (BlockIoAccounting), or why not.
        var metrics = client.events().query(QueryEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                .setTypePrefix("engine.metrics")).build()).getEventsList();
        assertThat(metrics).hasSize(1);
        boolean counted = Boolean.parseBoolean(metrics.get(0).getAttributesOrThrow("blockIoCounted"));
        assertThat(metrics.get(0).getDetail()).matches(counted ? "(block IO on .* is counted per cgroup.*|cgroup v2: .*)"
                : "(.*not counted.*|failed to activate block IO accounting .*)");
    }

    @Test
    void secondServiceOnTheSameRootIsRefusedNamingTheFirst() {
        assertThatThrownBy(() -> EngineService.start(te.serviceSettings(), te.cgroups))
                .isInstanceOf(EngineLock.EngineRunningException.class)
                .hasMessageContaining("pid " + ProcessHandle.current().pid())
                .hasMessageContaining(te.root.toString());
    }

    @Test
    void twoClientsSeeTheSameContainerAndItsLifecycle() throws Exception {
        Container c = run("shared", "sleep", "600");
        assertThat(c.getState()).isEqualTo("running");
        var seen = second.containers().list(ListContainersRequest.newBuilder().addLabelSelector(dev.podlab.api.Labels.label("test",
                "engine-service")).setName("shared").build()).getContainersList();
        assertThat(seen).extracting(Container::getId).containsExactly(c.getId());
        assertThat(seen.get(0).getInitPid()).isEqualTo(c.getInitPid());

        var inspect = second.containers().inspect(InspectContainerRequest.newBuilder().setId("shared")
                .setConfigJson(true).setTrace(true).build());
        assertThat(inspect.getConfigJson()).contains("\"ociVersion\"");
        assertThat(inspect.getNamespacesMap()).containsKeys("pid", "mnt");
        assertThat(inspect.getCgroupPathsMap()).isNotEmpty();
        assertThat(inspect.getTraceList()).isNotEmpty();

        var stopped = client.containers().stop(StopContainerRequest.newBuilder().setId("shared")
                .setGraceSeconds(1).setHasGrace(true).build()).getContainer();
        assertThat(stopped.getState()).isEqualTo("exited");
        // PID 1 of a namespace has no default signal actions: sleep ignores SIGTERM, so SIGKILL ends it.
        assertThat(stopped.getExit().getSignal()).isEqualTo(9);
        assertThat(second.containers().list(ListContainersRequest.getDefaultInstance()).getContainersList())
                .extracting(Container::getId).doesNotContain(c.getId());
        assertThat(second.containers().list(ListContainersRequest.newBuilder().setAll(true).build())
                .getContainersList()).extracting(Container::getId).contains(c.getId());
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).build());
        assertThat(code(() -> second.containers().inspect(InspectContainerRequest.newBuilder()
                .setId(c.getId()).build()))).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void followedLogsArriveAsWrittenAndEndAtExit() throws Exception {
        Container c = run("talker", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done; echo oops >&2");
        List<LogEntry> lines = new ArrayList<>();
        var done = new CompletableFuture<Void>();
        client.containersAsync().logs(LogsRequest.newBuilder().setId(c.getId()).setFollow(true).build(),
                collect(lines, done));
        done.get(20, TimeUnit.SECONDS);
        assertThat(lines).extracting(l -> l.getData().toStringUtf8())
                .containsExactly("line1\n", "line2\n", "line3\n", "oops\n");
        assertThat(lines.get(3).getStream()).isEqualTo("stderr");
        var tail = client.containers().logs(LogsRequest.newBuilder().setId(c.getId()).setTail(2).build());
        List<String> last = new ArrayList<>();
        tail.forEachRemaining(l -> last.add(l.getData().toStringUtf8()));
        assertThat(last).containsExactly("line3\n", "oops\n");
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).build());
    }

    @Test
    void execSyncAndInteractiveExec() throws Exception {
        Container c = run("execd", "sleep", "600");
        var sync = client.containers().execSync(ExecSyncRequest.newBuilder().setId(c.getId())
                .addAllCommand(List.of("sh", "-c", "echo out; echo err >&2; exit 7")).build());
        assertThat(sync.getExitCode()).isEqualTo(7);
        assertThat(sync.getStdout().toStringUtf8()).isEqualTo("out\n");
        assertThat(sync.getStderr().toStringUtf8()).isEqualTo("err\n");
        var slow = client.containers().execSync(ExecSyncRequest.newBuilder().setId(c.getId())
                .addAllCommand(List.of("sleep", "30")).setTimeoutMillis(300).build());
        assertThat(slow.getTimedOut()).isTrue();

        var stdout = new ByteArrayOutputStream();
        var exit = new CompletableFuture<Integer>();
        StreamObserver<ExecInput> in = client.containersAsync().exec(new StreamObserver<>() {
            @Override
            public void onNext(ExecOutput o) {
                switch (o.getOutputCase()) {
                    case STDOUT -> stdout.writeBytes(o.getStdout().toByteArray());
                    case EXIT_CODE -> exit.complete(o.getExitCode());
                    default -> { }
                }
            }

            @Override
            public void onError(Throwable t) {
                exit.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        in.onNext(ExecInput.newBuilder().setStart(ExecStart.newBuilder().setId(c.getId())
                .addAllCommand(List.of("sh", "-c", "read a; read b; echo \"$b $a\"; exit 4"))).build());
        in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFromUtf8("first\nsecond\n")).build());
        in.onNext(ExecInput.newBuilder().setCloseStdin(true).build());
        in.onCompleted();
        assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(4);
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("second first\n");
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).setForce(true).build());
    }

    @Test
    void anInteractiveExecWithATerminalTakesItsSizeAndResizes() throws Exception {
        Container c = run("sized", "sleep", "600");
        var out = new ByteArrayOutputStream();
        ExecStream exec = ExecStream.open(client, ExecStart.newBuilder().setId(c.getId()).setTty(true)
                .addAllCommand(List.of("sh", "-c", "stty size; read x; stty size"))
                .setSize(TerminalSize.newBuilder().setRows(33).setColumns(101)).build(), out, OutputStream.nullOutputStream());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!out.toString(StandardCharsets.UTF_8).contains("\n") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        exec.resize(45, 120);
        exec.send("go\n".getBytes(StandardCharsets.UTF_8), 0, 3);
        assertThat(exec.await()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).replace("\r", "")).isEqualTo("33 101\ngo\n45 120\n");
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).setForce(true).build());
    }

    @Test
    void eventsReplayAndFollowAndQueryByContainer() throws Exception {
        BlockingQueue<Event> live = new LinkedBlockingQueue<>();
        client.eventsAsync().watch(WatchEventsRequest.newBuilder().setFollow(true).setReplay(true)
                .setFilter(EventFilter.newBuilder().setTypePrefix("container.")).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(Event e) {
                        live.add(e);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        Container c = run("eventful", "sh", "-c", "exit 3");
        List<String> types = new ArrayList<>();
        while (!types.contains("container.exited")) {
            Event e = live.poll(20, TimeUnit.SECONDS);
            assertThat(e).as("events so far: %s", types).isNotNull();
            if (e.getObjectId().equals(c.getId())) {
                types.add(e.getType());
                if (e.getType().equals("container.exited")) {
                    assertThat(e.getDetail()).contains("exit code 3");
                }
            }
        }
        assertThat(types).containsSubsequence("container.created", "container.started", "container.exited");
        var steps = client.events().query(QueryEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                .setObjectId(c.getId().substring(0, 12)).setTypePrefix("step")).build()).getEventsList();
        assertThat(steps).isNotEmpty().allSatisfy(e -> assertThat(e.getObjectId()).isEqualTo(c.getId()));
        assertThat(steps).extracting(Event::getSeq).isSorted();
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).build());
    }

    @Test
    void metricsHistoryAndLiveRoundsOfARunningContainer() throws Exception {
        Container c = client.containers().start(ref(client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).addAllCommand(List.of("sleep", "600"))
                .setResources(Resources.newBuilder().setMemoryLimitBytes(64L << 20)).build())
                .getContainer().getId())).getContainer();
        var rounds = client.metrics().withDeadlineAfter(20, TimeUnit.SECONDS)
                .watch(MetricsRequest.newBuilder().addIds(c.getId()).build());
        int withSample = 0;
        while (withSample < 2 && rounds.hasNext()) {
            var round = rounds.next();
            if (round.containsSamples(c.getId())) {
                withSample++;
                assertThat(round.getSamplesOrThrow(c.getId()).getMemoryLimitBytes()).isEqualTo(64L << 20);
                assertThat(round.getSamplesOrThrow(c.getId()).getPidsCurrent()).isEqualTo(1);
            }
        }
        assertThat(withSample).isEqualTo(2);
        var history = client.metrics().history(MetricsRequest.newBuilder().addIds(c.getId()).build());
        assertThat(history.getIntervalMillis()).isEqualTo(200);
        assertThat(history.getSeriesList()).singleElement()
                .satisfies(s -> assertThat(s.getSamplesCount()).isGreaterThanOrEqualTo(2));
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).setForce(true).build());
    }

    @Test
    void runtimesAreListedWithVerdictsAndAContainerRunsOnRunc() throws Exception {
        dev.podlab.core.testing.HostRequirements.requireCommand("runc");
        var runtimes = client.engine().runtimes(dev.podlab.api.v1.RuntimesRequest.getDefaultInstance());
        assertThat(runtimes.getDefaultRuntime()).isEqualTo("builtin");
        assertThat(runtimes.getRuntimesList()).anySatisfy(r -> {
            assertThat(r.getName()).isEqualTo("runc");
            assertThat(r.getWorks()).as(r.getReason()).isTrue();
            assertThat(r.getVersion()).contains("runc");
        });
        Container c = client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setRuntime("runc")
                .addAllCommand(List.of("sh", "-c", "echo on runc; exit 5")).build()).getContainer();
        assertThat(c.getRuntime()).isEqualTo("runc");
        client.containers().start(ref(c.getId()));
        var done = client.containers().waitExit(WaitContainerRequest.newBuilder().setId(c.getId()).build());
        assertThat(done.getContainer().getExit().getExitCode()).isEqualTo(5);
        List<String> lines = new ArrayList<>();
        client.containers().logs(LogsRequest.newBuilder().setId(c.getId()).build())
                .forEachRemaining(l -> lines.add(l.getData().toStringUtf8()));
        assertThat(lines).containsExactly("on runc\n");
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).build());
        var refused = runtimes.getRuntimesList().stream().filter(r -> !r.getWorks()).findFirst();
        if (refused.isPresent()) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () -> client.containers()
                    .create(CreateContainerRequest.newBuilder().setRootfs(TestEngine.rootfs().toString())
                            .setRuntime(refused.get().getName()).addCommand("true").build()));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains(refused.get().getReason());
        }
    }

    @Test
    void badRequestsGetTheRightStatusAndAMessageThatSaysWhat() throws Exception {
        assertThat(code(() -> client.containers().start(ref("no-such-container")))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> client.containers().start(ref("")))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs("relative/dir").addCommand("true").build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> client.containers().create(CreateContainerRequest.getDefaultInstance())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> client.containers().create(CreateContainerRequest.newBuilder()
                .setImage("localhost/podlab/not-there:1").build()))).isEqualTo(Status.Code.NOT_FOUND);
        Container c = run("once", "true");
        client.containers().waitExit(WaitContainerRequest.newBuilder().setId(c.getId()).build());
        var e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> client.containers().start(ref(c.getId())));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(e.getStatus().getDescription()).contains("once").contains("exited");
        String rootfs = TestEngine.rootfs().toString();
        assertThat(code(() -> client.containers().create(CreateContainerRequest.newBuilder().setRootfs(rootfs)
                .setName("once").addCommand("true").build()))).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(code(() -> client.containers().kill(KillContainerRequest.newBuilder().setId(c.getId())
                .setSignal(99).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).build());
    }

    private static StreamObserver<LogEntry> collect(List<LogEntry> into, CompletableFuture<Void> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(LogEntry e) {
                into.add(e);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        };
    }

    @Test
    void attachRelaysStdinAndOutputAndReportsTheExitCode() throws Exception {
        Container c = client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName("attach-" + System.nanoTime())
                .addAllCommand(List.of("sh", "-c", "read x; echo got $x; echo warn >&2; exit 4"))
                .setStdin(true).build()).getContainer();
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        var a = dev.podlab.api.client.AttachStream.open(client, c.getId(), out, err);
        // Attached before start; the shell answers only after the input, which follows the attach on the stream.
        client.containers().start(ref(c.getId()));
        byte[] line = "line\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        a.send(line, 0, line.length);
        assertThat(a.await()).hasValue(4);
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("got line\n");
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("warn\n");
        // A container that has exited refuses an attach.
        var late = dev.podlab.api.client.AttachStream.open(client, c.getId(), out, err);
        assertThatThrownBy(late::await).isInstanceOf(StatusRuntimeException.class);
        client.containers().remove(dev.podlab.api.v1.RemoveContainerRequest.newBuilder().setId(c.getId())
                .setForce(true).build());
    }
}
