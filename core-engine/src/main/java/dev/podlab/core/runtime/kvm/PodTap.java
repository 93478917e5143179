package dev.podlab.core.runtime.kvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podlab.core.state.ContainerStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Gives a VM the pod's network as Kata does: a tap device {@code tap0} in the pod's network
 * namespace, joined to the CNI interface {@code eth0} by tc mirred redirects in both directions
 * (ingress of one is sent out of the other), so every frame for the pod goes to the guest and
 * every frame from the guest leaves through the pod's veth. The guest's eth0 gets eth0's MAC, the
 * pod IP and the default route. Everything lives in the pod's namespace and goes with it.
 */
final class PodTap {
    static final String TAP = "tap0";

    private PodTap() {}

    /**
     * Sets the tap and the redirects up in {@code netns}; returns what the guest's eth0 must carry.
     * Two processes in the namespace (each spawn costs ~25 ms here, eleven of them were a third of a
     * VM restore): one {@code ip -batch} reads the address and the route, one shell makes the tap
     * and feeds {@code tc -batch}.
     */
    static VmConfig.Net attach(Path netns) {
        List<String> read = run(netns, "addr show dev eth0\nroute show default\n", "ip", "-j", "-batch", "-")
                .lines().filter(l -> l.startsWith("[")).toList();
        if (read.size() != 2) {
            throw new KvmException("failed to read the pod network in " + netns + ": ip printed " + read.size()
                    + " of 2 answers");
        }
        JsonNode link = json(read.get(0)).path(0);
        String mac = link.path("address").asText(null);
        String cidr = null;
        for (JsonNode a : link.path("addr_info")) {
            if (a.path("family").asText().equals("inet")) {
                cidr = a.path("local").asText() + "/" + a.path("prefixlen").asInt();
                break;
            }
        }
        if (mac == null || cidr == null) {
            throw new KvmException("failed to attach the VM to the pod network: eth0 in " + netns
                    + " has no IPv4 address");
        }
        String gateway = null;
        for (JsonNode r : json(read.get(1))) {
            gateway = r.path("gateway").asText(null);
            if (gateway != null) {
                break;
            }
        }
        // What a VM of this pod that died left (a tap, eth0's ingress qdisc) goes first.
        StringBuilder tc = new StringBuilder();
        for (String[] pair : new String[][] {{"eth0", TAP}, {TAP, "eth0"}}) {
            tc.append("qdisc add dev ").append(pair[0]).append(" ingress\n");
            tc.append("filter add dev ").append(pair[0]).append(" parent ffff: protocol all u32 match u32 0 0 ")
                    .append("action mirred egress redirect dev ").append(pair[1]).append('\n');
        }
        run(netns, tc.toString(), "sh", "-c", "ip link del " + TAP + " 2>/dev/null; tc qdisc del dev eth0 ingress "
                + "2>/dev/null; ip tuntap add dev " + TAP + " mode tap && ip link set " + TAP + " up && tc -batch -");
        return new VmConfig.Net(netns, mac, cidr, gateway);
    }

    private static JsonNode json(String text) {
        try {
            return ContainerStore.JSON.readTree(text);
        } catch (IOException e) {
            throw new KvmException("failed to read the pod network: " + e.getMessage(), e);
        }
    }

    /** Runs {@code cmd} in {@code netns} with {@code input} on its stdin; its output, or a KvmException. */
    private static String run(Path netns, String input, String... cmd) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + netns, "--"));
        argv.addAll(List.of(cmd));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            try (var stdin = p.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new KvmException("failed to run " + String.join(" ", cmd) + " in " + netns + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new KvmException("failed to run " + String.join(" ", cmd) + " in " + netns + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new KvmException("failed to run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvmException("failed to run " + String.join(" ", cmd) + ": interrupted", e);
        }
    }
}
