package dev.podlab.cli;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.api.v1.QueryEventsRequest;
import dev.podlab.api.v1.TraceStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "trace", description = "Every step the engine took for a pod: its sandbox (namespaces, CNI, cgroup), "
        + "then each container's steps down to clone, pivot_root and exec, with durations.")
final class TraceCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(paramLabel = "POD")
    String pod;

    @Override
    public Integer call() {
        var client = engine.client();
        var p = client.pods().get(GetPodRequest.newBuilder().setPod(pod).build()).getPod();
        List<TraceStep> steps = new ArrayList<>();
        for (Event e : client.events().query(QueryEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                .setObjectId(p.getId()).setTypePrefix("step")).build()).getEventsList()) {
            steps.add(TraceStep.newBuilder().setStart(e.getTime()).setDurationNanos(e.getDurationNanos())
                    .setSource("pod").setStep(e.getStep()).setDetail(e.getDetail()).build());
        }
        System.out.println("Pod " + p.getNamespace() + "/" + p.getName() + " sandbox:");
        InspectCommand.printTrace(steps);
        if (p.getSource().equals("cri")) {
            // The CRI calls that made and drove the pod (RunPodSandbox, CreateContainer, StartContainer, Exec...).
            List<TraceStep> calls = new ArrayList<>(criCalls(client, p.getId()));
            p.getContainersList().forEach(c -> calls.addAll(criCalls(client, c.getContainerId())));
            calls.sort(java.util.Comparator.comparingLong(TraceStep::getStart));
            System.out.println("CRI calls:");
            InspectCommand.printTrace(calls);
        }
        for (PodContainer c : p.getContainersList()) {
            if (c.getContainerId().isEmpty()) {
                continue;
            }
            System.out.println("Container " + c.getName() + " (" + c.getContainerId().substring(0, 12) + "):");
            InspectCommand.printTrace(client.containers().inspect(InspectContainerRequest.newBuilder()
                    .setId(c.getContainerId()).setTrace(true).build()).getTraceList());
        }
        return 0;
    }

    private static List<TraceStep> criCalls(dev.podlab.api.client.PodlabClient client, String objectId) {
        return client.events().query(QueryEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                .setObjectId(objectId).setTypePrefix("cri.")).build()).getEventsList().stream()
                .map(e -> TraceStep.newBuilder().setStart(e.getTime()).setDurationNanos(e.getDurationNanos())
                        .setSource("cri").setStep(e.getType()).setDetail(e.getDetail()).build()).toList();
    }
}
