package dev.podlab.core.net;

import static dev.podlab.core.net.NetTestSupport.links;
import static dev.podlab.core.net.NetTestSupport.mountsUnder;
import static dev.podlab.core.net.NetTestSupport.ok;
import static dev.podlab.core.net.NetTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.core.testing.HostRequirements;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real plugins of containernetworking-plugins on real namespaces: podlab's built-in network with a bridge and
 * subnet of this test's own, so nothing collides with a real installation. Every link, iptables rule, namespace
 * mount and process the test makes is removed afterwards, and the test checks that.
 */
@Tag("root")
class CniNetworkHostTest {

    static final Path PLUGIN_DIR = Path.of("/usr/lib/cni");

    @TempDir
    Path tmp;
    String bridge;
    String subnetPrefix;
    DefaultNetwork network;
    PodNamespaces namespaces;
    final List<PodNetworkRequest> pods = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();
    final Set<String> containerIds = new LinkedHashSet<>();
    String ipForwardBefore;
    boolean portmapChainsBefore;

    @BeforeEach
    void setUp() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("nsenter");
        HostRequirements.requireCommand("ip");
        HostRequirements.requireCommand("iptables");
        HostRequirements.requireCommand("busybox");
        HostRequirements.require(Files.isExecutable(PLUGIN_DIR.resolve("bridge")) && Files.isExecutable(PLUGIN_DIR.resolve("portmap")),
                "needs the CNI plugins in " + PLUGIN_DIR + " (Debian package containernetworking-plugins)");
        String hex = HexFormat.of().formatHex(ThreadLocalRandom.current().ints(3, 0, 256)
                .collect(java.io.ByteArrayOutputStream::new, java.io.ByteArrayOutputStream::write, (a, b) -> { }).toByteArray());
        bridge = "plt" + hex;
        subnetPrefix = "10.213." + ThreadLocalRandom.current().nextInt(256) + ".";
        network = new DefaultNetwork("plt-" + hex, bridge, subnetPrefix + "0/24", tmp.resolve("ipam"));
        namespaces = PodNamespaces.open(tmp.resolve("run"));
        ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
        portmapChainsBefore = portmapChainsExist();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (namespaces == null) {
            return;
        }
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        CniNetwork net = cniNetwork(List.of(PLUGIN_DIR));
        for (PodNetworkRequest pod : pods) {
            try {
                net.tearDown(pod);
            } catch (CniException e) {
                // Already torn down by the test, or the failure the test is about; the checks below catch leaks.
            }
        }
        opened.forEach(CniNetwork::close); // after the DELs: the masquerade rule goes with the last lease
        removeIptablesRulesOf(containerIds);
        namespaces.list().forEach(namespaces::remove);
        namespaces.releaseDirectories();
        if (Files.exists(Path.of("/sys/class/net", bridge))) {
            ok("ip", "link", "del", bridge);
        }
        // The bridge plugin turns on IPv4 forwarding for a gateway bridge; put back what was there.
        Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
        removePortmapChainsIfOurs();

        assertThat(links()).doesNotContain(bridge);
        assertThat(mountsUnder(tmp)).isEmpty();
        assertThat(iptablesLinesOf(containerIds)).isEmpty();
        assertThat(ok("iptables", "-t", "nat", "-S", "POSTROUTING")).doesNotContain("podlab network " + network.name());
    }

    private CniNetwork cniNetwork(List<Path> binDirs) {
        CniNetwork n = CniNetwork.open(new CniNetwork.Settings(tmp.resolve("net.d"), binDirs, tmp.resolve("state"), network,
                Duration.ofSeconds(60)));
        opened.add(n);
        return n;
    }

    /** Closed after each test (the built-in network's masquerade rule goes with the last one). */
    private final List<CniNetwork> opened = new java.util.ArrayList<>();

    private PodNetworkRequest pod(String name) {
        String id = name + "-" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
                (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
        PodNamespacePaths ns = namespaces.create(id, name);
        PodNetworkRequest r = new PodNetworkRequest("default", name, id, ns.net());
        pods.add(r);
        containerIds.add(id);
        return r;
    }

    /** Host-side veths of the test bridge. */
    private List<String> bridgePorts() throws IOException {
        Path brif = Path.of("/sys/class/net", bridge, "brif");
        if (!Files.isDirectory(brif)) {
            return List.of();
        }
        try (var s = Files.list(brif)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void twoPodsGetAddressesReachEachOtherAndAreDetachedAgain() throws Exception {
        CniNetwork net = cniNetwork(List.of(PLUGIN_DIR));
        assertThat(net.config().source()).isEqualTo(DefaultNetwork.SOURCE); // empty confDir: the built-in network
        assertThat(net.missingPlugins()).isEmpty();
        PodNetworkRequest a = pod("a");
        PodNetworkRequest b = pod("b");

        CniResult ra = net.setUp(a);
        CniResult rb = net.setUp(b);

        String ipA = ra.podIp().orElseThrow();
        String ipB = rb.podIp().orElseThrow();
        assertThat(ipA).startsWith(subnetPrefix).isNotEqualTo(ipB);
        assertThat(ipB).startsWith(subnetPrefix);
        assertThat(ra.ips().get(0).gateway()).isEqualTo(subnetPrefix + "1");
        assertThat(ra.interfaces()).anySatisfy(i -> {
            assertThat(i.name()).isEqualTo("eth0");
            assertThat(i.sandbox()).isEqualTo(a.netns().toString());
        });
        assertThat(bridgePorts()).hasSize(2);
        // lo came up through the loopback plugin; eth0 holds the address.
        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "-o", "link", "show", "lo")).contains(",UP");
        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "-o", "-4", "addr", "show", "eth0")).contains(ipA + "/24");
        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "route")).contains("default via " + subnetPrefix + "1");
        assertThat(ok("nsenter", "--net=" + a.netns(), "busybox", "ping", "-c1", "-W2", "127.0.0.1")).contains("1 packets received");
        NetTestSupport.Result ping = run("nsenter", "--net=" + a.netns(), "busybox", "ping", "-c1", "-W2", ipB);
        assertThat(ping.exit()).as(ping.out()).isZero();
        assertThat(ping.out()).contains("1 packets received");
        assertThat(net.check(a)).isTrue();
        assertThat(net.check(b)).isTrue();

        String vethA = hostVeth(ra);
        CniNetwork afterRestart = cniNetwork(List.of(PLUGIN_DIR)); // only the cached result knows A's veth and IP
        afterRestart.tearDown(a);

        assertThat(links()).doesNotContain(vethA);
        assertThat(bridgePorts()).hasSize(1);
        assertThat(afterRestart.runner().cacheFile(a.containerId(), "eth0")).doesNotExist();
        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "-o", "link")).doesNotContain("eth0");
        assertThat(Files.exists(tmp.resolve("ipam").resolve(network.name()).resolve(ipA))).isFalse(); // lease released
        assertThat(Files.exists(tmp.resolve("ipam").resolve(network.name()).resolve(ipB))).isTrue();
        assertThatThrownBy(() -> afterRestart.check(a)).isInstanceOf(CniException.class);

        afterRestart.tearDown(b);
        afterRestart.tearDown(b); // DEL is idempotent
        assertThat(bridgePorts()).isEmpty();
    }

    private String hostVeth(CniResult r) {
        return r.interfaces().stream().filter(i -> !i.inSandbox() && !i.name().equals(bridge)).findFirst().orElseThrow().name();
    }

    @Test
    void aFailingPluginGivesTheTypedErrorAndTheChainIsRolledBack() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path failer = bin.resolve("failer");
        Files.writeString(failer, """
                #!/bin/sh
                cat > /dev/null
                if [ "$CNI_COMMAND" = ADD ]; then
                  echo '{"cniVersion":"1.0.0","code":7,"msg":"invalid configuration","details":"no zone given"}'
                  exit 1
                fi
                """);
        Files.setPosixFilePermissions(failer, PosixFilePermissions.fromString("rwxr-xr-x"));
        // A user network in confDir: the bridge plugin, then a plugin that fails.
        String bridgePlugin = network.conflist().plugins().get(0).fields().toString();
        Files.createDirectories(tmp.resolve("net.d"));
        Files.writeString(tmp.resolve("net.d/10-test.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"" + network.name()
                + "\",\"plugins\":[" + bridgePlugin + ",{\"type\":\"failer\"}]}");
        CniNetwork net = cniNetwork(List.of(bin, PLUGIN_DIR));
        assertThat(net.config().source()).isEqualTo(tmp.resolve("net.d/10-test.conflist").toString());
        PodNetworkRequest a = pod("web");

        assertThatThrownBy(() -> net.setUp(a))
                .isInstanceOf(CniException.class)
                .hasMessage("failed to add pod default/web to network " + network.name()
                        + ": failer: invalid configuration: no zone given");

        assertThat(bridgePorts()).isEmpty(); // the bridge plugin's veth was deleted again
        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "-o", "link")).doesNotContain("eth0");
        assertThat(net.runner().cacheFile(a.containerId(), "eth0")).doesNotExist();
        try (var leases = Files.list(tmp.resolve("ipam").resolve(network.name()))) {
            assertThat(leases.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(subnetPrefix))).isEmpty();
        }
    }

    @Test
    void aHostPortOnLoopbackReachesAListenerInsideThePod() throws Exception {
        CniNetwork net = cniNetwork(List.of(PLUGIN_DIR));
        int hostPort = freeLoopbackPort();
        PodNetworkRequest a = pod("web").withPortMappings(List.of(new PortMapping(hostPort, 8080, "tcp", "127.0.0.1")));
        pods.set(pods.size() - 1, a);
        net.setUp(a);
        // busybox nc as the pod's server: sends its stdin to the client, prints what the client sends.
        Process nc = new ProcessBuilder("nsenter", "--net=" + a.netns(), "busybox", "nc", "-l", "-p", "8080")
                .redirectErrorStream(true).start();
        processes.add(nc);
        nc.getOutputStream().write("hello from the pod\n".getBytes(StandardCharsets.UTF_8));
        nc.getOutputStream().flush();

        String line;
        try (Socket s = connectWithRetry(hostPort, Duration.ofSeconds(10))) {
            s.setSoTimeout(5000);
            line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            OutputStream out = s.getOutputStream();
            out.write("hello from the host\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        nc.getOutputStream().close();
        assertThat(nc.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String received = new String(nc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(line).isEqualTo("hello from the pod");
        assertThat(received).contains("hello from the host");
        // DNAT of 127.0.0.1 works because portmap sets route_localnet on the bridge (loopback-sourced packets may
        // then be routed out of it) and masquerades them (snat: true) so the pod can answer.
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet")).trim()).isEqualTo("1");
        assertThat(iptablesLinesOf(Set.of(a.containerId()))).isNotEmpty();

        net.tearDown(a);

        assertThat(iptablesLinesOf(Set.of(a.containerId()))).isEmpty();
        assertThat(bridgePorts()).isEmpty();
    }

    @Test
    void withoutPluginsSetUpNamesTheDirectoriesAndLoopbackOnlyStillWorks() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-plugins"));
        CniNetwork net = cniNetwork(List.of(empty));
        PodNetworkRequest a = pod("lonely");

        assertThat(net.missingPlugins()).containsExactly("loopback", "bridge", "portmap");
        assertThatThrownBy(() -> net.setUp(a))
                .isInstanceOf(CniPluginNotFoundException.class)
                .hasMessage("failed to find CNI plugin loopback: not found in " + empty
                        + " (on Debian install the package containernetworking-plugins)");
        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "-o", "link", "show", "lo")).doesNotContain(",UP");

        assertThat(net.loopbackOnly(a.netns())).startsWith("kernel");

        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "-o", "link", "show", "lo")).contains(",UP");
        assertThat(ok("nsenter", "--net=" + a.netns(), "busybox", "ping", "-c1", "-W2", "127.0.0.1")).contains("1 packets received");
        assertThat(links()).doesNotContain(bridge);
    }

    @Test
    void loopbackOnlyUsesThePluginWhenThereIsOne() throws Exception {
        PodNetworkRequest a = pod("lo");

        assertThat(cniNetwork(List.of(PLUGIN_DIR)).loopbackOnly(a.netns())).isEqualTo("loopback plugin");

        assertThat(ok("nsenter", "--net=" + a.netns(), "ip", "-o", "link", "show", "lo")).contains(",UP");
        assertThat(links()).doesNotContain(bridge);
    }

    private static int freeLoopbackPort() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port = 20000 + ThreadLocalRandom.current().nextInt(10000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port on 127.0.0.1 in 20000-29999");
    }

    private static Socket connectWithRetry(int port, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                return s;
            } catch (IOException e) {
                s.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100); // the listener inside the pod is not up yet
            }
        }
    }

    private static boolean portmapChainsExist() throws Exception {
        return run("iptables", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT").exit() == 0;
    }

    /**
     * portmap creates its shared chains (CNI-HOSTPORT-*) on first use and never removes them, as other users of
     * the chains may come and go. When this test brought them and no pod's port forward (a CNI-DN- chain) is left,
     * they are the test's to remove.
     */
    private void removePortmapChainsIfOurs() throws Exception {
        if (portmapChainsBefore || !portmapChainsExist() || ok("iptables", "-t", "nat", "-S").contains("-N CNI-DN-")) {
            return;
        }
        run("iptables", "-t", "nat", "-D", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT");
        run("iptables", "-t", "nat", "-D", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT");
        run("iptables", "-t", "nat", "-D", "POSTROUTING", "-m", "comment", "--comment", "CNI portfwd requiring masquerade",
                "-j", "CNI-HOSTPORT-MASQ");
        for (String chain : List.of("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK")) {
            run("iptables", "-t", "nat", "-F", chain);
            run("iptables", "-t", "nat", "-X", chain);
        }
        assertThat(portmapChainsExist()).isFalse();
    }

    /** nat rules whose comment names one of {@code ids} (bridge's masquerade rule, portmap's DNAT jump). */
    private static List<String> iptablesLinesOf(Set<String> ids) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : ok("iptables", "-t", "nat", "-S").split("\n")) {
            if (ids.stream().anyMatch(id -> line.contains("id: \\\"" + id + "\\\""))) {
                out.add(line);
            }
        }
        return out;
    }

    /** Removes what a failed test left: the rules naming the ids, then the per-pod chains they jump to. */
    private static void removeIptablesRulesOf(Set<String> ids) throws Exception {
        Set<String> chains = new LinkedHashSet<>();
        for (String line : iptablesLinesOf(ids)) {
            List<String> args = shellWords(line);
            int jump = args.indexOf("-j");
            if (jump > 0 && args.get(jump + 1).startsWith("CNI-") && !args.get(jump + 1).startsWith("CNI-HOSTPORT")) {
                chains.add(args.get(jump + 1));
            }
            if (args.get(0).equals("-A")) {
                List<String> cmd = new ArrayList<>(List.of("iptables", "-t", "nat", "-D"));
                cmd.addAll(args.subList(1, args.size()));
                run(cmd);
            }
        }
        for (String chain : chains) {
            run("iptables", "-t", "nat", "-F", chain);
            run("iptables", "-t", "nat", "-X", chain);
        }
    }

    /** Splits an iptables -S line as a shell would ("..." with \" inside). */
    private static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                w.append(line.charAt(++i));
                any = true;
            } else if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    words.add(w.toString());
                }
                w.setLength(0);
                any = false;
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(w.toString());
        }
        return words;
    }
}
