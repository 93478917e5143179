package dev.podlab.api.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.podlab.core.pod.PodRecord;
import dev.podlab.core.pod.PodStatus;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A pod as {@code kubectl get pod -o yaml} shows it: the manifest's metadata and spec, podlab's status in
 * Kubernetes' shape (phase, conditions, podIP, containerStatuses with state/lastState, qosClass).
 */
final class KubeView {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final Set<String> WORKLOADS = Set.of("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job");

    private KubeView() {}

    static String json(PodRecord r) {
        ObjectNode pod = JSON.createObjectNode();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", r.name());
        meta.put("namespace", r.namespace());
        meta.put("uid", r.uid());
        meta.put("creationTimestamp", time(r.createdAt()));
        JsonNode doc = document(r);
        if (doc != null) {
            JsonNode m = doc.path("metadata");
            if (m.has("labels")) {
                meta.set("labels", m.get("labels"));
            }
            if (m.has("annotations")) {
                meta.set("annotations", m.get("annotations"));
            }
            if (doc.has("spec")) {
                pod.set("spec", doc.get("spec"));
            }
        }
        PodStatus s = r.status();
        ObjectNode status = pod.putObject("status");
        if (s != null) {
            status.put("phase", s.phase());
            if (!s.reason().isEmpty()) {
                status.put("reason", s.reason());
                status.put("message", s.message());
            }
            ArrayNode conditions = status.putArray("conditions");
            for (PodStatus.Condition c : s.conditions()) {
                ObjectNode n = conditions.addObject();
                n.put("type", c.type());
                n.put("status", c.status());
                n.put("lastTransitionTime", time(c.lastTransitionTime()));
                if (!c.reason().isEmpty()) {
                    n.put("reason", c.reason());
                }
            }
            status.put("hostIP", "127.0.0.1");
            if (!s.podIP().isEmpty()) {
                status.put("podIP", s.podIP());
                status.putArray("podIPs").addObject().put("ip", s.podIP());
            }
            status.put("startTime", time(s.startTime()));
            status.put("qosClass", s.qosClass());
            if (!s.initContainerStatuses().isEmpty()) {
                containers(status.putArray("initContainerStatuses"), s.initContainerStatuses());
            }
            containers(status.putArray("containerStatuses"), s.containerStatuses());
        }
        return pod.toString();
    }

    private static void containers(ArrayNode out, List<PodStatus.ContainerState> list) {
        for (PodStatus.ContainerState c : list) {
            ObjectNode n = out.addObject();
            n.put("name", c.name());
            n.put("image", c.image());
            n.put("imageID", "");
            if (!c.containerId().isEmpty()) {
                n.put("containerID", "podlab://" + c.containerId());
            }
            n.put("ready", c.ready());
            n.put("started", c.started());
            n.put("restartCount", c.restartCount());
            n.set("state", state(c.state()));
            n.set("lastState", c.lastState() == null ? JSON.createObjectNode() : state(c.lastState()));
        }
    }

    private static ObjectNode state(PodStatus.State s) {
        ObjectNode wrapper = JSON.createObjectNode();
        ObjectNode n = wrapper.putObject(s.kind());
        switch (s.kind()) {
            case "running" -> n.put("startedAt", time(s.startedAt()));
            case "terminated" -> {
                n.put("exitCode", s.exitCode());
                if (s.signal() != 0) {
                    n.put("signal", s.signal());
                }
                n.put("reason", s.reason());
                if (!s.message().isEmpty()) {
                    n.put("message", s.message());
                }
                n.put("startedAt", time(s.startedAt()));
                n.put("finishedAt", time(s.finishedAt()));
            }
            default -> {
                n.put("reason", s.reason());
                if (!s.message().isEmpty()) {
                    n.put("message", s.message());
                }
            }
        }
        return wrapper;
    }

    /** The manifest document of this pod (a Pod, or the workload whose template it is). */
    private static JsonNode document(PodRecord r) {
        try (YAMLParser p = YAML.createParser(r.manifest())) {
            var it = JSON.readValues(p, JsonNode.class);
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d == null || !d.isObject()) {
                    continue;
                }
                String kind = d.path("kind").asText();
                String name = d.path("metadata").path("name").asText();
                if (kind.equals("Pod") && name.equals(r.name())) {
                    return d;
                }
                if (WORKLOADS.contains(kind) && name.equals(r.name())) {
                    return d.path("spec").path("template");
                }
            }
        } catch (IOException | RuntimeException e) {
            // The manifest was validated when played; an unreadable copy only costs the spec in this view.
        }
        return null;
    }

    private static String time(long unixNanos) {
        return unixNanos == 0 ? "" : Instant.ofEpochSecond(0, unixNanos).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
    }
}
