package dev.podlab.cri;

import dev.podlab.core.net.DnsPolicy;
import dev.podlab.core.pod.SandboxSpec;
import dev.podlab.cri.v1.DNSConfig;
import dev.podlab.cri.v1.LinuxContainerResources;
import dev.podlab.cri.v1.LinuxPodSandboxConfig;
import dev.podlab.cri.v1.LinuxSandboxSecurityContext;
import dev.podlab.cri.v1.NamespaceMode;
import dev.podlab.cri.v1.NamespaceOption;
import dev.podlab.cri.v1.PodSandboxConfig;
import dev.podlab.cri.v1.PodSandboxMetadata;
import dev.podlab.cri.v1.PortMapping;
import dev.podlab.cri.v1.Protocol;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A kubelet's PodSandboxConfig into podlab's SandboxSpec, and what is refused on the way. */
class SandboxConfigsTest {
    private static PodSandboxConfig.Builder base() {
        return PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder().setName("web")
                .setNamespace("shop").setUid("u-1").setAttempt(2)).setHostname("web-0");
    }

    @Test
    void translatesMetadataPortsDnsAndNamespaces() {
        var c = base().setLogDirectory("/var/log/pods/shop_web_u-1")
                .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.UDP).setContainerPort(53)
                        .setHostPort(5353).setHostIp("127.0.0.1"))
                .addPortMappings(PortMapping.newBuilder().setContainerPort(80)) // host_port 0: not published
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("shop.svc.cluster.local")
                        .addOptions("ndots:5"))
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/burstable/podu-1")
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setPid(NamespaceMode.NODE)))
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20)
                                .setCpuQuota(50_000).setCpuPeriod(100_000)))
                .putLabels("app", "web").putAnnotations("k", "v")
                .build();
        List<String> warnings = new ArrayList<>();
        SandboxSpec s = SandboxConfigs.toSpec(c, "runc", warnings);
        assertThat(s.name()).isEqualTo("web");
        assertThat(s.namespace()).isEqualTo("shop");
        assertThat(s.uid()).isEqualTo("u-1");
        assertThat(s.attempt()).isEqualTo(2);
        assertThat(s.hostname()).isEqualTo("web-0");
        assertThat(s.logDirectory()).isEqualTo("/var/log/pods/shop_web_u-1");
        assertThat(s.portMappings()).singleElement().satisfies(p -> {
            assertThat(p.hostPort()).isEqualTo(5353);
            assertThat(p.containerPort()).isEqualTo(53);
            assertThat(p.protocol()).isEqualTo("udp");
            assertThat(p.hostIp()).isEqualTo("127.0.0.1");
        });
        assertThat(s.dnsPolicy()).isEqualTo(DnsPolicy.NONE);
        assertThat(s.dnsConfig().nameservers()).containsExactly("10.96.0.10");
        assertThat(s.dnsConfig().options()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("ndots");
            assertThat(o.value()).isEqualTo("5");
        });
        assertThat(s.hostNetwork()).isTrue();
        assertThat(s.hostPID()).isTrue();
        assertThat(s.hostIPC()).isFalse();
        assertThat(s.cgroupParent()).isEqualTo("kubepods/burstable/podu-1");
        assertThat(s.resources().memoryLimitBytes()).isEqualTo(64L << 20);
        assertThat(s.resources().cpuQuotaMicros()).isEqualTo(50_000L);
        assertThat(s.labels()).isEqualTo(Map.of("app", "web"));
        assertThat(s.annotations()).isEqualTo(Map.of("k", "v"));
        assertThat(s.runtimeHandler()).isEqualTo("runc");
        assertThat(warnings).isEmpty();
    }

    @Test
    void noDnsConfigMeansTheHostsResolvConf() {
        SandboxSpec s = SandboxConfigs.toSpec(base().build(), "", new ArrayList<>());
        assertThat(s.dnsPolicy()).isEqualTo(DnsPolicy.DEFAULT);
        assertThat(s.cgroupParent()).isNull();
        assertThat(s.hostNetwork()).isFalse();
    }

    @Test
    void refusesWhatCouldEscapeOrSmuggle() {
        assertThatThrownBy(() -> SandboxConfigs.toSpec(PodSandboxConfig.getDefaultInstance(), "", new ArrayList<>()))
                .isInstanceOf(CriArgumentException.class).hasMessageContaining("metadata.name");
        assertThatThrownBy(() -> SandboxConfigs.toSpec(base().setLinux(LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent("/kubepods/../../escape")).build(), "", new ArrayList<>()))
                .isInstanceOf(CriArgumentException.class).hasMessageContaining("cgroup parent");
        for (String v : List.of("1\nkernel.panic=1", "1\tx", "a=b", "", "1\u0000", "1 ", "0  1")) {
            assertThatThrownBy(() -> SandboxConfigs.toSpec(base().setLinux(LinuxPodSandboxConfig.newBuilder()
                    .putSysctls("net.ipv4.ping_group_range", v)).build(), "", new ArrayList<>()))
                    .as(v).isInstanceOf(CriArgumentException.class);
        }
        assertThatThrownBy(() -> SandboxConfigs.toSpec(base().setLinux(LinuxPodSandboxConfig.newBuilder()
                .putSysctls("kernel.shm_rmid_forced=1\nkernel.panic", "1")).build(), "", new ArrayList<>()))
                .isInstanceOf(CriArgumentException.class);
        assertThatThrownBy(() -> SandboxConfigs.toSpec(base().setDnsConfig(DNSConfig.newBuilder()
                .addServers("1.1.1.1\nnameserver 6.6.6.6")).build(), "", new ArrayList<>()))
                .isInstanceOf(CriArgumentException.class);
        assertThatThrownBy(() -> SandboxConfigs.toSpec(base().setLinux(LinuxPodSandboxConfig.newBuilder()
                .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-5))).build(), "",
                new ArrayList<>())).isInstanceOf(CriArgumentException.class);
        // A well-formed sysctl passes, with a warning that it is not applied yet.
        List<String> warnings = new ArrayList<>();
        SandboxConfigs.toSpec(base().setLinux(LinuxPodSandboxConfig.newBuilder()
                .putSysctls("net.ipv4.ping_group_range", "0 2147483647")).build(), "", warnings);
        assertThat(warnings).anyMatch(w -> w.contains("not applied"));
    }
}
