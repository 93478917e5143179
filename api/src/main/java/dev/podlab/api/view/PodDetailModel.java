package dev.podlab.api.view;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.api.v1.PodEventEntry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One pod as a page: its containers (state, reason, restarts, ready, ports) with a selection, its conditions
 * and events, the manifest report (what podlab ignored or could not honour) and the sandbox's step trace.
 * Fed by {@link EngineFeeds#watchPod} (Pods.Get again after the pod's events, "step" events as they come);
 * toolkit-free, so the GUI can bind to it as the TUI does. Mutators run on the UI thread only.
 */
public final class PodDetailModel extends ViewModel {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One container of the pod; {@code ports} as "8080/TCP" or "8080/TCP → host 18080". */
    public record ContainerLine(String name, String containerId, String image, boolean init, String state,
                                String reason, int restarts, boolean ready, List<String> ports, String lastReason) {}

    /** A pod condition as Kubernetes shows it. */
    public record Condition(String type, String status, String reason, String lastTransitionTime) {}

    private final String podRef;
    private Pod pod;
    private List<ContainerLine> containers = List.of();
    private List<Condition> conditions = List.of();
    private String restartPolicy = "Always";
    private final List<Event> steps = new ArrayList<>();
    private TraceTimeline trace = new TraceTimeline(List.of(), 0, 0);
    private int selected;
    private String gone;

    /** @param podRef the pod's id, name or namespace/name, as Pods.Get takes it */
    public PodDetailModel(Dispatcher ui, String podRef) {
        super(ui);
        this.podRef = podRef;
    }

    public String podRef() {
        return podRef;
    }

    /** A fresh Pods.Get answer (kube_json included: conditions and ports come from it). */
    public void update(Pod p) {
        checkUiThread();
        pod = p;
        gone = null;
        Map<String, List<String>> ports = new HashMap<>();
        List<Condition> conds = new ArrayList<>();
        restartPolicy = "Always";
        if (!p.getKubeJson().isEmpty()) {
            try {
                JsonNode doc = JSON.readTree(p.getKubeJson());
                restartPolicy = doc.path("spec").path("restartPolicy").asText("Always");
                for (String list : List.of("initContainers", "containers")) {
                    for (JsonNode c : doc.path("spec").path(list)) {
                        List<String> out = new ArrayList<>();
                        for (JsonNode port : c.path("ports")) {
                            String s = port.path("containerPort").asText() + "/" + port.path("protocol").asText("TCP");
                            if (port.path("hostPort").asInt(0) > 0) {
                                s += " → host " + port.path("hostPort").asInt();
                            }
                            out.add(s);
                        }
                        ports.put(c.path("name").asText(), List.copyOf(out));
                    }
                }
                for (JsonNode c : doc.path("status").path("conditions")) {
                    conds.add(new Condition(c.path("type").asText(), c.path("status").asText(),
                            c.path("reason").asText(""), c.path("lastTransitionTime").asText("")));
                }
            } catch (IOException e) {
                // A document the engine wrote itself; if it cannot be read, the page shows no ports or conditions.
            }
        }
        List<ContainerLine> lines = new ArrayList<>();
        for (PodContainer c : p.getContainersList()) {
            lines.add(new ContainerLine(c.getName(), c.getContainerId(), c.getImage(), c.getInit(),
                    c.getState().isEmpty() ? "waiting" : c.getState(), c.getReason(), c.getRestartCount(), c.getReady(),
                    ports.getOrDefault(c.getName(), List.of()), c.getLastReason()));
        }
        containers = List.copyOf(lines);
        conditions = List.copyOf(conds);
        selected = Math.max(0, Math.min(selected, containers.size() - 1));
        changed();
    }

    /** The pod is gone (deleted, or never existed): {@code why} says which. */
    public void gone(String why) {
        checkUiThread();
        gone = why;
        changed();
    }

    /** Why the pod can no longer be shown, or null while it exists. */
    public String goneReason() {
        return gone;
    }

    /** Adds "step" events of the pod (replayed or live) to its trace; other events are ignored. */
    public void addSteps(List<Event> events) {
        checkUiThread();
        boolean any = false;
        for (Event e : events) {
            if (e.getType().equals("step")) {
                steps.add(e);
                any = true;
            }
        }
        if (any) {
            trace = TraceTimeline.ofEvents(steps);
            changed();
        }
    }

    /** Forgets the trace (a reconnected feed replays it again). */
    public void clearSteps() {
        checkUiThread();
        steps.clear();
        trace = new TraceTimeline(List.of(), 0, 0);
        changed();
    }

    /** The last Pods.Get answer, empty before the first. */
    public Optional<Pod> pod() {
        return Optional.ofNullable(pod);
    }

    public List<ContainerLine> containers() {
        return containers;
    }

    public List<Condition> conditions() {
        return conditions;
    }

    /** The pod's events, as {@code kubectl describe} lists them (oldest first). */
    public List<PodEventEntry> events() {
        return pod == null ? List.of() : pod.getEventsList();
    }

    /** The manifest report and what the sandbox could not honour, one entry per line. */
    public List<String> report() {
        return pod == null ? List.of() : pod.getWarningsList();
    }

    public String restartPolicy() {
        return restartPolicy;
    }

    /** Whether the pod's kubelet starts a stopped container again (restartPolicy Always, or OnFailure). */
    public boolean restartsContainers() {
        return !restartPolicy.equals("Never");
    }

    public TraceTimeline trace() {
        return trace;
    }

    public int selectedIndex() {
        return containers.isEmpty() ? -1 : selected;
    }

    public Optional<ContainerLine> selectedContainer() {
        return containers.isEmpty() ? Optional.empty() : Optional.of(containers.get(selected));
    }

    public void select(int index) {
        checkUiThread();
        if (!containers.isEmpty()) {
            selected = Math.max(0, Math.min(containers.size() - 1, index));
            changed();
        }
    }

    public void moveSelection(int delta) {
        select(selected + delta);
    }
}
