package dev.podlab.core.pod.manifest;

/**
 * A liveness, readiness or startup probe with Kubernetes' defaults filled in.
 *
 * @param initialDelaySeconds default 0
 * @param periodSeconds       default 10
 * @param timeoutSeconds      default 1
 * @param successThreshold    default 1 (must be 1 for liveness and startup probes)
 * @param failureThreshold    default 3
 */
public record Probe(Handler handler, int initialDelaySeconds, int periodSeconds, int timeoutSeconds,
                    int successThreshold, int failureThreshold) {
    public static final int DEFAULT_PERIOD_SECONDS = 10;
    public static final int DEFAULT_TIMEOUT_SECONDS = 1;
    public static final int DEFAULT_SUCCESS_THRESHOLD = 1;
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;
}
