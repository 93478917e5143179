package dev.podlab.core.net;

import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The built-in network's one masquerade rule: added by the first pod, kept while the engine runs or a lease remains. */
class NetworkMasqueradeTest {
    @TempDir
    Path tmp;

    @Test
    void hostLocalLeaseFilesAreTheAddresses() {
        assertThat(NetworkMasquerade.isAddress("10.88.0.5")).isTrue();
        assertThat(NetworkMasquerade.isAddress("fd00::5")).isTrue();
        assertThat(NetworkMasquerade.isAddress("lock")).isFalse();
        assertThat(NetworkMasquerade.isAddress("last_reserved_ip.0")).isFalse();
    }

    private static long rules(String comment) throws Exception {
        Process p = new ProcessBuilder("iptables", "-w", "-t", "nat", "-S", "POSTROUTING").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().filter(l -> l.contains("\"" + comment + "\"") && l.contains("MASQUERADE")).count();
    }

    @Tag("root")
    @Test
    void theRuleLivesWhilePodsOrLeasesOfTheNetworkDo() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("iptables");
        String name = "plm-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        String comment = "podlab network " + name;
        var m = new NetworkMasquerade(name, "10.217." + ThreadLocalRandom.current().nextInt(256) + ".0/24", tmp,
                Duration.ofSeconds(30));
        try {
            m.attach();
            m.attach();
            assertThat(rules(comment)).as("one rule for the network, whatever the number of pods").isEqualTo(1);
            assertThat(rules(comment)).as("kept while the engine runs: the next pod needs it again").isEqualTo(1);
            Path leases = Files.createDirectories(tmp.resolve(name));
            Files.writeString(leases.resolve("lock"), "");
            Files.writeString(leases.resolve("10.217.0.9"), "pod-still-running\neth0");
            m.close();
            assertThat(rules(comment)).as("a pod that outlives the engine keeps it").isEqualTo(1);
            Files.delete(leases.resolve("10.217.0.9"));
            var next = new NetworkMasquerade(name, m.rule().get(1), tmp, Duration.ofSeconds(30));
            next.attach(); // a new engine finds the rule there
            assertThat(rules(comment)).isEqualTo(1);
            next.close();
            assertThat(rules(comment)).as("the engine closes with no pod left: the rule goes").isZero();
        } finally {
            for (int i = 0; i < 3 && rules(comment) > 0; i++) {
                var cmd = new java.util.ArrayList<>(java.util.List.of("iptables", "-w", "-t", "nat", "-D", "POSTROUTING"));
                cmd.addAll(m.rule());
                new ProcessBuilder(cmd).start().waitFor();
            }
        }
    }
}
