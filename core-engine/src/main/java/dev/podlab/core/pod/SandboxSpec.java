package dev.podlab.core.pod;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.net.DnsConfig;
import dev.podlab.core.net.DnsPolicy;
import dev.podlab.core.net.HostAlias;
import dev.podlab.core.net.PortMapping;
import dev.podlab.core.pod.manifest.Container;
import dev.podlab.core.pod.manifest.PodManifest;
import dev.podlab.core.pod.manifest.PodSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a pod sandbox is made from, without a manifest: the manifest path ({@link #fromManifest}) and the CRI
 * bridge (a kubelet's {@code PodSandboxConfig}) both reduce to it, so {@link PodSandbox#create} has one code path.
 *
 * @param name          pod name
 * @param namespace     pod namespace
 * @param uid           pod uid ("" when unknown)
 * @param attempt       the kubelet's sandbox attempt number (0 for manifests)
 * @param hostname      the pod's hostname (already defaulted; ignored for hostNetwork)
 * @param subdomain     the pod's subdomain for /etc/hosts, or null
 * @param logDirectory  host directory for container logs (CRI), or null
 * @param dnsPolicy     how resolv.conf is made
 * @param dnsConfig     extra nameservers, searches and options
 * @param hostAliases   extra /etc/hosts lines
 * @param portMappings  host ports published by CNI's portmap
 * @param hostNetwork   share the host's network and UTS namespaces
 * @param hostPID       containers see the host's processes (recorded; applied per container)
 * @param hostIPC       share the host's IPC namespace
 * @param labels        labels (CRI), kept verbatim
 * @param annotations   annotations (CRI), kept verbatim
 * @param cgroupParent  the cgroup the pod cgroup goes under, relative to the hierarchy roots; null for the engine's
 * @param resources     the pod cgroup's limits
 * @param qos           a word for the trace (the QoS class, or "cri")
 * @param runtimeHandler the runtime class its containers run on ("" for the default)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxSpec(String name, String namespace, String uid, int attempt, String hostname, String subdomain,
                          String logDirectory, DnsPolicy dnsPolicy, DnsConfig dnsConfig, List<HostAlias> hostAliases,
                          List<PortMapping> portMappings, boolean hostNetwork, boolean hostPID, boolean hostIPC,
                          Map<String, String> labels, Map<String, String> annotations, String cgroupParent,
                          CgroupResources resources, String qos, String runtimeHandler) {

    public SandboxSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("failed to describe sandbox: the pod name is empty");
        }
        namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
        uid = uid == null ? "" : uid;
        hostname = hostname == null || hostname.isEmpty() ? name : hostname;
        dnsPolicy = dnsPolicy == null ? DnsPolicy.DEFAULT : dnsPolicy;
        dnsConfig = dnsConfig == null ? DnsConfig.EMPTY : dnsConfig;
        hostAliases = hostAliases == null ? List.of() : List.copyOf(hostAliases);
        portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        resources = resources == null ? CgroupResources.none() : resources;
        qos = qos == null ? "" : qos;
        runtimeHandler = runtimeHandler == null ? "" : runtimeHandler;
        if (cgroupParent != null) {
            cgroupParent = cleanCgroupParent(cgroupParent);
        }
    }

    /** The sandbox a manifest pod asks for: hostname defaulted to the pod name, host ports from its containers. */
    public static SandboxSpec fromManifest(PodManifest pod) {
        PodSpec spec = pod.spec();
        List<PortMapping> ports = new ArrayList<>();
        for (Container c : spec.containers()) {
            for (Container.Port p : c.ports()) {
                if (p.hostPort() > 0) {
                    ports.add(new PortMapping(p.hostPort(), p.containerPort(), p.protocol().name().toLowerCase(),
                            p.hostIP() == null || p.hostIP().isEmpty() ? "" : p.hostIP()));
                }
            }
        }
        String hostname = spec.hostname() == null || spec.hostname().isEmpty() ? pod.name() : spec.hostname();
        DnsConfig dns = spec.dnsConfig().map(d -> new DnsConfig(d.nameservers(), d.searches(), d.options().stream()
                .map(o -> new DnsConfig.Option(o.name(), o.value())).toList())).orElse(DnsConfig.EMPTY);
        return new SandboxSpec(pod.name(), pod.metadata().namespace(), "", 0, hostname, spec.subdomain(), null,
                DnsPolicy.fromManifest(spec.dnsPolicy().spelling()), dns,
                spec.hostAliases().stream().map(a -> new HostAlias(a.ip(), a.hostnames())).toList(), ports,
                spec.hostNetwork(), spec.hostPID(), spec.hostIPC(), Map.of(), Map.of(), null,
                PodSandbox.podLimits(spec), pod.qosClass().toString(), null);
    }

    /**
     * A cgroup parent as a relative path: leading and trailing slashes dropped; empty segments, "." and ".." refused,
     * so a client-given parent cannot climb out of the hierarchy.
     */
    static String cleanCgroupParent(String parent) {
        String p = parent.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return null;
        }
        for (String seg : p.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.chars().anyMatch(ch -> ch < 0x20)) {
                throw new IllegalArgumentException("failed to use cgroup parent \"" + parent
                        + "\": segments must be plain names (no empty, \".\" or \"..\" parts)");
            }
        }
        return p;
    }
}
