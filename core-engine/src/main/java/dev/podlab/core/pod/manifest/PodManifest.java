package dev.podlab.core.pod.manifest;

/**
 * One pod to run, validated: a Pod document, or the pod template of a workload (Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, Job) named after the workload.
 *
 * @param sourceKind the kind it came from ("Pod", "Deployment", ...)
 * @param location   where its document (or List item) starts
 */
public record PodManifest(String sourceKind, ObjectMeta metadata, PodSpec spec, Location location) {
    public String name() {
        return metadata.name();
    }

    /**
     * Kubernetes' QoS class: BestEffort when no container (init containers included) requests or
     * limits cpu or memory; Guaranteed when every container has cpu and memory limits and its
     * requests equal them (requests default to limits); Burstable otherwise.
     */
    public QosClass qosClass() {
        boolean any = false;
        boolean guaranteed = true;
        for (Container c : spec.allContainers()) {
            Container.Resources r = c.resources();
            if (!r.isEmpty()) {
                any = true;
            }
            if (r.cpuLimitMillis().isEmpty() || r.memoryLimitBytes().isEmpty()
                    || !r.cpuRequestMillis().equals(r.cpuLimitMillis())
                    || !r.memoryRequestBytes().equals(r.memoryLimitBytes())) {
                guaranteed = false;
            }
        }
        if (!any) {
            return QosClass.BEST_EFFORT;
        }
        return guaranteed ? QosClass.GUARANTEED : QosClass.BURSTABLE;
    }
}
