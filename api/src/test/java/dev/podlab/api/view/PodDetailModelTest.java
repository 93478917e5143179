package dev.podlab.api.view;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.api.v1.PodEventEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PodDetailModelTest {
    private final PodDetailModel model = new PodDetailModel(Dispatcher.direct(), "p1");

    private static final String KUBE = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
             "spec":{"restartPolicy":"OnFailure",
               "initContainers":[{"name":"setup","image":"busybox"}],
               "containers":[{"name":"httpd","ports":[{"name":"http","containerPort":8080,"hostPort":18080},
                                                       {"containerPort":53,"protocol":"UDP"}]},
                             {"name":"clock"}]},
             "status":{"phase":"Running","conditions":[
               {"type":"PodScheduled","status":"True","lastTransitionTime":"2026-11-28T18:00:00Z"},
               {"type":"Ready","status":"False","reason":"ContainersNotReady","lastTransitionTime":"2026-11-28T18:00:01Z"}]}}
            """;

    private static Pod pod() {
        return Pod.newBuilder().setId("p1").setName("web").setNamespace("default").setPhase("Running").setReady("1/2")
                .addContainers(PodContainer.newBuilder().setName("setup").setInit(true).setState("terminated")
                        .setReason("Completed").setContainerId("i1"))
                .addContainers(PodContainer.newBuilder().setName("httpd").setState("running").setReady(true)
                        .setContainerId("c1").setImage("busybox").setRestartCount(2).setLastReason("Error"))
                .addContainers(PodContainer.newBuilder().setName("clock").setState("waiting").setReason("CrashLoopBackOff"))
                .addWarnings("web.yaml:7:5: spec.nodeSelector: ignored (podlab runs on one node)")
                .addEvents(PodEventEntry.newBuilder().setType("Normal").setReason("Started").setMessage("Started container httpd"))
                .setKubeJson(KUBE).build();
    }

    @Test
    void containersCarryStateReasonRestartsAndPortsFromTheSpec() {
        model.update(pod());
        assertThat(model.containers()).extracting(PodDetailModel.ContainerLine::name).containsExactly("setup", "httpd", "clock");
        var httpd = model.containers().get(1);
        assertThat(httpd.ports()).containsExactly("8080/TCP → host 18080", "53/UDP");
        assertThat(httpd.restarts()).isEqualTo(2);
        assertThat(httpd.lastReason()).isEqualTo("Error");
        assertThat(httpd.ready()).isTrue();
        assertThat(model.containers().get(0).init()).isTrue();
        assertThat(model.containers().get(2).reason()).isEqualTo("CrashLoopBackOff");
        assertThat(model.containers().get(2).ports()).isEmpty();
        assertThat(model.restartPolicy()).isEqualTo("OnFailure");
        assertThat(model.restartsContainers()).isTrue();
    }

    @Test
    void conditionsEventsAndTheManifestReport() {
        model.update(pod());
        assertThat(model.conditions()).containsExactly(
                new PodDetailModel.Condition("PodScheduled", "True", "", "2026-11-28T18:00:00Z"),
                new PodDetailModel.Condition("Ready", "False", "ContainersNotReady", "2026-11-28T18:00:01Z"));
        assertThat(model.events()).extracting(PodEventEntry::getReason).containsExactly("Started");
        assertThat(model.report()).singleElement().asString().contains("spec.nodeSelector");
    }

    @Test
    void withoutAKubeDocumentTheDefaultsHold() {
        model.update(pod().toBuilder().setKubeJson("").build());
        assertThat(model.restartPolicy()).isEqualTo("Always");
        assertThat(model.conditions()).isEmpty();
        assertThat(model.containers()).hasSize(3);
        model.update(pod().toBuilder().setKubeJson("{\"spec\":{\"restartPolicy\":\"Never\"}}").build());
        assertThat(model.restartsContainers()).isFalse();
    }

    @Test
    void theSelectionStaysInsideTheContainersAcrossUpdates() {
        model.update(pod());
        assertThat(model.selectedIndex()).isZero();
        model.moveSelection(5);
        assertThat(model.selectedContainer().orElseThrow().name()).isEqualTo("clock");
        model.update(pod().toBuilder().removeContainers(2).build());
        assertThat(model.selectedContainer().orElseThrow().name()).isEqualTo("httpd");
        model.moveSelection(-9);
        assertThat(model.selectedContainer().orElseThrow().name()).isEqualTo("setup");
    }

    @Test
    void stepEventsBuildTheTraceAndOtherEventsDoNot() {
        model.addSteps(List.of(
                Event.newBuilder().setType("step").setTime(1_000).setDurationNanos(500).setStep("create namespaces")
                        .putAttributes("source", "pod").build(),
                Event.newBuilder().setType("pod.Started").setTime(1_200).build(),
                Event.newBuilder().setType("step").setTime(2_000).setDurationNanos(1_000).setStep("CNI ADD").build()));
        assertThat(model.trace().entries()).extracting(TraceTimeline.Entry::step).containsExactly("create namespaces", "CNI ADD");
        assertThat(model.trace().spanNanos()).isEqualTo(2_000);
        model.clearSteps();
        assertThat(model.trace().entries()).isEmpty();
    }

    @Test
    void aDeletedPodIsMarkedGoneUntilItShowsUpAgain() {
        model.update(pod());
        model.gone("pod web not found");
        assertThat(model.goneReason()).contains("not found");
        assertThat(model.pod()).isPresent();
        model.update(pod());
        assertThat(model.goneReason()).isNull();
    }
}
