package dev.podlab.api;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.v1.InfoRequest;
import dev.podlab.api.v1.ListContainersRequest;
import dev.podlab.api.v1.QueryEventsRequest;
import dev.podlab.api.v1.VersionRequest;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service as a real background process: started on demand by a client, killed with SIGKILL while
 * containers run, restarted, then stopped with SIGTERM. Containers outlive every engine process.
 */
@Tag("root")
class EngineRestartTest {
    @Test
    void containersOutliveTheEngineAndARestartRecordsWhatHappenedMeanwhile() throws Exception {
        List<Long> enginePids = new ArrayList<>();
        try (TestEngine te = TestEngine.open()) {
            EngineSettings settings = te.serviceSettings();
            try {
                Container running;
                Container shortLived;
                try (PodlabClient c = PodlabClient.connectOrStart(settings, null)) {
                    long pid = c.engine().version(VersionRequest.getDefaultInstance()).getPid();
                    enginePids.add(pid);
                    assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
                    assertThat(sessionOf(pid)).as("the engine leads its own session").isEqualTo(pid);
                    running = start(c, "long", "sleep", "600");
                    shortLived = start(c, "short", "sh", "-c", "sleep 1; exit 3");
                }
                ProcessHandle first = ProcessHandle.of(enginePids.get(0)).orElseThrow();
                first.destroyForcibly();
                first.onExit().get(10, TimeUnit.SECONDS);
                // The short container exits while no engine runs; its shim records the exit and ends.
                var shim = ProcessHandle.of(shortLived.getShimPid());
                if (shim.isPresent()) {
                    shim.get().onExit().get(10, TimeUnit.SECONDS);
                }
                assertThat(settings.stateRoot().resolve("containers").resolve(shortLived.getId())
                        .resolve("exit.json")).exists();
                assertThat(ProcessHandle.of(running.getInitPid())).isPresent();

                try (PodlabClient c = PodlabClient.connectOrStart(settings, null)) {
                    long pid = c.engine().version(VersionRequest.getDefaultInstance()).getPid();
                    enginePids.add(pid);
                    assertThat(pid).isNotEqualTo(enginePids.get(0));
                    var all = c.containers().list(ListContainersRequest.newBuilder().setAll(true).build())
                            .getContainersList();
                    assertThat(all).filteredOn(x -> x.getId().equals(running.getId())).singleElement()
                            .satisfies(x -> {
                                assertThat(x.getState()).isEqualTo("running");
                                assertThat(x.getInitPid()).isEqualTo(running.getInitPid());
                            });
                    assertThat(all).filteredOn(x -> x.getId().equals(shortLived.getId())).singleElement()
                            .satisfies(x -> {
                                assertThat(x.getState()).isEqualTo("exited");
                                assertThat(x.getExit().getExitCode()).isEqualTo(3);
                                assertThat(x.getExit().getReason()).isEqualTo("Error");
                            });
                    assertThat(c.engine().info(InfoRequest.getDefaultInstance()).getRepairedList())
                            .anySatisfy(r -> assertThat(r).contains("short").contains("exited"));
                    assertThat(c.events().query(QueryEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                            .setTypePrefix("engine.repaired")).build()).getEventsList()).isNotEmpty();
                    // What the killed engine published is still there: its start, the containers' steps.
                    var before = c.events().query(QueryEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                            .setObjectId(running.getId())).build()).getEventsList();
                    assertThat(before).extracting(e -> e.getType()).contains("step");
                    var engineStarts = c.events().query(QueryEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                            .setTypePrefix("engine.started")).build()).getEventsList();
                    assertThat(engineStarts).hasSize(2);
                    assertThat(engineStarts.get(1).getSeq()).isGreaterThan(engineStarts.get(0).getSeq());
                }
                ProcessHandle second = ProcessHandle.of(enginePids.get(1)).orElseThrow();
                second.destroy(); // SIGTERM: a graceful stop
                second.onExit().get(15, TimeUnit.SECONDS);
                assertThat(Files.exists(settings.socket())).as("socket removed on shutdown").isFalse();
                assertThat(ProcessHandle.of(running.getInitPid())).as("container still running").isPresent();
                assertThat(Files.readString(settings.stateRoot().resolve("engine.log")))
                        .contains("serving").contains("repaired at start");
            } finally {
                for (long pid : enginePids) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    /** Field 6 of /proc/PID/stat, after the parenthesised command name. */
    private static long sessionOf(long pid) throws Exception {
        String stat = Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[3]);
    }

    private static Container start(PodlabClient c, String name, String... command) throws Exception {
        Container created = c.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName(name).addAllCommand(List.of(command)).build())
                .getContainer();
        return c.containers().start(ContainerRef.newBuilder().setId(created.getId()).build()).getContainer();
    }
}
