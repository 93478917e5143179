package dev.podlab.api.server;

import dev.podlab.api.v1.Pod;

import java.util.List;

/**
 * Pods the engine runs that the pod manager does not own (the CRI bridge's sandboxes): listed by Pods.List next to
 * the manifest pods, each with its {@code source} saying who made it. Registered with
 * {@link EngineService#addPodSource}.
 */
@FunctionalInterface
public interface PodSource {
    /** A snapshot, summaries only (no Kubernetes document). */
    List<Pod> pods();

    /**
     * The pod of {@link #pods()} with its Kubernetes-shaped document ({@code kube_json}) filled in, for Pods.Get;
     * the summary as it is by default.
     */
    default Pod detail(Pod summary) {
        return summary;
    }
}
