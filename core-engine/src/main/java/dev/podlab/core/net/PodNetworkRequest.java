package dev.podlab.core.net;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the pod controller asks of the network for one sandbox.
 *
 * @param namespace    the pod's Kubernetes namespace (K8S_POD_NAMESPACE)
 * @param name         the pod's name (K8S_POD_NAME)
 * @param containerId  the sandbox id (CNI_CONTAINERID and K8S_POD_INFRA_CONTAINER_ID)
 * @param netns        the pinned network namespace (CNI_NETNS), see {@link PodNamespacePaths#net()}
 * @param ifName       the interface to create inside (CNI_IFNAME), {@code eth0} by default
 * @param portMappings host ports to forward, may be empty
 */
public record PodNetworkRequest(String namespace, String name, String containerId, Path netns, String ifName,
                                List<PortMapping> portMappings) {

    public static final String DEFAULT_IFNAME = "eth0";

    public PodNetworkRequest {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(netns, "netns");
        ifName = ifName == null ? DEFAULT_IFNAME : ifName;
        portMappings = List.copyOf(portMappings);
        for (String v : List.of(namespace, name, containerId)) {
            // CNI_ARGS is "K=V;K=V": a ; or = in a value would forge another argument.
            if (v.isEmpty() || v.indexOf(';') >= 0 || v.indexOf('=') >= 0) {
                throw new IllegalArgumentException("pod network request: \"" + v + "\" is empty or contains ; or =");
            }
        }
        if (ifName.isEmpty() || ifName.length() > 15 || ifName.contains("/")) {
            throw new IllegalArgumentException("pod network request: interface name \"" + ifName + "\" is not 1-15 characters");
        }
    }

    public PodNetworkRequest(String namespace, String name, String containerId, Path netns) {
        this(namespace, name, containerId, netns, DEFAULT_IFNAME, List.of());
    }

    public PodNetworkRequest withPortMappings(List<PortMapping> mappings) {
        return new PodNetworkRequest(namespace, name, containerId, netns, ifName, mappings);
    }

    /** "pod default/web", as error messages name it. */
    String describe() {
        return "pod " + namespace + "/" + name;
    }

    /** CNI_ARGS as kubelet passes them; IgnoreUnknown lets plugins that know none of the keys accept them. */
    String cniArgs() {
        return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + name
                + ";K8S_POD_INFRA_CONTAINER_ID=" + containerId;
    }
}
