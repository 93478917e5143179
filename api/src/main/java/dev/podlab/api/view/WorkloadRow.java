package dev.podlab.api.view;

import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.Sample;

import java.util.Locale;

/**
 * One row of the workloads table. Today every row is a container; {@code group} is the Kubernetes pod it
 * belongs to (label {@value #POD_LABEL}), so pods can later become rows of kind "pod" grouping their
 * containers without changing the views.
 *
 * @param usage the latest metrics sample, or null before the first one
 */
public record WorkloadRow(String kind, String id, String name, String image, String runtime, String state,
                          long createdAtNanos, String group, Container container, Sample usage) {
    public static final String POD_LABEL = "io.kubernetes.pod.name";
    public static final String CONTAINER_LABEL = "io.kubernetes.container.name";

    public static WorkloadRow of(Container c, Sample usage) {
        String container = dev.podlab.api.Labels.get(c.getLabelsList(), CONTAINER_LABEL, "");
        String pod = dev.podlab.api.Labels.get(c.getLabelsList(), POD_LABEL, "");
        // A pod's container reads as kubectl names it, pod/container, not by the engine's long instance name.
        String name = !pod.isEmpty() && !container.isEmpty() ? pod + "/" + container
                : c.getName().isEmpty() ? shortId(c.getId()) : c.getName();
        return new WorkloadRow("container", c.getId(), name, c.getImage(), c.getRuntime(), c.getState(),
                c.getCreatedAt(), dev.podlab.api.Labels.get(c.getLabelsList(), POD_LABEL, ""), c, usage);
    }

    public String shortId() {
        return shortId(id);
    }

    static String shortId(String id) {
        return id.substring(0, Math.min(12, id.length()));
    }

    /** CPU in percent of one core, or NaN when unknown. */
    public double cpuPercent() {
        return usage == null || Double.isNaN(usage.getCpuCores()) ? Double.NaN : usage.getCpuCores() * 100;
    }

    /** Working-set memory in bytes, or -1 when unknown. */
    public long memoryBytes() {
        return usage == null ? -1 : usage.getMemoryWorkingSetBytes();
    }

    /** Whether every word of {@code filter} occurs in the name, id, image, state, runtime or group. */
    public boolean matches(String filter) {
        if (filter == null || filter.isBlank()) {
            return true;
        }
        String hay = String.join(" ", name, id, image, state, runtime, group).toLowerCase(Locale.ROOT);
        for (String word : filter.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
            if (!hay.contains(word)) {
                return false;
            }
        }
        return true;
    }
}
