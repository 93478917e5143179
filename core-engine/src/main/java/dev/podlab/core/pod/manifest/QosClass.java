package dev.podlab.core.pod.manifest;

/** Kubernetes' quality-of-service classes, which decide who the OOM killer picks first. */
public enum QosClass {
    /** Every container has cpu and memory limits, and requests equal to them. */
    GUARANTEED,
    /** Some container has a cpu or memory request or limit, but the pod is not Guaranteed. */
    BURSTABLE,
    /** No container requests or limits cpu or memory. */
    BEST_EFFORT;

    /** The spelling Kubernetes uses in pod status: Guaranteed, Burstable, BestEffort. */
    public String kubernetesName() {
        return switch (this) {
            case GUARANTEED -> "Guaranteed";
            case BURSTABLE -> "Burstable";
            case BEST_EFFORT -> "BestEffort";
        };
    }
}
