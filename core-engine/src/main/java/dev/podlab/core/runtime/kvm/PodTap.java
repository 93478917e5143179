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

    /** Sets the tap and the redirects up in {@code netns}; returns what the guest's eth0 must carry. */
    static VmConfig.Net attach(Path netns) {
        JsonNode addr = json(run(netns, "ip", "-j", "addr", "show", "dev", "eth0"));
        JsonNode link = addr.path(0);
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
        for (JsonNode r : json(run(netns, "ip", "-j", "route", "show", "default"))) {
            gateway = r.path("gateway").asText(null);
            if (gateway != null) {
                break;
            }
        }
        tryRun(netns, "ip", "link", "del", TAP); // left by a VM of this pod that died
        run(netns, "ip", "tuntap", "add", "dev", TAP, "mode", "tap");
        run(netns, "ip", "link", "set", TAP, "up");
        for (String[] pair : new String[][] {{"eth0", TAP}, {TAP, "eth0"}}) {
            tryRun(netns, "tc", "qdisc", "del", "dev", pair[0], "ingress");
            run(netns, "tc", "qdisc", "add", "dev", pair[0], "ingress");
            run(netns, "tc", "filter", "add", "dev", pair[0], "parent", "ffff:", "protocol", "all", "u32", "match",
                    "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", pair[1]);
        }
        return new VmConfig.Net(netns, mac, cidr, gateway);
    }

    private static JsonNode json(String text) {
        try {
            return ContainerStore.JSON.readTree(text);
        } catch (IOException e) {
            throw new KvmException("failed to read the pod network: " + e.getMessage(), e);
        }
    }

    private static void tryRun(Path netns, String... cmd) {
        try {
            run(netns, cmd);
        } catch (KvmException e) {
            // Nothing to remove: the usual case.
        }
    }

    private static String run(Path netns, String... cmd) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + netns, "--"));
        argv.addAll(List.of(cmd));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
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
