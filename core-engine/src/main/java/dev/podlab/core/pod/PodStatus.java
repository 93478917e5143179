package dev.podlab.core.pod;

import java.util.List;

/**
 * A pod's status shaped as Kubernetes reports it (phase, conditions, container statuses), plus podlab's
 * own facts. Immutable: the pod's worker publishes a new one after every change.
 *
 * @param phase    Pending, Running, Succeeded, Failed (or Terminating while being deleted)
 * @param podIP    the address from CNI ("" for a loopback-only pod; the host's for hostNetwork)
 * @param events   the pod's recent events, oldest first, as {@code kubectl describe} shows them
 */
public record PodStatus(String phase, String reason, String message, List<Condition> conditions, String podIP,
                        long startTime, String qosClass, List<ContainerState> initContainerStatuses,
                        List<ContainerState> containerStatuses, List<PodEvent> events) {

    public PodStatus {
        conditions = List.copyOf(conditions);
        initContainerStatuses = List.copyOf(initContainerStatuses);
        containerStatuses = List.copyOf(containerStatuses);
        events = List.copyOf(events);
    }

    /** Initialized, ContainersReady, Ready, PodScheduled: status "True" or "False". */
    public record Condition(String type, String status, long lastTransitionTime, String reason) {}

    /**
     * One container's status.
     *
     * @param state     waiting, running or terminated, with reason and times
     * @param lastState the previous instance's end, or null
     */
    public record ContainerState(String name, String containerId, String image, boolean ready, boolean started,
                                 int restartCount, State state, State lastState) {}

    /**
     * @param kind     waiting, running or terminated
     * @param reason   e.g. ContainerCreating, CrashLoopBackOff, Completed, Error, OOMKilled
     */
    public record State(String kind, String reason, String message, int exitCode, int signal, long startedAt,
                        long finishedAt) {
        public static State waiting(String reason, String message) {
            return new State("waiting", reason, message, 0, 0, 0, 0);
        }

        public static State running(long startedAt) {
            return new State("running", "", "", 0, 0, startedAt, 0);
        }
    }

    /** An event of the pod: Normal or Warning, a reason, a message, how often and when last. */
    public record PodEvent(String type, String reason, String message, int count, long firstTime, long lastTime) {}

    /** ready/total of the app containers, as kubectl's READY column. */
    public String readyColumn() {
        return containerStatuses.stream().filter(ContainerState::ready).count() + "/" + containerStatuses.size();
    }

    public int restarts() {
        return containerStatuses.stream().mapToInt(ContainerState::restartCount).sum();
    }
}
