package dev.podlab.cri;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podlab.cri.v1.ContainerStatus;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A CRI sandbox as Kubernetes shows a pod ({@code podlab get pod NAME -o yaml}): metadata from the sandbox config,
 * spec with its containers, status with the phase, IP and each container's state from the CRI statuses. The wire
 * shape is kept here, apart from the CRI records it is made from.
 */
final class CriKubeView {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CriKubeView() {}

    /** One container: what the bridge keeps of it and its CRI status now. */
    record Member(CriContainer container, ContainerStatus status) {}

    static String json(CriSandbox s, String runtime, List<Member> containers) {
        var spec = s.spec();
        ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata").put("name", spec.name()).put("namespace", spec.namespace())
                .put("uid", spec.uid()).put("creationTimestamp", time(s.createdAt()));
        if (!spec.labels().isEmpty()) {
            spec.labels().forEach(meta.putObject("labels")::put);
        }
        if (!spec.annotations().isEmpty()) {
            spec.annotations().forEach(meta.putObject("annotations")::put);
        }
        ObjectNode podSpec = pod.putObject("spec").put("hostname", spec.hostname()).put("runtimeClassName", runtime);
        if (spec.hostNetwork()) {
            podSpec.put("hostNetwork", true);
        }
        var specContainers = podSpec.putArray("containers");
        ObjectNode status = pod.putObject("status").put("phase", s.ready() ? "Running" : "NotReady");
        if (!s.ip().isEmpty()) {
            status.put("podIP", s.ip());
            status.putArray("podIPs").addObject().put("ip", s.ip());
        }
        status.put("startTime", time(s.createdAt()));
        var statuses = status.putArray("containerStatuses");
        for (Member m : containers) {
            CriContainer c = m.container();
            ContainerStatus st = m.status();
            specContainers.addObject().put("name", c.name()).put("image", c.image());
            ObjectNode n = statuses.addObject().put("name", c.name()).put("image", c.image())
                    .put("imageID", c.imageRef()).put("containerID", "podlab://" + c.id());
            boolean running = st.getState() == dev.podlab.cri.v1.ContainerState.CONTAINER_RUNNING;
            n.put("ready", running).put("started", running).put("restartCount", c.attempt());
            ObjectNode state = n.putObject("state");
            switch (st.getState()) {
                case CONTAINER_RUNNING -> state.putObject("running").put("startedAt", time(st.getStartedAt()));
                case CONTAINER_EXITED -> {
                    ObjectNode t = state.putObject("terminated").put("exitCode", st.getExitCode())
                            .put("reason", st.getReason());
                    if (!st.getMessage().isEmpty()) {
                        t.put("message", st.getMessage());
                    }
                    t.put("startedAt", time(st.getStartedAt())).put("finishedAt", time(st.getFinishedAt()));
                }
                default -> state.putObject("waiting").put("reason", st.getState() == dev.podlab.cri.v1.ContainerState
                        .CONTAINER_CREATED ? "ContainerCreated" : "Unknown");
            }
        }
        return pod.toString();
    }

    private static String time(long unixNanos) {
        return unixNanos == 0 ? "" : Instant.ofEpochSecond(0, unixNanos).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
