package dev.podlab.core.net;

import java.util.List;
import java.util.Optional;

/**
 * What a network ADD produced (the CNI result, as domain values; the JSON is read by a translator kept apart).
 *
 * @param cniVersion the version the result was written in
 * @param interfaces the interfaces the plugins created or touched, host side and sandbox side
 * @param ips        addresses assigned, each with its interface (index into {@code interfaces}, or -1)
 * @param routes     routes added inside the sandbox
 * @param dns        DNS settings the plugins suggest (often empty)
 */
public record CniResult(String cniVersion, List<Interface> interfaces, List<IpConfig> ips, List<Route> routes, Dns dns) {

    public CniResult {
        interfaces = List.copyOf(interfaces);
        ips = List.copyOf(ips);
        routes = List.copyOf(routes);
    }

    /** @param sandbox the netns path for interfaces inside the pod, null for host-side ones */
    public record Interface(String name, String mac, String sandbox) {
        public boolean inSandbox() {
            return sandbox != null && !sandbox.isEmpty();
        }
    }

    /** @param address CIDR, e.g. {@code 10.88.0.5/16}; @param gateway may be null */
    public record IpConfig(String address, String gateway, int interfaceIndex) {
        /** The address without its prefix length. */
        public String ip() {
            int slash = address.indexOf('/');
            return slash < 0 ? address : address.substring(0, slash);
        }

        public boolean ipv4() {
            return ip().indexOf(':') < 0;
        }
    }

    /** @param gw null for the interface's default gateway */
    public record Route(String dst, String gw) {
    }

    public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {
        public static final Dns EMPTY = new Dns(List.of(), null, List.of(), List.of());

        public Dns {
            nameservers = List.copyOf(nameservers);
            search = List.copyOf(search);
            options = List.copyOf(options);
        }
    }

    /**
     * The pod's IPs (without prefix length), IPv4 first: addresses on sandbox interfaces, or every address when
     * the result does not say which interface holds it.
     */
    public List<String> podIps() {
        List<IpConfig> own = ips.stream().filter(ip -> ip.interfaceIndex() < 0 || ip.interfaceIndex() >= interfaces.size()
                || interfaces.get(ip.interfaceIndex()).inSandbox()).toList();
        return java.util.stream.Stream.concat(own.stream().filter(IpConfig::ipv4), own.stream().filter(ip -> !ip.ipv4()))
                .map(IpConfig::ip).toList();
    }

    /** The first pod IP, IPv4 preferred. */
    public Optional<String> podIp() {
        return podIps().stream().findFirst();
    }
}
