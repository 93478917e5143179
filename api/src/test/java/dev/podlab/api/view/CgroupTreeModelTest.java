package dev.podlab.api.view;

import dev.podlab.api.v1.CgroupNode;
import dev.podlab.api.v1.CgroupValue;
import dev.podlab.api.v1.PodCgroupsResponse;
import dev.podlab.api.view.CgroupTreeModel.Kind;
import dev.podlab.api.view.CgroupTreeModel.Row;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class CgroupTreeModelTest {
    private static final String POD = "podlab/pod-0123456789ab";
    private static final String WEB = POD + "/c0ffee";

    private static CgroupNode node(String path, String container, String controller, String... fileKeyValue) {
        var b = CgroupNode.newBuilder().setPath(path).setContainer(container).setController(controller)
                .setDirectory("/sys/fs/cgroup/" + controller + "/" + path);
        for (int i = 0; i < fileKeyValue.length; i += 3) {
            b.addValues(CgroupValue.newBuilder().setFile(fileKeyValue[i]).setKey(fileKeyValue[i + 1])
                    .setValue(fileKeyValue[i + 2]));
        }
        return b.build();
    }

    private static PodCgroupsResponse answer(String usage, String throttled) {
        // The container's node comes first here: the tree must still put it under the pod by path.
        return PodCgroupsResponse.newBuilder().setVersion("v1 hybrid")
                .addNodes(node(WEB, "web", "memory", "memory.limit_in_bytes", "", "67108864",
                        "memory.usage_in_bytes", "", usage, "memory.stat", "rss", "4096"))
                .addNodes(node(WEB, "web", "cpu", "cpu.cfs_quota_us", "", "50000", "cpu.stat", "nr_throttled", throttled))
                .addNodes(node(POD, "", "memory", "memory.limit_in_bytes", "", "67108864"))
                .addNodes(node(POD, "", "pids", "pids.max", "", "max"))
                .build();
    }

    @Test
    void rowsNestContainersUnderThePodWithControllersAndRawValues() {
        var m = new CgroupTreeModel(Dispatcher.direct(), "web");
        AtomicInteger heard = new AtomicInteger();
        m.addListener(heard::incrementAndGet);
        m.update(answer("1000", "0"));

        assertThat(m.version()).isEqualTo("v1 hybrid");
        assertThat(m.controllers()).containsExactly("memory", "cpu", "pids");
        List<Row> rows = m.rows();
        assertThat(rows).extracting(Row::kind).containsExactly(Kind.CGROUP, Kind.CONTROLLER, Kind.VALUE, Kind.VALUE,
                Kind.VALUE, Kind.CONTROLLER, Kind.VALUE, Kind.VALUE, Kind.CGROUP, Kind.CONTROLLER, Kind.VALUE,
                Kind.CONTROLLER, Kind.VALUE);
        // Order follows the answer, depth follows the paths: the container is one level below the pod.
        assertThat(rows.get(0)).isEqualTo(new Row(1, Kind.CGROUP, "container web", WEB, false));
        assertThat(rows.get(8)).isEqualTo(new Row(0, Kind.CGROUP, "pod cgroup", POD, false));
        assertThat(rows.get(1)).isEqualTo(new Row(2, Kind.CONTROLLER, "memory", "/sys/fs/cgroup/memory/" + WEB, false));
        assertThat(rows.get(4)).isEqualTo(new Row(3, Kind.VALUE, "memory.stat rss", "4096", false));
        assertThat(rows.get(12)).isEqualTo(new Row(2, Kind.VALUE, "pids.max", "max", false));
        assertThat(m.value("web", "cpu", "cpu.stat", "nr_throttled")).hasValue("0");
        assertThat(m.value("", "memory", "memory.limit_in_bytes", "")).hasValue("67108864");
        assertThat(m.value("web", "pids", "pids.max", "")).isEmpty();
        assertThat(heard).hasValue(1);
        assertThat(m.updates()).isEqualTo(1);
    }

    @Test
    void valuesThatChangedSinceTheLastAnswerAreMarked() {
        var m = new CgroupTreeModel(Dispatcher.direct(), "web");
        m.update(answer("1000", "0"));
        assertThat(m.rows()).noneMatch(Row::changed);
        m.update(answer("2000", "3"));
        assertThat(m.rows()).filteredOn(Row::changed).extracting(Row::label, Row::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("memory.usage_in_bytes", "2000"),
                        org.assertj.core.groups.Tuple.tuple("cpu.stat nr_throttled", "3"));
        m.update(answer("2000", "3"));
        assertThat(m.rows()).noneMatch(Row::changed);
    }

    @Test
    void oneControllerAtATimeThenAllAgain() {
        var m = new CgroupTreeModel(Dispatcher.direct(), "web");
        m.update(answer("1000", "0"));
        m.cycleController();
        assertThat(m.onlyController()).isEqualTo("memory");
        assertThat(m.rows()).filteredOn(r -> r.kind() == Kind.CONTROLLER).extracting(Row::label)
                .containsExactly("memory", "memory");
        // Both cgroups stay, even one without the controller, so the tree keeps its shape.
        assertThat(m.rows()).filteredOn(r -> r.kind() == Kind.CGROUP).hasSize(2);
        m.cycleController();
        m.cycleController();
        assertThat(m.onlyController()).isEqualTo("pids");
        assertThat(m.rows()).filteredOn(r -> r.kind() == Kind.VALUE).extracting(Row::label).containsExactly("pids.max");
        m.cycleController();
        assertThat(m.onlyController()).isEmpty();
        assertThat(m.rows()).hasSize(13);
        // A controller that disappears from the answers is no longer the filter.
        m.cycleController();
        m.update(PodCgroupsResponse.newBuilder().setVersion("v2")
                .addNodes(node(POD, "", "unified", "memory.max", "", "max")).build());
        assertThat(m.onlyController()).isEmpty();
        assertThat(m.rows()).extracting(Row::value).containsExactly(POD, "/sys/fs/cgroup/unified/" + POD, "max");
    }
}
