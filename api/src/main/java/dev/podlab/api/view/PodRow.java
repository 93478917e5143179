package dev.podlab.api.view;

import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.Sample;

import java.util.Locale;

/**
 * One row of the pods table: what {@code kubectl get pods -o wide} shows plus the pod cgroup's latest usage.
 *
 * @param usage the pod cgroup's latest metrics sample, or null before the first one
 */
public record PodRow(String id, String name, String namespace, String runtime, String phase, String status,
                     String ready, int restarts, long createdAtNanos, String ip, Pod pod, Sample usage) {

    public static PodRow of(Pod p, Sample usage) {
        return new PodRow(p.getId(), p.getName(), p.getNamespace(), p.getRuntime(), p.getPhase(), status(p),
                p.getReady().isEmpty() ? "0/0" : p.getReady(), p.getRestarts(), p.getCreatedAt(), p.getPodIp(), p, usage);
    }

    /**
     * The STATUS column as kubectl computes it: a waiting or terminated container's reason (CrashLoopBackOff,
     * ErrImagePull, Completed...) says more than the phase, else the pod's reason, else its phase.
     */
    static String status(Pod p) {
        for (var c : p.getContainersList()) {
            if (!c.getInit() && !c.getReason().isEmpty() && !c.getState().equals("running")) {
                return c.getReason();
            }
        }
        return !p.getReason().isEmpty() ? p.getReason() : p.getPhase().isEmpty() ? "Pending" : p.getPhase();
    }

    /** namespace/name, the way the engine accepts it in Get and Down. */
    public String ref() {
        return namespace + "/" + name;
    }

    /** Containers that are ready ("1" of "1/2"), or 0 when unknown. */
    public int readyCount() {
        return part(0);
    }

    /** Containers in the pod ("2" of "1/2"), init containers excluded, or 0 when unknown. */
    public int containerCount() {
        return part(1);
    }

    private int part(int i) {
        String[] p = ready.split("/");
        try {
            return p.length == 2 ? Integer.parseInt(p[i].trim()) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** CPU in percent of one core, or NaN when unknown. */
    public double cpuPercent() {
        return usage == null || Double.isNaN(usage.getCpuCores()) ? Double.NaN : usage.getCpuCores() * 100;
    }

    /** Working-set memory in bytes, or -1 when unknown. */
    public long memoryBytes() {
        return usage == null ? -1 : usage.getMemoryWorkingSetBytes();
    }

    /** Whether every word of {@code filter} occurs in the name, namespace, id, runtime, status, phase or IP. */
    public boolean matches(String filter) {
        if (filter == null || filter.isBlank()) {
            return true;
        }
        String hay = String.join(" ", name, namespace, id, runtime, status, phase, ip).toLowerCase(Locale.ROOT);
        for (String word : filter.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
            if (!hay.contains(word)) {
                return false;
            }
        }
        return true;
    }
}
