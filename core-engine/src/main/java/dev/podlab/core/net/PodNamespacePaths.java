package dev.podlab.core.net;

import java.nio.file.Path;
import java.util.Map;

/**
 * The pinned namespaces of one pod sandbox: files that are bind mounts of nsfs inodes, which the pod's containers
 * join instead of creating their own.
 *
 * @param podId the sandbox id
 * @param net   {@code <runRoot>/netns/<podId>}, also CNI_NETNS
 * @param ipc   {@code <runRoot>/ipcns/<podId>}
 * @param uts   {@code <runRoot>/utsns/<podId>}
 */
public record PodNamespacePaths(String podId, Path net, Path ipc, Path uts) {

    /**
     * The paths keyed by OCI namespace type ({@code network}, {@code ipc}, {@code uts}): what
     * {@link dev.podlab.core.container.ContainerConfig#namespacePaths()} takes and config.json's
     * {@code linux.namespaces[].path} then names.
     */
    public Map<String, String> ociPaths() {
        return Map.of("network", net.toString(), "ipc", ipc.toString(), "uts", uts.toString());
    }
}
