package dev.podlab.api.view;

import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.api.v1.Sample;
import dev.podlab.api.view.PodsTableModel.SortKey;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PodsTableModelTest {
    private final PodsTableModel model = new PodsTableModel(Dispatcher.direct());

    private static Pod pod(String id, String name, String ns, String phase, String ready, int restarts, long created, String ip) {
        return Pod.newBuilder().setId(id).setName(name).setNamespace(ns).setPhase(phase).setReady(ready)
                .setRestarts(restarts).setCreatedAt(created).setPodIp(ip).setRuntime(name.startsWith("r") ? "runc" : "builtin")
                .build();
    }

    private List<String> names() {
        return model.rows().stream().map(PodRow::name).toList();
    }

    private void three() {
        model.setAll(List.of(pod("b1", "beta", "default", "Running", "1/2", 3, 2, "10.0.0.10"),
                pod("a1", "alpha", "demo", "Pending", "0/1", 0, 1, ""),
                pod("c1", "runner", "default", "Running", "2/2", 1, 3, "10.0.0.9")));
    }

    @Test
    void sortsByEveryColumnAndTheSameKeyFlips() {
        three();
        assertThat(names()).containsExactly("alpha", "beta", "runner");
        model.sortBy(SortKey.NAME);
        assertThat(model.descending()).isTrue();
        assertThat(names()).containsExactly("runner", "beta", "alpha");
        model.sortBy(SortKey.RESTARTS);
        assertThat(model.descending()).isTrue();
        assertThat(names()).containsExactly("beta", "runner", "alpha");
        model.sortBy(SortKey.READY);
        // 0/1 < 1/2 < 2/2 by share of ready containers.
        assertThat(names()).containsExactly("alpha", "beta", "runner");
        model.sortBy(SortKey.IP);
        // No IP first, then by number: 10.0.0.9 before 10.0.0.10 (text order would swap them).
        assertThat(names()).containsExactly("alpha", "runner", "beta");
        model.sortBy(SortKey.AGE);
        assertThat(names()).containsExactly("runner", "beta", "alpha");
        model.sortBy(SortKey.NAMESPACE);
        assertThat(names()).containsExactly("beta", "runner", "alpha");
        model.sortBy(SortKey.RUNTIME);
        // Ties break by namespace/name: default/beta before demo/alpha.
        assertThat(names()).containsExactly("beta", "alpha", "runner");
        model.sortBy(SortKey.STATUS);
        assertThat(names()).containsExactly("alpha", "beta", "runner");
    }

    @Test
    void podCgroupUsageFillsCpuAndMemoryAndSortsBiggestFirst() {
        // The history may arrive before the first list: samples of unknown pods are kept.
        model.updateUsage(Map.of("a1", Sample.newBuilder().setCpuCores(0.5).setMemoryWorkingSetBytes(100).build(),
                "b1", Sample.newBuilder().setCpuCores(0.1).setMemoryWorkingSetBytes(300).build(),
                "c1", Sample.newBuilder().setCpuCores(Double.NaN).setMemoryWorkingSetBytes(200).build(),
                "some-container", Sample.newBuilder().setCpuCores(9).build()));
        three();
        model.sortBy(SortKey.CPU);
        assertThat(model.descending()).isTrue();
        assertThat(names()).containsExactly("alpha", "beta", "runner");
        assertThat(model.rows().get(0).cpuPercent()).isEqualTo(50.0);
        assertThat(model.rows().get(2).cpuPercent()).isNaN();
        model.sortBy(SortKey.MEMORY);
        assertThat(names()).containsExactly("beta", "runner", "alpha");
        assertThat(model.rows().get(0).memoryBytes()).isEqualTo(300);
        assertThat(model.total()).isEqualTo(3);
    }

    @Test
    void filterNeedsEveryWordAndTheSelectionFollowsItsPod() {
        three();
        model.select(1);
        assertThat(model.selected().orElseThrow().name()).isEqualTo("beta");
        model.sortBy(SortKey.NAME);
        assertThat(model.selected().orElseThrow().name()).isEqualTo("beta");
        model.setFilter("default running");
        assertThat(names()).containsExactlyInAnyOrder("beta", "runner");
        model.setFilter("demo");
        assertThat(names()).containsExactly("alpha");
        assertThat(model.selected().orElseThrow().name()).isEqualTo("alpha");
        model.setFilter("10.0.0.9");
        assertThat(names()).containsExactly("runner");
        model.setFilter("nothing-like-it");
        assertThat(model.rows()).isEmpty();
        assertThat(model.selected()).isEmpty();
        model.setFilter("");
        assertThat(model.selectId("default/runner")).isTrue();
        assertThat(model.selected().orElseThrow().id()).isEqualTo("c1");
    }

    @Test
    void updatesReplaceAddAndRemoveRowsAndCountRunningPods() {
        three();
        assertThat(model.running()).isEqualTo(2);
        model.upsert(pod("a1", "alpha", "demo", "Running", "1/1", 0, 1, "10.0.0.11"));
        assertThat(model.running()).isEqualTo(3);
        assertThat(model.row("a1").ip()).isEqualTo("10.0.0.11");
        model.upsert(pod("d1", "delta", "default", "Failed", "0/1", 0, 4, ""));
        assertThat(names()).containsExactly("alpha", "beta", "delta", "runner");
        model.select(3);
        model.remove("c1");
        // The selected pod went away: the selection stays at the same height.
        assertThat(model.selected().orElseThrow().name()).isEqualTo("delta");
        model.remove("nope");
        assertThat(model.total()).isEqualTo(3);
        model.setAll(List.of());
        assertThat(model.rows()).isEmpty();
        assertThat(model.row("a1")).isNull();
    }

    @Test
    void statusShowsAWaitingContainersReasonBeforeThePhase() {
        Pod crashing = pod("x1", "crash", "default", "Running", "0/1", 4, 1, "10.0.0.2").toBuilder()
                .addContainers(PodContainer.newBuilder().setName("c").setState("waiting").setReason("CrashLoopBackOff"))
                .build();
        Pod done = pod("y1", "done", "default", "Succeeded", "0/1", 0, 1, "").toBuilder()
                .addContainers(PodContainer.newBuilder().setName("c").setState("terminated").setReason("Completed"))
                .build();
        Pod fine = pod("z1", "fine", "default", "Running", "1/1", 0, 1, "10.0.0.3").toBuilder()
                .addContainers(PodContainer.newBuilder().setName("c").setState("running"))
                .build();
        model.setAll(List.of(crashing, done, fine));
        assertThat(model.rows()).extracting(PodRow::status).containsExactly("CrashLoopBackOff", "Completed", "Running");
        assertThat(model.rows().get(0).readyCount()).isZero();
        assertThat(model.rows().get(0).containerCount()).isEqualTo(1);
        model.setFilter("crashloop");
        assertThat(names()).containsExactly("crash");
    }

    @Test
    void refusesUpdatesFromAWorkerThread() throws Exception {
        var onlyOnMain = new PodsTableModel(new Dispatcher() {
            private final Thread ui = Thread.currentThread();

            @Override
            public void dispatch(Runnable task) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean isUiThread() {
                return Thread.currentThread() == ui;
            }
        });
        var failure = CompletableFuture.runAsync(() -> onlyOnMain.setAll(List.of()));
        assertThatThrownBy(failure::join).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not the UI thread");
    }

    @Test
    void aHeaderSortIsNumericAndSurvivesLiveUpdates() {
        model.setAll(List.of(pod("a1", "alpha", "default", "Running", "1/1", 9, 1, "10.0.0.2"),
                pod("b1", "beta", "default", "Running", "1/1", 10, 2, "10.0.0.3"),
                pod("c1", "gamma", "default", "Running", "1/1", 2, 3, "10.0.0.4")));
        model.sortBy(SortKey.RESTARTS);
        // 10 restarts before 9 (as text "9" would sort first).
        assertThat(names()).containsExactly("beta", "alpha", "gamma");
        model.sortBy(SortKey.MEMORY);
        model.updateUsage(Map.of("a1", Sample.newBuilder().setMemoryWorkingSetBytes(900).build(),
                "b1", Sample.newBuilder().setMemoryWorkingSetBytes(10_000).build(),
                "c1", Sample.newBuilder().setMemoryWorkingSetBytes(2_000).build()));
        assertThat(names()).containsExactly("beta", "gamma", "alpha");
        // A metrics round and a pod update later the key and direction hold and the rows re-sort by value.
        model.updateUsage(Map.of("a1", Sample.newBuilder().setMemoryWorkingSetBytes(50_000).build()));
        model.upsert(pod("d1", "delta", "default", "Pending", "0/1", 0, 4, ""));
        assertThat(model.sortKey()).isEqualTo(SortKey.MEMORY);
        assertThat(model.descending()).isTrue();
        assertThat(names()).containsExactly("alpha", "beta", "gamma", "delta");
    }
}
