package dev.podlab.api.view;

import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.Sample;
import dev.podlab.api.view.ContainersTableModel.SortKey;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainersTableModelTest {
    private final ContainersTableModel model = new ContainersTableModel(Dispatcher.direct());

    private static Container c(String id, String name, String state, long created) {
        return Container.newBuilder().setId(id).setName(name).setState(state).setImage("img/" + name)
                .setRuntime("builtin").setCreatedAt(created).build();
    }

    private List<String> names() {
        return model.rows().stream().map(WorkloadRow::name).toList();
    }

    @Test
    void sortsByNameThenFlipsAndByUsage() {
        model.setAll(List.of(c("b1", "beta", "running", 2), c("a1", "alpha", "exited", 1), c("c1", "gamma", "running", 3)));
        assertThat(names()).containsExactly("alpha", "beta", "gamma");
        model.sortBy(SortKey.NAME);
        assertThat(names()).containsExactly("gamma", "beta", "alpha");
        model.updateUsage(Map.of("a1", Sample.newBuilder().setCpuCores(0.5).build(),
                "b1", Sample.newBuilder().setCpuCores(0.1).build(), "c1", Sample.newBuilder().setCpuCores(Double.NaN).build()));
        model.sortBy(SortKey.CPU);
        assertThat(model.descending()).isTrue();
        assertThat(names()).containsExactly("alpha", "beta", "gamma");
        assertThat(model.rows().get(0).cpuPercent()).isEqualTo(50.0);
        model.sortBy(SortKey.AGE);
        assertThat(names()).containsExactly("gamma", "beta", "alpha");
        assertThat(model.running()).isEqualTo(2);
    }

    @Test
    void filterMatchesEveryWordAndSelectionFollowsItsRowAcrossUpdates() {
        model.setAll(List.of(c("a1", "alpha", "running", 1), c("b1", "beta", "running", 2), c("c1", "gamma", "exited", 3)));
        model.select(1);
        assertThat(model.selected()).get().extracting(WorkloadRow::name).isEqualTo("beta");
        // A new row sorting before the selection must not move the selection to another container.
        model.upsert(c("0a", "aardvark", "running", 4));
        assertThat(model.selected()).get().extracting(WorkloadRow::name).isEqualTo("beta");
        assertThat(model.selectedIndex()).isEqualTo(2);
        model.upsert(c("b1", "beta", "exited", 2));
        assertThat(model.selected()).get().extracting(WorkloadRow::state).isEqualTo("exited");

        model.setFilter("exited");
        assertThat(names()).containsExactly("beta", "gamma");
        assertThat(model.selected()).get().extracting(WorkloadRow::name).isEqualTo("beta");
        model.setFilter("img/ gam");
        assertThat(names()).containsExactly("gamma");
        assertThat(model.selected()).get().extracting(WorkloadRow::name).isEqualTo("gamma");
        model.setFilter("");
        model.remove("c1");
        assertThat(names()).containsExactly("aardvark", "alpha", "beta");
        assertThat(model.selected()).isPresent();
        model.setFilter("nothing-like-this");
        assertThat(model.rows()).isEmpty();
        assertThat(model.selected()).isEmpty();
        assertThat(model.total()).isEqualTo(3);
    }

    @Test
    void podLabelBecomesTheRowsGroup() {
        model.setAll(List.of(c("a1", "web", "running", 1).toBuilder().addLabels(dev.podlab.api.Labels.label(WorkloadRow.POD_LABEL, "shop")).build()));
        assertThat(model.rows().get(0).group()).isEqualTo("shop");
        model.setFilter("shop");
        assertThat(model.rows()).hasSize(1);
    }

    @Test
    void listenersHearChangesAndWorkersAreRefused() throws Exception {
        int[] heard = {0};
        AutoCloseable handle = model.addListener(() -> heard[0]++);
        model.setAll(List.of(c("a1", "alpha", "running", 1)));
        model.setFilter("al");
        assertThat(heard[0]).isEqualTo(2);
        handle.close();
        model.setFilter("");
        assertThat(heard[0]).isEqualTo(2);

        var ui = new ContainersTableModel(new Dispatcher() {
            @Override
            public void dispatch(Runnable task) {
                task.run();
            }

            @Override
            public boolean isUiThread() {
                return false;
            }
        });
        assertThatThrownBy(() -> ui.setFilter("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not the UI thread");
        var off = CompletableFuture.runAsync(() -> ui.setAll(List.of()));
        assertThat(off).failsWithin(java.time.Duration.ofSeconds(5));
    }

    @Test
    void memoryAndCpuSortByValueAcrossMetricsRounds() {
        model.setAll(List.of(c("a1", "alpha", "running", 1), c("b1", "beta", "running", 2), c("c1", "gamma", "running", 3)));
        model.sortBy(SortKey.MEMORY);
        model.updateUsage(Map.of("a1", Sample.newBuilder().setMemoryWorkingSetBytes(9 << 20).build(),
                "b1", Sample.newBuilder().setMemoryWorkingSetBytes(10L << 30).build(),
                "c1", Sample.newBuilder().setMemoryWorkingSetBytes(100 << 10).build()));
        // 10 GiB > 9 MiB > 100 KiB: by bytes, not by the shown text.
        assertThat(names()).containsExactly("beta", "alpha", "gamma");
        model.sortBy(SortKey.MEMORY);
        assertThat(names()).containsExactly("gamma", "alpha", "beta");
        model.updateUsage(Map.of("c1", Sample.newBuilder().setMemoryWorkingSetBytes(20L << 30).build()));
        assertThat(model.sortKey()).isEqualTo(SortKey.MEMORY);
        assertThat(model.descending()).isFalse();
        assertThat(names()).containsExactly("alpha", "beta", "gamma");
    }
}
