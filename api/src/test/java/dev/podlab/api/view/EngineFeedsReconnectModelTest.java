package dev.podlab.api.view;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Live feeds survive an engine restart: they say so on the status line, reopen and re-read the table. */
@Tag("root")
class EngineFeedsReconnectModelTest {
    private static Container run(PodlabClient c, String name) throws Exception {
        Container created = c.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName(name).addAllCommand(List.of("sleep", "600")).build())
                .getContainer();
        return c.containers().start(ContainerRef.newBuilder().setId(created.getId()).build()).getContainer();
    }

    @Test
    void feedsReopenAfterTheEngineRestarts() throws Exception {
        ExecutorService uiThread = Executors.newSingleThreadExecutor();
        Thread ui = uiThread.submit(Thread::currentThread).get();
        Dispatcher dispatcher = new Dispatcher() {
            @Override
            public void dispatch(Runnable task) {
                uiThread.execute(task);
            }

            @Override
            public boolean isUiThread() {
                return Thread.currentThread() == ui;
            }
        };
        List<String> errors = new CopyOnWriteArrayList<>();
        try (TestEngine te = TestEngine.open()) {
            EngineService service = EngineService.start(te.serviceSettings(), te.cgroups);
            try (PodlabClient watched = PodlabClient.connect(service.socket());
                 var feeds = new EngineFeeds(watched, dispatcher, errors::add)) {
                var table = new ContainersTableModel(dispatcher);
                var metrics = new MetricsSeriesModel(dispatcher, 100);
                feeds.watchContainers(table);
                feeds.watchMetrics(metrics, table);
                Container first;
                try (PodlabClient actor = PodlabClient.connect(service.socket())) {
                    first = run(actor, "before-restart");
                }
                await(uiThread, () -> table.rows().stream().anyMatch(r -> r.id().equals(first.getId())));

                service.close();
                await(uiThread, () -> !errors.isEmpty());
                service = EngineService.start(te.serviceSettings(), te.cgroups);

                Container second;
                try (PodlabClient actor = PodlabClient.connect(service.socket())) {
                    second = run(actor, "after-restart");
                }
                // Only a reopened event stream (or the re-read list) can bring the new row.
                await(uiThread, () -> table.rows().stream().anyMatch(r -> r.id().equals(second.getId())
                        && r.state().equals("running")));
                int before = uiThread.submit(() -> metrics.series(second.getId(), 100).size()).get();
                await(uiThread, () -> metrics.series(second.getId(), 100).size() > before + 2);
                assertThat(uiThread.submit(() -> table.rows().stream().filter(r -> r.id().equals(first.getId()))
                        .findFirst().orElseThrow().state()).get()).isEqualTo("running");
            } finally {
                service.close();
            }
        } finally {
            uiThread.shutdownNow();
        }
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("engine"));
    }

    @Test
    void logsEventsAndTheHeaderComeBackWithoutRepeats() throws Exception {
        ExecutorService uiThread = Executors.newSingleThreadExecutor();
        Thread ui = uiThread.submit(Thread::currentThread).get();
        Dispatcher dispatcher = new Dispatcher() {
            @Override
            public void dispatch(Runnable task) {
                uiThread.execute(task);
            }

            @Override
            public boolean isUiThread() {
                return Thread.currentThread() == ui;
            }
        };
        List<String> errors = new CopyOnWriteArrayList<>();
        List<Boolean> connection = new CopyOnWriteArrayList<>();
        try (TestEngine te = TestEngine.open()) {
            EngineService service = EngineService.start(te.serviceSettings(), te.cgroups);
            try (PodlabClient watched = PodlabClient.connect(service.socket());
                 var feeds = new EngineFeeds(watched, dispatcher, errors::add)) {
                Container ticker;
                try (PodlabClient actor = PodlabClient.connect(service.socket())) {
                    Container created = actor.containers().create(CreateContainerRequest.newBuilder()
                            .setRootfs(TestEngine.rootfs().toString()).setName("ticker").addAllCommand(List.of("sh", "-c",
                                    "i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.3; done")).build()).getContainer();
                    ticker = actor.containers().start(ContainerRef.newBuilder().setId(created.getId()).build()).getContainer();
                }
                var info = new EngineInfoModel(dispatcher);
                var logs = new LogsModel(dispatcher, 10_000);
                var events = new EventsModel(dispatcher, 10_000);
                feeds.onConnectionChange(connection::add);
                feeds.watchInfo(info);
                feeds.followLogs(logs, ticker.getId(), 0);
                feeds.watchEvents(events, dev.podlab.api.v1.EventFilter.getDefaultInstance());
                await(uiThread, () -> logs.size() >= 2 && events.visible().stream()
                        .anyMatch(e -> e.getType().equals("container.started")));

                service.close();
                await(uiThread, info::reconnecting);
                int before = uiThread.submit(logs::size).get();
                service = EngineService.start(te.serviceSettings(), te.cgroups);
                await(uiThread, () -> !info.reconnecting());
                // The container kept printing under its shim: new lines arrive on the reopened stream.
                await(uiThread, () -> logs.size() > before + 3);
                // The new engine's first event shows up on the reopened event stream, and the first engine's
                // (replayed at the start) is not replayed again: one per engine.
                await(uiThread, () -> events.visible().stream().filter(e -> e.getType().equals("engine.started")).count() == 2);
                Thread.sleep(500);
                assertThat(uiThread.submit(() -> events.visible().stream().filter(e -> e.getType().equals("engine.started"))
                        .count()).get()).isEqualTo(2);
                List<String> texts = uiThread.submit(() -> logs.lines().stream().map(LogsModel.Line::text).toList()).get();
                assertThat(uiThread.submit(logs::ended).get()).isNull();
                // Resumed after the last line seen: every tick once, none missing, in order.
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(texts.get(i)).isEqualTo("tick-" + (i + 1));
                }
            } finally {
                service.close();
            }
        } finally {
            uiThread.shutdownNow();
        }
        assertThat(connection).containsSubsequence(true, false);
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("engine"));
    }

    private static void await(ExecutorService ui, Callable<Boolean> check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!ui.submit(check).get(5, TimeUnit.SECONDS)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(50);
        }
    }
}
