package dev.podlab.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodNetworkFilesTest {

    @TempDir
    Path tmp;
    PodNetworkFiles files;
    Path hostResolv;
    Path systemdResolv;

    @BeforeEach
    void setUp() throws IOException {
        hostResolv = tmp.resolve("etc/resolv.conf");
        systemdResolv = tmp.resolve("run/systemd/resolve/resolv.conf");
        Files.createDirectories(hostResolv.getParent());
        Files.writeString(hostResolv, """
                # host resolver
                nameserver 192.0.2.53
                nameserver 198.51.100.53
                search corp.example lab.example
                options ndots:2 edns0
                """);
        Files.writeString(tmp.resolve("etc/hosts"), "127.0.0.1 localhost\n192.0.2.10 buildhost\n");
        Files.writeString(tmp.resolve("etc/hostname"), "buildhost\n");
        files = PodNetworkFiles.open(new PodNetworkFiles.HostFiles(hostResolv, systemdResolv, tmp.resolve("etc/hosts"),
                tmp.resolve("etc/hostname")));
    }

    private static PodNetworkFiles.Request request(DnsPolicy policy, DnsConfig config) {
        return new PodNetworkFiles.Request("default", "web-0", null, null, List.of("10.88.0.5"), List.of(), false, policy, config);
    }

    @Test
    void writesTheThreeFilesForBindMounting() throws IOException {
        PodNetworkFiles.Written w = files.write(tmp.resolve("pod"), request(DnsPolicy.DEFAULT, DnsConfig.EMPTY));

        assertThat(w.bindMounts()).containsExactly(
                java.util.Map.entry("/etc/hosts", tmp.resolve("pod/hosts")),
                java.util.Map.entry("/etc/hostname", tmp.resolve("pod/hostname")),
                java.util.Map.entry("/etc/resolv.conf", tmp.resolve("pod/resolv.conf")));
        assertThat(Files.readString(w.hostname())).isEqualTo("web-0\n");
        assertThat(Files.readString(w.hosts())).isEqualTo("""
                # Kubernetes-managed hosts file (written by podlab).
                127.0.0.1\tlocalhost
                ::1\tlocalhost ip6-localhost ip6-loopback
                fe00::0\tip6-localnet
                fe00::0\tip6-mcastprefix
                fe00::1\tip6-allnodes
                fe00::2\tip6-allrouters
                10.88.0.5\tweb-0
                """);
        assertThat(Files.readString(w.resolvConf())).isEqualTo("""
                search corp.example lab.example
                nameserver 192.0.2.53
                nameserver 198.51.100.53
                options ndots:2 edns0
                """);
        assertThat(Files.getPosixFilePermissions(w.hosts())).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(w.warnings()).isEmpty();
        try (var s = Files.list(tmp.resolve("pod"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("hosts", "hostname", "resolv.conf");
        }
    }

    @Test
    void updateHostsWritesThePodIpIntoTheSameInode() throws IOException {
        PodNetworkFiles.Request before = new PodNetworkFiles.Request("default", "web-0", null, null, List.of(), List.of(),
                false, DnsPolicy.DEFAULT, DnsConfig.EMPTY);
        PodNetworkFiles.Written early = files.write(tmp.resolve("pod"), before);
        assertThat(early.warnings()).anyMatch(w -> w.contains("no IP address"));
        Object inode = Files.getAttribute(early.hosts(), "unix:ino");
        String resolv = Files.readString(early.resolvConf());

        PodNetworkFiles.Written w = files.updateHosts(tmp.resolve("pod"), request(DnsPolicy.DEFAULT, DnsConfig.EMPTY));

        // A bind mount made at container create holds the inode: a renamed-in file would never be seen.
        assertThat(Files.getAttribute(w.hosts(), "unix:ino")).isEqualTo(inode);
        assertThat(Files.readString(w.hosts())).endsWith("fe00::2\tip6-allrouters\n10.88.0.5\tweb-0\n");
        assertThat(Files.readString(w.resolvConf())).isEqualTo(resolv);
        assertThat(w.bindMounts()).isEqualTo(early.bindMounts());
        assertThat(w.warnings()).isEmpty();
    }

    @Test
    void subdomainAddsTheFqdnAndHostAliasesComeLast() throws IOException {
        PodNetworkFiles.Request r = new PodNetworkFiles.Request("shop", "web-0", "web", "cluster.local",
                List.of("10.88.0.5", "fd00::5"), List.of(new HostAlias("192.0.2.7", List.of("db.local", "db")),
                new HostAlias("192.0.2.8", List.of("cache"))), false, DnsPolicy.DEFAULT, DnsConfig.EMPTY);

        assertThat(files.hosts(r)).endsWith("""
                fe00::2\tip6-allrouters
                10.88.0.5\tweb-0.web.shop.svc.cluster.local\tweb-0
                fd00::5\tweb-0.web.shop.svc.cluster.local\tweb-0

                # Entries added by HostAliases.
                192.0.2.7\tdb.local\tdb
                192.0.2.8\tcache
                """);
    }

    @Test
    void hostNetworkPodsGetTheHostsNamesAndResolverWithTheirAliases() throws IOException {
        Files.writeString(hostResolv, "nameserver 127.0.0.53\nsearch home\n");
        PodNetworkFiles.Request r = new PodNetworkFiles.Request("default", "web-0", null, null, List.of(),
                List.of(new HostAlias("192.0.2.7", List.of("db"))), true, DnsPolicy.CLUSTER_FIRST, DnsConfig.EMPTY);

        PodNetworkFiles.Written w = files.write(tmp.resolve("pod"), r);

        assertThat(Files.readString(w.hostname())).isEqualTo("buildhost\n");
        assertThat(Files.readString(w.hosts())).isEqualTo("127.0.0.1 localhost\n192.0.2.10 buildhost\n\n"
                + "# Entries added by HostAliases.\n192.0.2.7\tdb\n");
        // On the host's network the stub resolver answers, and ClusterFirst is Default without a word (kubelet).
        assertThat(Files.readString(w.resolvConf())).isEqualTo("search home\nnameserver 127.0.0.53\n");
        assertThat(w.warnings()).isEmpty();
    }

    @Test
    void clusterFirstBehavesAsDefaultAndSaysSo() {
        PodNetworkFiles.Dns dns = files.dns(request(DnsPolicy.CLUSTER_FIRST, DnsConfig.EMPTY));

        assertThat(dns.resolvConf()).isEqualTo(files.dns(request(DnsPolicy.DEFAULT, DnsConfig.EMPTY)).resolvConf());
        assertThat(dns.warnings()).singleElement().asString()
                .startsWith("dnsPolicy ClusterFirst: podlab runs no cluster DNS");
        assertThat(files.dns(request(DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET, DnsConfig.EMPTY)).warnings())
                .singleElement().asString().startsWith("dnsPolicy ClusterFirstWithHostNet: podlab runs no cluster DNS");
        assertThat(DnsPolicy.fromManifest(null)).isEqualTo(DnsPolicy.CLUSTER_FIRST);
        assertThat(DnsPolicy.fromManifest("ClusterFirstWithHostNet")).isEqualTo(DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET);
        assertThatThrownBy(() -> DnsPolicy.fromManifest("clusterfirst")).hasMessageContaining("not one of");
    }

    @Test
    void defaultUsesSystemdResolvedUpstreamsWhenTheHostPointsAtItsStub() throws IOException {
        Files.writeString(hostResolv, "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch home.arpa\n");
        Files.createDirectories(systemdResolv.getParent());
        Files.writeString(systemdResolv, "nameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch home.arpa\n");

        PodNetworkFiles.Dns dns = files.dns(request(DnsPolicy.DEFAULT, DnsConfig.EMPTY));

        assertThat(dns.resolvConf().render()).isEqualTo("search home.arpa\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n"
                + "options edns0 trust-ad\n");
        assertThat(dns.warnings()).isEmpty();
    }

    @Test
    void loopbackNameserversAreDroppedWithAWarning() throws IOException {
        Files.writeString(hostResolv, "nameserver 127.0.0.53\nnameserver ::1\n"); // no systemd-resolved file here

        PodNetworkFiles.Dns dns = files.dns(request(DnsPolicy.DEFAULT, DnsConfig.EMPTY));

        assertThat(dns.resolvConf().nameservers()).isEmpty();
        assertThat(dns.warnings()).hasSize(3)
                .anySatisfy(w -> assertThat(w).startsWith("nameserver 127.0.0.53 from " + hostResolv + " is a loopback address"))
                .anySatisfy(w -> assertThat(w).startsWith("nameserver ::1 from"))
                .anySatisfy(w -> assertThat(w).startsWith("no usable nameserver left"));
        // With a dnsConfig nameserver the pod still resolves, and a pod-local resolver (a sidecar) stays.
        DnsConfig own = new DnsConfig(List.of("127.0.0.1", "192.0.2.9"), List.of(), List.of());
        assertThat(files.dns(request(DnsPolicy.DEFAULT, own)).resolvConf().nameservers()).containsExactly("127.0.0.1", "192.0.2.9");
    }

    @Test
    void noneUsesOnlyDnsConfigAndNeedsANameserver() {
        DnsConfig config = new DnsConfig(List.of("192.0.2.99"), List.of("ns1.svc.example"),
                List.of(new DnsConfig.Option("ndots", "5")));

        PodNetworkFiles.Dns dns = files.dns(request(DnsPolicy.NONE, config));

        assertThat(dns.resolvConf().render()).isEqualTo("search ns1.svc.example\nnameserver 192.0.2.99\noptions ndots:5\n");
        assertThat(dns.warnings()).isEmpty();
        assertThatThrownBy(() -> files.dns(request(DnsPolicy.NONE, DnsConfig.EMPTY)))
                .isInstanceOf(NetworkException.class)
                .hasMessage("failed to configure DNS of pod default/web-0: dnsPolicy None needs at least one dnsConfig nameserver");
    }

    @Test
    void dnsConfigIsMergedAsKubernetesDoes() {
        DnsConfig config = new DnsConfig(List.of("198.51.100.53", "203.0.113.53"), List.of("lab.example", "extra.example"),
                List.of(DnsConfig.Option.parse("ndots:5"), DnsConfig.Option.parse("single-request")));

        ResolvConf c = files.dns(request(DnsPolicy.DEFAULT, config)).resolvConf();

        assertThat(c.nameservers()).containsExactly("192.0.2.53", "198.51.100.53", "203.0.113.53"); // duplicate dropped
        assertThat(c.searches()).containsExactly("corp.example", "lab.example", "extra.example");
        assertThat(c.options()).extracting(DnsConfig.Option::toString).containsExactly("ndots:5", "edns0", "single-request");
    }

    @Test
    void limitsKeepThreeNameserversAnd32SearchesWithWarnings() {
        DnsConfig config = new DnsConfig(List.of("203.0.113.1", "203.0.113.2"),
                IntStream.range(0, 40).mapToObj(i -> "d" + i + ".example").toList(), List.of());

        PodNetworkFiles.Dns dns = files.dns(request(DnsPolicy.DEFAULT, config));

        assertThat(dns.resolvConf().nameservers()).containsExactly("192.0.2.53", "198.51.100.53", "203.0.113.1");
        assertThat(dns.resolvConf().searches()).hasSize(32).startsWith("corp.example", "lab.example", "d0.example")
                .endsWith("d29.example");
        assertThat(dns.warnings()).containsExactly(
                "nameserver limit (3) exceeded: using 192.0.2.53 198.51.100.53 203.0.113.1, left out 203.0.113.2",
                "search list limits (32 domains, 2048 characters) exceeded: 10 search domains left out");
    }

    @Test
    void theSearchListIsAlsoLimitedTo2048Characters() {
        List<String> longDomains = IntStream.range(0, 10).mapToObj(i -> "x".repeat(250) + i).toList(); // 251 chars each
        ResolvConf c = PodNetworkFiles.limit(new ResolvConf(List.of(), longDomains, List.of()), new java.util.ArrayList<>());

        assertThat(c.searches()).hasSize(8); // 8 * 251 + 7 spaces = 2015; a ninth would pass 2048
    }

    @Test
    void resolvConfParsingFollowsResolvConf5() {
        ResolvConf c = ResolvConf.parse("""
                ; comment
                domain old.example
                nameserver 192.0.2.1
                options rotate timeout:1
                sortlist 130.155.160.0/255.255.240.0
                """);

        assertThat(c.searches()).containsExactly("old.example"); // domain is a one-entry search list
        assertThat(c.nameservers()).containsExactly("192.0.2.1");
        assertThat(c.options()).containsExactly(new DnsConfig.Option("rotate", null), new DnsConfig.Option("timeout", "1"));
        assertThat(ResolvConf.parse("search a b\ndomain c\n").searches()).containsExactly("c"); // the last one wins
    }

    @Test
    void aPodWithoutAddressIsToldItsHostnameIsNotMapped() {
        PodNetworkFiles.Written w = files.write(tmp.resolve("pod"), new PodNetworkFiles.Request("default", "lonely", null,
                null, List.of(), List.of(), false, DnsPolicy.DEFAULT, DnsConfig.EMPTY));

        assertThat(w.warnings()).containsExactly("the pod has no IP address: /etc/hosts does not map its hostname lonely");
    }
}
