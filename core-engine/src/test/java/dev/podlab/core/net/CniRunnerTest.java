package dev.podlab.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime side of the CNI protocol, against small shell-script plugins that record what they were given
 * (environment, stdin) and answer as real plugins do. The real plugins run in {@link CniNetworkHostTest}.
 */
class CniRunnerTest {

    @TempDir
    Path tmp;
    Path bin;
    Path log;
    Path state;
    PodNetworkRequest pod;

    @BeforeEach
    void setUp() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        log = Files.createDirectories(tmp.resolve("log"));
        state = tmp.resolve("state");
        pod = new PodNetworkRequest("default", "web", "c0ffee", tmp.resolve("netns/c0ffee"));
        // Records each call, keeps its stdin, and answers ADD with a result naming itself.
        String recorder = """
                #!/bin/sh
                me=$(basename "$0")
                in=$(cat)
                echo "$CNI_COMMAND $me" >> %1$s/calls
                env | grep '^CNI_' | sort > %1$s/$me-$CNI_COMMAND.env
                printf '%%s' "$in" > %1$s/$me-$CNI_COMMAND.json
                if [ "$CNI_COMMAND" = ADD ]; then
                  printf '{"cniVersion":"1.0.0","interfaces":[{"name":"veth1"},{"name":"%%s","sandbox":"%%s"}],"ips":[{"address":"10.9.9.7/24","gateway":"10.9.9.1","interface":1}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.9.9.1"]},"by":"%%s"}' "$CNI_IFNAME" "$CNI_NETNS" "$me"
                fi
                """.formatted(log);
        plugin("first", recorder);
        plugin("second", recorder);
        plugin("failer", """
                #!/bin/sh
                cat > /dev/null
                echo "$CNI_COMMAND failer" >> %s/calls
                if [ "$CNI_COMMAND" = ADD ]; then
                  echo '{"cniVersion":"1.0.0","code":7,"msg":"bad config","details":"bridge name missing"}'
                  exit 1
                fi
                """.formatted(log));
    }

    private void plugin(String name, String script) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, script);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static CniConfigList list(String... pluginObjects) {
        String json = "{\"cniVersion\":\"1.0.0\",\"name\":\"testnet\",\"plugins\":[" + String.join(",", pluginObjects) + "]}";
        return CniConfigList.parse(json.getBytes(StandardCharsets.UTF_8), "test");
    }

    private CniRunner runner(CniConfigList list) {
        return CniRunner.open(list, new CniPlugins(List.of(tmp.resolve("missing-dir"), bin)), state, Duration.ofSeconds(10));
    }

    private List<String> calls() throws IOException {
        Path f = log.resolve("calls");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    private JsonNode stdin(String plugin, String command) throws IOException {
        return CniConfigList.JSON.readTree(log.resolve(plugin + "-" + command + ".json").toFile());
    }

    @Test
    void addRunsPluginsInOrderChainingPrevResultAndInjectingCapabilities() throws Exception {
        CniRunner runner = runner(list("{\"type\":\"first\",\"mtu\":1400}",
                "{\"type\":\"second\",\"capabilities\":{\"portMappings\":true},\"snat\":true}"));

        CniResult result = runner.add(pod.withPortMappings(List.of(new PortMapping(8080, 80, "TCP", "127.0.0.1"))));

        assertThat(calls()).containsExactly("ADD first", "ADD second");
        JsonNode first = stdin("first", "ADD");
        assertThat(first.path("cniVersion").asText()).isEqualTo("1.0.0");
        assertThat(first.path("name").asText()).isEqualTo("testnet");
        assertThat(first.path("mtu").asInt()).isEqualTo(1400);
        assertThat(first.has("prevResult")).isFalse();
        assertThat(first.has("runtimeConfig")).isFalse(); // no capability declared, nothing injected
        JsonNode second = stdin("second", "ADD");
        assertThat(second.path("prevResult").path("by").asText()).isEqualTo("first");
        assertThat(second.path("runtimeConfig").path("portMappings").toString())
                .isEqualTo("[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\",\"hostIP\":\"127.0.0.1\"}]");
        assertThat(second.path("snat").asBoolean()).isTrue();
        assertThat(Files.readAllLines(log.resolve("first-ADD.env"))).containsExactly(
                "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=c0ffee",
                "CNI_COMMAND=ADD",
                "CNI_CONTAINERID=c0ffee",
                "CNI_IFNAME=eth0",
                "CNI_NETNS=" + pod.netns(),
                "CNI_PATH=" + tmp.resolve("missing-dir") + ":" + bin);
        // The result is the last plugin's, as records.
        assertThat(result.podIp()).contains("10.9.9.7");
        assertThat(result.ips()).singleElement().satisfies(ip -> {
            assertThat(ip.address()).isEqualTo("10.9.9.7/24");
            assertThat(ip.gateway()).isEqualTo("10.9.9.1");
        });
        assertThat(result.interfaces()).extracting(CniResult.Interface::name).containsExactly("veth1", "eth0");
        assertThat(result.routes()).containsExactly(new CniResult.Route("0.0.0.0/0", null));
        assertThat(result.dns().nameservers()).containsExactly("10.9.9.1");
        assertThat(runner.cacheFile("c0ffee", "eth0")).isEqualTo(state.resolve("cni/results/testnet-c0ffee-eth0.json")).exists();
        assertThat(runner.cachedResult("c0ffee", "eth0")).contains(result);
    }

    @Test
    void checkAndDelHandTheCachedResultToEveryPluginDelInReverseEvenFromAFreshRunner() throws Exception {
        CniConfigList l = list("{\"type\":\"first\"}", "{\"type\":\"second\",\"capabilities\":{\"portMappings\":true}}");
        runner(l).add(pod.withPortMappings(List.of(PortMapping.tcp(8080, 80))));

        assertThat(runner(l).check(pod)).isTrue();
        CniRunner fresh = runner(l); // as after an engine restart: only the cache knows the result
        fresh.del(pod);

        assertThat(calls()).containsExactly("ADD first", "ADD second", "CHECK first", "CHECK second", "DEL second", "DEL first");
        assertThat(stdin("first", "CHECK").path("prevResult").path("by").asText()).isEqualTo("second");
        assertThat(stdin("second", "DEL").path("prevResult").path("by").asText()).isEqualTo("second");
        assertThat(stdin("first", "DEL").path("prevResult").path("by").asText()).isEqualTo("second");
        // DEL without mappings in the request still hands portmap the ones ADD used.
        assertThat(stdin("second", "DEL").path("runtimeConfig").path("portMappings").get(0).path("hostPort").asInt()).isEqualTo(8080);
        assertThat(fresh.cacheFile("c0ffee", "eth0")).doesNotExist();
        assertThat(fresh.cachedResult("c0ffee", "eth0")).isEmpty();
        // A second DEL (no cache any more) still runs, without prevResult: plugins must tolerate it.
        fresh.del(pod);
        assertThat(stdin("first", "DEL").has("prevResult")).isFalse();
    }

    @Test
    void checkWithoutCachedResultFailsAndIsSkippedWhenDisabledOrUnsupported() throws Exception {
        assertThatThrownBy(() -> runner(list("{\"type\":\"first\"}")).check(pod))
                .isInstanceOf(CniException.class)
                .hasMessageStartingWith("failed to check pod default/web in network testnet: no cached ADD result in ");
        CniConfigList disabled = CniConfigList.parse(
                "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"disableCheck\":true,\"plugins\":[{\"type\":\"first\"}]}".getBytes(), "t");
        CniConfigList old = CniConfigList.parse("{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"first\"}".getBytes(), "t");
        assertThat(runner(disabled).check(pod)).isFalse();
        assertThat(runner(old).check(pod)).isFalse();
        assertThat(calls()).isEmpty();
    }

    @Test
    void aPluginErrorBecomesATypedExceptionAndTheChainIsRolledBack() throws Exception {
        CniRunner runner = runner(list("{\"type\":\"first\"}", "{\"type\":\"failer\"}", "{\"type\":\"second\"}"));

        assertThatThrownBy(() -> runner.add(pod))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.plugin()).contains("failer");
                    assertThat(e.code()).isEqualTo(7);
                    assertThat(e.pluginMessage()).contains("bad config");
                    assertThat(e.details()).contains("bridge name missing");
                })
                .hasMessage("failed to add pod default/web to network testnet: failer: bad config: bridge name missing");

        // Rollback: DEL of the whole chain in reverse, with the last good result.
        assertThat(calls()).containsExactly("ADD first", "ADD failer", "DEL second", "DEL failer", "DEL first");
        assertThat(stdin("first", "DEL").path("prevResult").path("by").asText()).isEqualTo("first");
        assertThat(runner.cacheFile("c0ffee", "eth0")).doesNotExist();
    }

    @Test
    void aPluginThatDoesNotAnswerInTimeIsKilled() throws Exception {
        plugin("slow", "#!/bin/sh\nexec sleep 30\n");
        CniRunner runner = CniRunner.open(list("{\"type\":\"slow\"}"), new CniPlugins(List.of(bin)), state, Duration.ofMillis(500));
        long start = System.nanoTime();

        assertThatThrownBy(() -> runner.add(pod)).isInstanceOf(CniException.class)
                .hasMessageStartingWith("failed to add pod default/web to network testnet: slow: timed out after 500 ms");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void aPluginWritingMuchBeforeReadingItsInputDoesNotDeadlock() throws Exception {
        // 1 MiB on both pipes before touching stdin, far above a pipe's 64 KiB buffer.
        plugin("chatty", """
                #!/bin/sh
                head -c 1048576 /dev/zero | tr '\\0' x >&2
                head -c 1048576 /dev/zero | tr '\\0' y
                cat > /dev/null
                exit 3
                """);
        CniConfigList big = list("{\"type\":\"chatty\",\"pad\":\"" + "p".repeat(200_000) + "\"}");

        assertThatThrownBy(() -> runner(big).add(pod)).isInstanceOf(CniException.class)
                .hasMessageStartingWith("failed to add pod default/web to network testnet: chatty: exit status 3: xxxx")
                .hasMessageEndingWith("x... (1046576 more characters)");
    }

    @Test
    void aMissingPluginIsReportedBeforeAnythingRuns() throws Exception {
        CniRunner runner = runner(list("{\"type\":\"first\"}", "{\"type\":\"bridge-not-here\"}"));

        assertThatThrownBy(() -> runner.add(pod))
                .isInstanceOfSatisfying(CniPluginNotFoundException.class, e -> {
                    assertThat(e.type()).isEqualTo("bridge-not-here");
                    assertThat(e.searched()).containsExactly(tmp.resolve("missing-dir"), bin);
                })
                .hasMessage("failed to find CNI plugin bridge-not-here: not found in " + tmp.resolve("missing-dir") + ", " + bin
                        + " (on Debian install the package containernetworking-plugins)");
        assertThat(calls()).isEmpty();
    }
}
