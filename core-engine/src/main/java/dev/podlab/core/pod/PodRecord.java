package dev.podlab.core.pod;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * What the engine keeps about a pod ({@code <root>/pods/<id>/pod.json}), enough to resume supervising it
 * after the engine restarts: the manifest it came from, its sandbox, and its containers.
 *
 * @param manifest      the whole source text (the ConfigMaps and Secrets it refers to are in it)
 * @param containerIds  container name -> id of its current instance
 * @param restartCounts container name -> restarts so far
 * @param warnings      the manifest report's warnings and what the sandbox could not honour
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PodRecord(String id, String name, String namespace, String uid, String source, String manifest,
                        String runtime, long createdAt, Sandbox sandbox, boolean initialized,
                        Map<String, String> containerIds, Map<String, Integer> restartCounts, List<String> warnings,
                        PodStatus status) {

    public PodRecord {
        containerIds = Map.copyOf(containerIds);
        restartCounts = Map.copyOf(restartCounts);
        warnings = List.copyOf(warnings);
    }

    /**
     * The pod's shared environment.
     *
     * @param netns        the network namespace file containers join ("host" for hostNetwork: the engine's own, resolved per container)
     * @param ipcns        IPC namespace file
     * @param utsns        UTS namespace file
     * @param podIp        CNI's address, or "" for loopback-only
     * @param network      the CNI network name, or "" when none was set up
     * @param cgroupParent the pod's cgroup (relative to the hierarchy root); containers go under it
     * @param files        /etc/hosts, /etc/hostname, /etc/resolv.conf: container path -> host file
     */
    public record Sandbox(String netns, String ipcns, String utsns, String podIp, String network, String cgroupParent,
                          Map<String, String> files, List<String> tmpfsMounts) {
        public Sandbox {
            files = Map.copyOf(files);
            tmpfsMounts = List.copyOf(tmpfsMounts);
        }
    }

    public PodRecord with(PodStatus s) {
        return new PodRecord(id, name, namespace, uid, source, manifest, runtime, createdAt, sandbox, initialized,
                containerIds, restartCounts, warnings, s);
    }

    public PodRecord with(boolean init, Map<String, String> ids, Map<String, Integer> restarts, PodStatus s) {
        return new PodRecord(id, name, namespace, uid, source, manifest, runtime, createdAt, sandbox, init, ids,
                restarts, warnings, s);
    }

    /** This draft with its sandbox (tmpfs mounts given separately: volumes are made after the sandbox). */
    PodRecord withSandbox(Sandbox s, List<String> tmpfs, List<String> warnings) {
        return new PodRecord(id, name, namespace, uid, source, manifest, runtime, createdAt, new Sandbox(s.netns(),
                s.ipcns(), s.utsns(), s.podIp(), s.network(), s.cgroupParent(), s.files(), tmpfs), initialized,
                containerIds, restartCounts, warnings, status);
    }

    public String shortId() {
        return id.substring(0, 12);
    }
}
