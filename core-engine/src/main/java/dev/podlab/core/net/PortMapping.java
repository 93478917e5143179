package dev.podlab.core.net;

import java.util.Set;

/**
 * A host port forwarded to a pod port (a container's {@code ports[].hostPort}), handed to plugins that declare the
 * {@code portMappings} capability (portmap) as {@code runtimeConfig.portMappings}.
 *
 * @param hostIp the host address to bind, or null for all
 * @param protocol {@code tcp}, {@code udp} or {@code sctp}
 */
public record PortMapping(int hostPort, int containerPort, String protocol, String hostIp) {

    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");

    public PortMapping {
        protocol = protocol == null ? "tcp" : protocol.toLowerCase(java.util.Locale.ROOT);
        if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("port mapping " + hostPort + "->" + containerPort + ": ports must be 1-65535");
        }
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("port mapping " + hostPort + "->" + containerPort + ": protocol "
                    + protocol + " is not one of tcp, udp, sctp");
        }
        if (hostIp != null && hostIp.isBlank()) {
            hostIp = null;
        }
    }

    public static PortMapping tcp(int hostPort, int containerPort) {
        return new PortMapping(hostPort, containerPort, "tcp", null);
    }
}
