package dev.podlab.api.view;

import dev.podlab.api.v1.InfoResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.VersionResponse;
import dev.podlab.api.view.EngineInfoModel.HostFact;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EngineInfoModelTest {
    private final EngineInfoModel model = new EngineInfoModel(Dispatcher.direct());

    @Test
    void hostFactsSayWhatTheEngineReportedAndNothingBeforeIt() {
        assertThat(model.hostFacts(0)).isEmpty();
        long started = 1_000_000_000_000L; // ms
        model.update(InfoResponse.newBuilder().setVersion("0.1.0").setKernel("6.1.0-9-amd64").setCgroupVersion("hybrid")
                .addCgroupControllers("memory").addCgroupControllers("pids").setCgroupParent("podlab")
                .setHostCpus(2).setHostMemoryBytes(4L << 30).setEngineRssBytes(90L << 20).setStateRoot("/var/lib/podlab")
                .setContainers(3).setContainersRunning(2).setImages(4).setDefaultRuntime("builtin")
                .addRuntimes(Runtime.newBuilder().setName("builtin").setWorks(true))
                .addRuntimes(Runtime.newBuilder().setName("crun").setWorks(false))
                .setMetricsInterval("1s").setMetricsHistory("10m").build(),
                VersionResponse.newBuilder().setPid(77).setStartedAt(started * 1_000_000).setSocket("/run/podlab/podlab.sock").build());
        var facts = model.hostFacts(started + 5 * 60_000 + 10);
        assertThat(facts).contains(new HostFact("kernel", "6.1.0-9-amd64"),
                new HostFact("cgroups", "hybrid (memory, pids)"), new HostFact("CPUs", "2"),
                new HostFact("memory", "4.0 GiB"), new HostFact("engine", "0.1.0, pid 77, up 5 min"),
                new HostFact("engine memory (RSS)", "90.0 MiB"), new HostFact("socket", "/run/podlab/podlab.sock"),
                new HostFact("containers", "3 (2 running)"), new HostFact("runtimes", "builtin (default), crun (not here)"),
                new HostFact("metrics", "every 1s, kept 10m"), new HostFact("repaired at start-up", "nothing"));
        assertThat(facts.get(0).label()).isEqualTo("kernel");
    }
}
