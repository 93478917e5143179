package dev.podlab.core.net;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * podlab's built-in network, used when the CNI configuration directory holds no network: the resource
 * {@code podlab.conflist} (bridge {@code podlab0} as gateway with hairpin, host-local IPAM over
 * 10.88.0.0/16 with a default route, portmap with the portMappings capability and SNAT), with the network name,
 * bridge, subnet and IPAM data directory replaceable so tests can run beside a real installation. Outgoing NAT
 * is not the bridge's ({@code ipMasq: false}): {@link CniNetwork} keeps one masquerade rule for the whole subnet
 * ({@link NetworkMasquerade}) while the engine runs.
 *
 * @param name        the network name (also host-local's lease directory name)
 * @param bridge      the Linux bridge, at most 15 characters
 * @param subnet      IPv4 CIDR the pods' addresses come from
 * @param ipamDataDir host-local's {@code dataDir}, null for its default /var/lib/cni/networks
 */
public record DefaultNetwork(String name, String bridge, String subnet, Path ipamDataDir) {

    // Before PODLAB: static fields initialise in order, and its constructor uses them.
    private static final Pattern CIDR4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    public static final DefaultNetwork PODLAB = new DefaultNetwork("podlab", "podlab0", "10.88.0.0/16", null);
    public static final String SOURCE = "built-in";


    public DefaultNetwork {
        if (!IFNAME.matcher(bridge).matches()) {
            throw new IllegalArgumentException("bridge name \"" + bridge + "\" must be 1-15 of [A-Za-z0-9_.-]");
        }
        if (!CIDR4.matcher(subnet).matches()) {
            throw new IllegalArgumentException("subnet \"" + subnet + "\" is not an IPv4 CIDR");
        }
    }

    /** The built-in list with this record's values filled in. */
    public CniConfigList conflist() {
        byte[] template;
        try (InputStream in = DefaultNetwork.class.getResourceAsStream("podlab.conflist")) {
            if (in == null) {
                throw new IllegalStateException("resource dev/podlab/core/net/podlab.conflist is missing from the jar");
            }
            template = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode root = (ObjectNode) CniConfigList.parse(template, SOURCE).toJson();
        root.put("name", name);
        // Edited as JSON, not as text, so a value can never break the document.
        ObjectNode bridgePlugin = (ObjectNode) root.get("plugins").get(0);
        bridgePlugin.put("bridge", bridge);
        ObjectNode ipam = (ObjectNode) bridgePlugin.get("ipam");
        ((ObjectNode) ((ArrayNode) ipam.get("ranges").get(0)).get(0)).put("subnet", subnet);
        if (ipamDataDir != null) {
            ipam.put("dataDir", ipamDataDir.toString());
        }
        try {
            return CniConfigList.parse(CniConfigList.JSON.writeValueAsBytes(root), SOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
