package dev.podlab.core.net;

import static dev.podlab.core.net.NetTestSupport.links;
import static dev.podlab.core.net.NetTestSupport.mountsUnder;
import static dev.podlab.core.net.NetTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pieces together, as the pod controller will use them: pinned namespaces, the CNI network, the pod's network
 * files, and real containers (built-in runtime) that join the namespaces and bind-mount the files.
 */
@Tag("root")
class PodSandboxHostTest {

    @TempDir
    Path tmp;
    TestEngine t;
    PodNamespaces namespaces;
    CniNetwork net;
    PodNetworkRequest pod;
    String bridge;
    String ipForwardBefore;

    @AfterEach
    void cleanUp() throws Exception {
        if (t != null) {
            t.close();
        }
        if (net != null && pod != null) {
            net.tearDown(pod);
        }
        if (net != null) {
            net.close();
        }
        if (namespaces != null) {
            namespaces.list().forEach(namespaces::remove);
            namespaces.releaseDirectories();
        }
        if (bridge != null && Files.exists(Path.of("/sys/class/net", bridge))) {
            ok("ip", "link", "del", bridge);
        }
        if (ipForwardBefore != null) {
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
        }
        assertThat(mountsUnder(tmp)).isEmpty();
        if (bridge != null) {
            assertThat(links()).doesNotContain(bridge);
        }
    }

    @Test
    void containersJoinThePodsNamespacesAndSeeItsAddressHostnameAndFiles() throws Exception {
        HostRequirements.requireCommand("ip");
        HostRequirements.require(Files.isExecutable(Path.of("/usr/lib/cni/bridge")),
                "needs the CNI plugins in /usr/lib/cni (Debian package containernetworking-plugins)");
        t = TestEngine.open();
        ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
        String hex = HexFormat.of().toHexDigits((byte) ThreadLocalRandom.current().nextInt())
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        bridge = "plt" + hex;
        DefaultNetwork network = new DefaultNetwork("plt-" + hex, bridge,
                "10.213." + ThreadLocalRandom.current().nextInt(256) + ".0/24", tmp.resolve("ipam"));
        namespaces = PodNamespaces.open(tmp.resolve("run"));
        net = CniNetwork.open(new CniNetwork.Settings(tmp.resolve("net.d"), CniPlugins.DEFAULT_BIN_DIRS, tmp.resolve("state"),
                network, Duration.ofSeconds(60)));
        String podId = "pod" + hex;

        PodNamespacePaths ns = namespaces.create(podId, "web-0");
        pod = new PodNetworkRequest("default", "web", podId, ns.net());
        String ip = net.setUp(pod).podIp().orElseThrow();
        Files.writeString(tmp.resolve("resolv.host"), "nameserver 192.0.2.53\n");
        PodNetworkFiles.Written files = PodNetworkFiles.open(new PodNetworkFiles.HostFiles(tmp.resolve("resolv.host"),
                tmp.resolve("none"), Path.of("/etc/hosts"), Path.of("/proc/sys/kernel/hostname")))
                .write(tmp.resolve("pod"), new PodNetworkFiles.Request("default", "web-0", null, null, List.of(ip), List.of(),
                        false, DnsPolicy.DEFAULT, DnsConfig.EMPTY));
        ContainerConfig.Builder c = TestEngine.busybox("sh", "-c",
                "hostname; ip -o -4 addr show eth0; readlink /proc/self/ns/net; cat /etc/hosts /etc/resolv.conf");
        ns.ociPaths().forEach(c::joinNamespace);
        files.bindMounts().forEach((dest, src) -> c.volume(new VolumeMount(src, dest, true)));

        ContainerRecord r = t.engine.run(c.build());
        ExitRecord exit = t.engine.await(r.id(), Duration.ofSeconds(60)).orElseThrow();
        String out = stdout(r.id());

        assertThat(exit.exitCode()).as(out).isZero();
        assertThat(out).startsWith("web-0\n")
                .contains("inet " + ip + "/24")
                .contains("net:[" + NetTestSupport.inode(ns.net()) + "]")
                .contains(ip + "\tweb-0\n")
                .contains("nameserver 192.0.2.53");
        assertThat(ok("nsenter", "--uts=" + ns.uts(), "hostname").trim()).isEqualTo("web-0"); // not reset by the runtime
    }

    private String stdout(String ref) throws Exception {
        List<CriLogLine> lines = new ArrayList<>();
        LogFollower.read(t.engine.logPath(ref), false, () -> true, lines::add);
        StringBuilder sb = new StringBuilder();
        for (CriLogLine l : lines) {
            if (l.stream().equals("stdout")) {
                sb.append(l.text()).append(l.partial() ? "" : "\n");
            }
        }
        return sb.toString();
    }
}
