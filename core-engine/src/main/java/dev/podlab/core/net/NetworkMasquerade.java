package dev.podlab.core.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Outgoing NAT for the built-in network as one rule for the whole subnet ({@code -s SUBNET ! -d SUBNET -j
 * MASQUERADE} in nat POSTROUTING, commented with the network's name), as podman's netavark does, instead of the
 * bridge plugin's {@code ipMasq}, which makes a chain and rules per pod through several iptables runs on every
 * pod's ADD and DEL (about 60 ms of a 110 ms bridge ADD here). The rule is added when a pod attaches and none is
 * there, kept while the engine runs, and removed when the engine closes and host-local holds no address of the
 * network any more (running pods keep it). User configurations keep their own plugins' behaviour: this is only for the
 * built-in list, whose bridge has {@code ipMasq: false}.
 */
final class NetworkMasquerade {
    private final String network;
    private final String subnet;
    private final Path leaseDir;
    private final Duration timeout;
    private boolean present;

    /** @param ipamDataDir host-local's dataDir, null for its default /var/lib/cni/networks */
    NetworkMasquerade(String network, String subnet, Path ipamDataDir, Duration timeout) {
        this.network = network;
        this.subnet = subnet;
        this.leaseDir = (ipamDataDir != null ? ipamDataDir : Path.of("/var/lib/cni/networks")).resolve(network);
        this.timeout = timeout;
    }

    /** The rule's match and target, after {@code -t nat -A|-C|-D POSTROUTING}. */
    List<String> rule() {
        return List.of("-s", subnet, "!", "-d", subnet, "-m", "comment", "--comment", "podlab network " + network,
                "-j", "MASQUERADE");
    }

    /** A pod attaches: the rule is there when this returns. */
    synchronized void attach() {
        if (!present) {
            if (!iptables("-C") && !iptables("-A")) {
                throw new CniException("add", "the masquerade rule of network " + network,
                        "iptables -t nat -A POSTROUTING " + String.join(" ", rule()) + " failed", null);
            }
            present = true;
        }
    }

    /**
     * The engine closes: the rule goes when no pod of the network is left (no lease in host-local's directory);
     * pods that keep running after the engine keep it.
     */
    synchronized void close() {
        if (!hasLeases()) {
            while (iptables("-C") && iptables("-D")) {
                // a rule added twice (by hand, or by two engines' races) goes too
            }
            present = false;
        }
    }

    /** Whether host-local still holds an address of the network (pods this engine did not attach). */
    private boolean hasLeases() {
        if (!Files.isDirectory(leaseDir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(leaseDir)) {
            return files.map(p -> p.getFileName().toString()).anyMatch(NetworkMasquerade::isAddress);
        } catch (IOException e) {
            return true; // unknown: keep the rule
        }
    }

    /** host-local names a lease file by its address; its other files are "lock" and "last_reserved_ip.N". */
    static boolean isAddress(String name) {
        return name.matches("\\d{1,3}(\\.\\d{1,3}){3}") || name.matches("[0-9a-fA-F]*:[0-9a-fA-F:]*");
    }

    private boolean iptables(String op) {
        List<String> cmd = new ArrayList<>(List.of("iptables", "-w", "-t", "nat", op, "POSTROUTING"));
        cmd.addAll(rule());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new CniException(op.equals("-C") ? "check" : "change",
                        "the masquerade rule of network " + network, "iptables did not finish in " + timeout, null);
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            throw new CniException("run", "iptables for network " + network, e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException("run", "iptables for network " + network, "interrupted", e);
        }
    }
}
