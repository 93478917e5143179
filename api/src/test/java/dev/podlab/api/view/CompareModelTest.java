package dev.podlab.api.view;

import dev.podlab.api.v1.CompareRequest;
import dev.podlab.api.v1.CompareResponse;
import dev.podlab.api.v1.RuntimeColumn;
import dev.podlab.api.view.CompareModel.Row;
import dev.podlab.api.view.CompareModel.State;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompareModelTest {
    private final CompareModel model = new CompareModel(Dispatcher.direct());

    private static RuntimeColumn column(String runtime, double millis, String kernel, String net) {
        return RuntimeColumn.newBuilder().setRuntime(runtime).setStartMillisMedian(millis).setPodMemoryBytes(2 << 20)
                .setShimRssBytes(3 << 20).setKernel(kernel).setPid1("sleep 600").setCgroupPath("/podlab/pod-" + runtime)
                .putNamespaces("net", "net:[" + net + "]").putNamespaces("pid", "pid:[4026532" + net + "]")
                .setConfigJson("{\n  \"runtime\": \"" + runtime + "\"\n}").build();
    }

    private static Row row(List<Row> rows, String label) {
        return rows.stream().filter(r -> r.label().equals(label)).findFirst().orElseThrow();
    }

    @Test
    void aRequestNeedsTwoDifferentRuntimesAndARound() {
        CompareRequest r = CompareModel.request("web.yaml", "kind: Pod", "web", List.of("builtin", "runc"), 2);
        assertThat(r.getRuntimesList()).containsExactly("builtin", "runc");
        assertThat(r.getPod()).isEqualTo("web");
        assertThat(r.getRounds()).isEqualTo(2);
        assertThat(CompareModel.request("a", "b", null, List.of("builtin", "kvm"), 1).getPod()).isEmpty();
        assertThatThrownBy(() -> CompareModel.request("a", "b", "", List.of("runc", "runc"), 1))
                .hasMessage("failed to compare runtimes: choose two different runtimes, not runc and runc");
        assertThatThrownBy(() -> CompareModel.request("a", "b", "", List.of("runc"), 1))
                .hasMessageStartingWith("failed to compare runtimes");
        assertThatThrownBy(() -> CompareModel.request("a", "b", "", List.of("builtin", "runc"), 0))
                .hasMessageContaining("rounds must be 1 or more");
    }

    @Test
    void twoColumnsGiveOneRowPerFactAndNamespaceInRuntimeOrder() {
        List<String> heard = new java.util.ArrayList<>();
        model.addListener(() -> heard.add(model.state().name()));
        assertThat(model.state()).isEqualTo(State.IDLE);
        model.started("pod default/web", CompareModel.request("web.yaml", "", "", List.of("builtin", "runc"), 3));
        assertThat(model.state()).isEqualTo(State.RUNNING);
        assertThat(model.runtimes()).containsExactly("builtin", "runc");
        assertThat(model.summary()).isEqualTo("comparing pod default/web on builtin and runc: 3 starts on each...");

        model.finished(CompareResponse.newBuilder().addColumns(column("builtin", 412.4, "6.1.0-9-amd64", "1"))
                .addColumns(column("runc", 655.6, "6.1.0-9-amd64", "2")).build());
        assertThat(model.state()).isEqualTo(State.DONE);
        assertThat(heard).containsExactly("RUNNING", "DONE");
        List<Row> rows = model.rows();
        assertThat(rows).extracting(Row::label).containsExactly("start to running (median of 3)", "pod cgroup memory",
                "supervisor RSS on the host", "kernel inside (uname -r)", "PID 1 inside", "cgroup", "ns net", "ns pid");
        assertThat(row(rows, "start to running (median of 3)").cells()).containsExactly("412 ms", "656 ms");
        assertThat(row(rows, "kernel inside (uname -r)").cells()).containsExactly("6.1.0-9-amd64", "6.1.0-9-amd64");
        assertThat(row(rows, "ns net").cells()).containsExactly("net:[1]", "net:[2]");
        assertThat(row(rows, "pod cgroup memory").cells()).containsExactly("2.0 MiB", "2.0 MiB");
        assertThat(model.columns().get(1).getConfigJson()).contains("runc");
        assertThat(model.summary()).isEqualTo("pod default/web on builtin and runc");
    }

    @Test
    void aRuntimeThatCouldNotRunThePodShowsDashesAndItsError() {
        model.started("web.yaml", CompareModel.request("web.yaml", "", "", List.of("builtin", "crun"), 1));
        model.finished(CompareResponse.newBuilder().addColumns(column("builtin", 300, "6.1", "1"))
                .addColumns(RuntimeColumn.newBuilder().setRuntime("crun").setError("crun refuses this hybrid cgroup host"))
                .build());
        List<Row> rows = model.rows();
        assertThat(row(rows, "kernel inside (uname -r)").cells()).containsExactly("6.1", "-");
        assertThat(row(rows, "ns net").cells()).containsExactly("net:[1]", "-");
        assertThat(row(rows, "error").cells()).containsExactly("", "crun refuses this hybrid cgroup host");
        assertThat(model.summary()).endsWith("(1 could not run it)");
    }

    @Test
    void aFailedCallKeepsItsReasonUntilTheNextStart() {
        model.started("web.yaml", CompareModel.request("web.yaml", "", "", List.of("builtin", "runc"), 1));
        model.failed("failed to compare runtimes: web.yaml holds no pod");
        assertThat(model.state()).isEqualTo(State.FAILED);
        assertThat(model.summary()).isEqualTo("failed to compare runtimes: web.yaml holds no pod");
        assertThat(model.rows()).isEmpty();
        model.started("web.yaml", CompareModel.request("web.yaml", "", "", List.of("builtin", "runc"), 1));
        assertThat(model.failure()).isEmpty();
        assertThat(model.state()).isEqualTo(State.RUNNING);
    }
}
