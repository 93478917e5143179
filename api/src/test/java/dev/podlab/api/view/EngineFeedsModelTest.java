package dev.podlab.api.view;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.StopContainerRequest;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The view models fed by {@link EngineFeeds} from a real engine service: rows, usage, logs and events arrive
 * by the engine's streams and are applied on one "UI" thread (models refuse any other).
 */
@Tag("root")
class EngineFeedsModelTest {
    private static TestEngine te;
    private static EngineService service;
    private static PodlabClient client;
    private static ExecutorService uiThread;
    private static Thread ui;
    private static Dispatcher dispatcher;

    @BeforeAll
    static void start() throws Exception {
        te = TestEngine.open();
        service = EngineService.start(te.serviceSettings(), te.cgroups);
        client = PodlabClient.connect(service.socket());
        uiThread = Executors.newSingleThreadExecutor(r -> {
            ui = new Thread(r, "test-ui");
            return ui;
        });
        dispatcher = new Dispatcher() {
            @Override
            public void dispatch(Runnable task) {
                uiThread.execute(task);
            }

            @Override
            public boolean isUiThread() {
                return Thread.currentThread() == ui;
            }
        };
    }

    @AfterAll
    static void stop() throws Exception {
        if (uiThread != null) {
            uiThread.shutdownNow();
        }
        if (client != null) {
            client.close();
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
                .setRootfs(TestEngine.rootfs().toString()).setName(name).addAllCommand(List.of(command)).build())
                .getContainer();
        return client.containers().start(ContainerRef.newBuilder().setId(c.getId()).build()).getContainer();
    }

    /** Waits (15 s at most) until {@code check}, read on the UI thread, is true. */
    private static void await(String what, Callable<Boolean> check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!uiThread.submit(check).get(5, TimeUnit.SECONDS)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void tableUsageLogsEventsAndInfoFollowTheEngine() throws Exception {
        var table = new ContainersTableModel(dispatcher);
        var metrics = new MetricsSeriesModel(dispatcher, 100);
        var events = new EventsModel(dispatcher, 1000);
        var info = new EngineInfoModel(dispatcher);
        try (var feeds = new EngineFeeds(client, dispatcher, m -> { throw new AssertionError("feed failed: " + m); })) {
            Container before = run("feeds-before", "sleep", "600");
            feeds.watchContainers(table);
            feeds.watchMetrics(metrics, table);
            feeds.watchEvents(events, EventFilter.getDefaultInstance());
            feeds.watchInfo(info);
            await("the listed container", () -> table.rows().stream().anyMatch(r -> r.id().equals(before.getId())));
            await("engine info", () -> info.info().getKernel().equals(System.getProperty("os.version")));

            // Created after the list: it can only arrive through the event stream.
            Container talker = run("feeds-talker", "sh", "-c", "echo first-line; echo second-line; exec sleep 600");
            await("the pushed row", () -> table.rows().stream().anyMatch(r -> r.id().equals(talker.getId())
                    && r.state().equals("running")));
            await("samples of the new container", () -> metrics.series(talker.getId(), 10).size() >= 2);
            await("usage in the table", () -> table.rows().stream().anyMatch(r -> r.id().equals(talker.getId())
                    && r.memoryBytes() > 0));
            await("its start and its steps", () -> events.visible().stream().anyMatch(e -> e.getType().equals("container.started")
                    && e.getObjectId().equals(talker.getId())) && !events.timeline(talker.getId()).entries().isEmpty());
            assertThat(events.timeline(talker.getId()).entries()).extracting(TraceTimeline.Entry::step).contains("exec");

            var logs = new LogsModel(dispatcher, 100);
            AutoCloseable logStream = feeds.followLogs(logs, talker.getId(), 0);
            await("the printed lines", () -> logs.lines().stream().map(LogsModel.Line::text).toList()
                    .containsAll(List.of("first-line", "second-line")));

            client.containers().stop(StopContainerRequest.newBuilder().setId(talker.getId()).setGraceSeconds(1)
                    .setHasGrace(true).build());
            await("the exited state", () -> table.rows().stream().anyMatch(r -> r.id().equals(talker.getId())
                    && r.state().equals("exited")));
            await("the log's end", () -> logs.ended() != null);
            logStream.close();

            client.containers().remove(RemoveContainerRequest.newBuilder().setId(talker.getId()).build());
            await("the row to go", () -> table.rows().stream().noneMatch(r -> r.id().equals(talker.getId())));
            await("the refreshed counts", () -> info.info().getContainers() == 1);
        }
        // Closed feeds push nothing more.
        int eventsSeen = uiThread.submit(events::total).get();
        Container after = run("feeds-after", "true");
        Thread.sleep(1000);
        assertThat(uiThread.submit(() -> table.rows().stream().noneMatch(r -> r.id().equals(after.getId()))).get()).isTrue();
        assertThat(uiThread.submit(events::total).get()).isEqualTo(eventsSeen);
        assertThat(uiThread.submit(() -> events.visible().stream().map(Event::getObjectName).toList()).get())
                .doesNotContain("feeds-after");
    }
}
