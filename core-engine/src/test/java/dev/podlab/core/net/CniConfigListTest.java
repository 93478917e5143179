package dev.podlab.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniConfigListTest {

    @TempDir
    Path tmp;

    private static CniConfigList parse(String json) {
        return CniConfigList.parse(json.getBytes(StandardCharsets.UTF_8), "test.conflist");
    }

    @Test
    void parsesAConflistKeepingEveryPluginField() {
        CniConfigList l = parse("""
                {"cniVersion":"1.0.0","name":"mynet","plugins":[
                  {"type":"bridge","bridge":"cni0","ipam":{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/16"}]]}},
                  {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false}}]}
                """);

        assertThat(l.cniVersion()).isEqualTo("1.0.0");
        assertThat(l.name()).isEqualTo("mynet");
        assertThat(l.disableCheck()).isFalse();
        assertThat(l.types()).containsExactly("bridge", "portmap");
        assertThat(l.plugins().get(0).fields().path("ipam").path("ranges").get(0).get(0).path("subnet").asText())
                .isEqualTo("10.1.0.0/16");
        assertThat(l.plugins().get(1).capabilities()).isEqualTo(Map.of("portMappings", true, "bandwidth", false));
        assertThat(l.plugins().get(1).hasCapability("portMappings")).isTrue();
        assertThat(l.plugins().get(1).hasCapability("bandwidth")).isFalse();
        // The record is immutable: changing the node handed out changes nothing inside.
        ObjectNode f = l.plugins().get(0).fields();
        f.put("bridge", "changed");
        assertThat(l.plugins().get(0).fields().path("bridge").asText()).isEqualTo("cni0");
        assertThat(parse(l.toJson().toString())).isEqualTo(new CniConfigList("1.0.0", "mynet", false, l.plugins(), "test.conflist"));
    }

    @Test
    void aSingleConfIsAListOfOne() {
        CniConfigList l = parse("{\"cniVersion\":\"0.4.0\",\"name\":\"single\",\"type\":\"bridge\",\"bridge\":\"br9\"}");

        assertThat(l.name()).isEqualTo("single");
        assertThat(l.cniVersion()).isEqualTo("0.4.0");
        assertThat(l.types()).containsExactly("bridge");
        assertThat(l.plugins().get(0).fields().has("name")).isFalse();
        assertThat(l.plugins().get(0).fields().path("bridge").asText()).isEqualTo("br9");
        assertThat(l.supportsCheck()).isTrue();
        assertThat(parse("{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"bridge\"}").supportsCheck()).isFalse();
    }

    @Test
    void badDocumentsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"},"))
                .isInstanceOf(CniException.class)
                .hasMessageStartingWith("failed to parse CNI network configuration test.conflist: ");
        assertThatThrownBy(() -> parse("{\"name\":\"n\",\"type\":\"bridge\"}")).hasMessageEndingWith(": cniVersion is missing");
        assertThatThrownBy(() -> parse("{\"cniVersion\":\"1.0.0\",\"name\":\"a b\",\"type\":\"bridge\"}"))
                .hasMessageContaining("name \"a b\" is missing or not of");
        assertThatThrownBy(() -> parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[]}"))
                .hasMessageEndingWith("plugins must be a non-empty array");
        assertThatThrownBy(() -> parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"../../bin/sh\"}]}"))
                .hasMessageEndingWith("plugins[0].type \"../../bin/sh\" is missing or not a plain file name");
        assertThatThrownBy(() -> parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}"))
                .hasMessageEndingWith("neither plugins (a .conflist) nor type (a .conf) is present");
        assertThatThrownBy(() -> parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"name\":\"m\",\"type\":\"x\"}"))
                .hasMessageContaining("Duplicate field 'name'");
    }

    @Test
    void theBuiltInNetworkIsPodlab0On10_88WithPortmap() {
        CniConfigList l = DefaultNetwork.PODLAB.conflist();

        assertThat(l.name()).isEqualTo("podlab");
        assertThat(l.source()).isEqualTo("built-in");
        assertThat(l.types()).containsExactly("bridge", "portmap");
        ObjectNode bridge = l.plugins().get(0).fields();
        assertThat(bridge.path("bridge").asText()).isEqualTo("podlab0");
        assertThat(bridge.path("isGateway").asBoolean()).isTrue();
        // The engine masquerades the whole subnet with one rule (NetworkMasquerade), not the bridge per pod.
        assertThat(bridge.path("ipMasq").asBoolean()).isFalse();
        assertThat(bridge.path("hairpinMode").asBoolean()).isTrue();
        assertThat(bridge.path("ipam").path("type").asText()).isEqualTo("host-local");
        assertThat(bridge.path("ipam").path("ranges").get(0).get(0).path("subnet").asText()).isEqualTo("10.88.0.0/16");
        assertThat(bridge.path("ipam").path("routes").get(0).path("dst").asText()).isEqualTo("0.0.0.0/0");
        assertThat(bridge.path("ipam").has("dataDir")).isFalse();
        assertThat(l.plugins().get(1).hasCapability("portMappings")).isTrue();
        assertThat(l.plugins().get(1).fields().path("snat").asBoolean()).isTrue();

        CniConfigList test = new DefaultNetwork("plt-1", "plt123456", "10.213.7.0/24", tmp).conflist();
        assertThat(test.name()).isEqualTo("plt-1");
        assertThat(test.plugins().get(0).fields().path("bridge").asText()).isEqualTo("plt123456");
        assertThat(test.plugins().get(0).fields().path("ipam").path("ranges").get(0).get(0).path("subnet").asText())
                .isEqualTo("10.213.7.0/24");
        assertThat(test.plugins().get(0).fields().path("ipam").path("dataDir").asText()).isEqualTo(tmp.toString());
        assertThatThrownBy(() -> new DefaultNetwork("n", "a-very-long-bridge", "10.0.0.0/8", null))
                .hasMessageContaining("1-15");
        assertThatThrownBy(() -> new DefaultNetwork("n", "br", "10.0.0.0", null)).hasMessageContaining("not an IPv4 CIDR");
    }

    @Test
    void selectTakesTheFirstValidFileOfPodlabsNetworkElseTheBuiltIn() throws IOException {
        Path dir = tmp.resolve("net.d");
        assertThat(CniNetwork.select(dir, DefaultNetwork.PODLAB).source()).isEqualTo("built-in"); // no directory
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("README"), "not a config");
        assertThat(CniNetwork.select(dir, DefaultNetwork.PODLAB).name()).isEqualTo("podlab");

        Files.writeString(dir.resolve("20-second.conf"), "{\"cniVersion\":\"1.0.0\",\"name\":\"second\",\"type\":\"bridge\"}");
        Files.writeString(dir.resolve("30-third.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"third\",\"plugins\":[{\"type\":\"ptp\"}]}");
        Files.writeString(dir.resolve("10-broken.conflist"), "{ not json");
        // Other tools' networks (podman's, say) are not podlab's: the built-in one is used.
        assertThat(CniNetwork.select(dir, DefaultNetwork.PODLAB).source()).isEqualTo("built-in");

        Files.writeString(dir.resolve("40-podlab.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"podlab\",\"plugins\":[{\"type\":\"ptp\"}]}");
        Files.writeString(dir.resolve("50-podlab-too.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"podlab\",\"plugins\":[{\"type\":\"bridge\"}]}");
        CniConfigList chosen = CniNetwork.select(dir, DefaultNetwork.PODLAB);
        assertThat(chosen.name()).isEqualTo("podlab"); // 10-broken is skipped with a warning
        assertThat(chosen.source()).isEqualTo(dir.resolve("40-podlab.conflist").toString());
    }

    @Test
    void pluginsAreFoundInTheFirstDirectoryThatHasThem() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        for (Path p : List.of(a.resolve("bridge"), b.resolve("bridge"), b.resolve("portmap"))) {
            Files.writeString(p, "#!/bin/sh\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(a.resolve("loopback"), "not executable");
        CniPlugins plugins = new CniPlugins(List.of(a, b));

        assertThat(plugins.find("bridge")).contains(a.resolve("bridge"));
        assertThat(plugins.find("portmap")).contains(b.resolve("portmap"));
        assertThat(plugins.find("loopback")).isEmpty();
        assertThat(plugins.find("../b/portmap")).isEmpty();
        assertThat(plugins.missing(List.of("loopback", "bridge", "portmap", "loopback"))).containsExactly("loopback");
        assertThat(plugins.cniPath()).isEqualTo(a + ":" + b);
        assertThat(CniPlugins.defaults().binDirs()).containsExactly(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
    }

    @Test
    void portMappingsAndRequestsAreChecked() {
        assertThat(new PortMapping(8080, 80, "TCP", "").protocol()).isEqualTo("tcp");
        assertThat(new PortMapping(8080, 80, null, "").hostIp()).isNull();
        assertThatThrownBy(() -> new PortMapping(0, 80, "tcp", null)).hasMessageContaining("1-65535");
        assertThatThrownBy(() -> new PortMapping(80, 80, "icmp", null)).hasMessageContaining("not one of tcp, udp, sctp");
        PodNetworkRequest r = new PodNetworkRequest("default", "web", "abc", Path.of("/run/podlab/netns/abc"));
        assertThat(r.ifName()).isEqualTo("eth0");
        assertThat(r.cniArgs()).isEqualTo("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=abc");
        assertThatThrownBy(() -> new PodNetworkRequest("default", "web;K8S_POD_NAME=x", "abc", Path.of("/n")))
                .hasMessageContaining("contains ; or =");
    }

    @Test
    void resultRecordsComeFromTheWireFormat() throws IOException {
        CniResult r = CniResultJson.read(CniConfigList.JSON.readTree("""
                {"cniVersion":"1.0.0",
                 "interfaces":[{"name":"br0","mac":"aa:bb:cc:dd:ee:01"},{"name":"eth0","mac":"aa:bb:cc:dd:ee:02","sandbox":"/run/netns/x"}],
                 "ips":[{"address":"fd00::5/64","interface":1},{"address":"10.1.0.5/16","gateway":"10.1.0.1","interface":1},
                        {"address":"10.9.9.9/24","interface":0}],
                 "routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1"}],
                 "dns":{"nameservers":["10.1.0.10"],"domain":"example","search":["a.example"],"options":["ndots:2"]}}
                """));

        assertThat(r.podIps()).containsExactly("10.1.0.5", "fd00::5"); // IPv4 first, host-side address left out
        assertThat(r.podIp()).contains("10.1.0.5");
        assertThat(r.interfaces().get(1)).isEqualTo(new CniResult.Interface("eth0", "aa:bb:cc:dd:ee:02", "/run/netns/x"));
        assertThat(r.routes()).containsExactly(new CniResult.Route("0.0.0.0/0", "10.1.0.1"));
        assertThat(r.dns()).isEqualTo(new CniResult.Dns(List.of("10.1.0.10"), "example", List.of("a.example"), List.of("ndots:2")));
        assertThat(CniResultJson.read(CniConfigList.JSON.readTree("{\"cniVersion\":\"1.0.0\"}")).podIp()).isEmpty();
    }
}
