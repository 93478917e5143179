package dev.podlab.core.pod.manifest;

import dev.podlab.core.PodlabException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestParserTest {
    private static final String POD_HEAD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n";
    private static final String ONE_CONTAINER = "  containers:\n    - name: app\n      image: busybox\n";

    /** Lines 1-5 are POD_HEAD; the spec fields start on line 6. */
    private static final String HONEST = POD_HEAD
            + "  nodeSelector:\n"                       // 6
            + "    disk: ssd\n"                         // 7
            + "  tolerations: []\n"                     // 8
            + "  serviceAccountName: builder\n"         // 9
            + "  imagePullSecrets:\n"                   // 10
            + "    - name: regcred\n"                   // 11
            + "  enableServiceLinks: false\n"           // 12
            + "  flavour: vanilla\n"                    // 13
            + "  containers:\n"                         // 14
            + "    - name: app\n"                       // 15
            + "      image: busybox\n"                  // 16
            + "      colour: blue\n"                    // 17
            + "      volumeMounts: []\n";               // 18

    @Test
    void theHonestReportListsEveryIgnoredAndUnknownField() {
        ManifestSet set = ManifestParser.parse("web.yaml", HONEST);
        assertThat(set.pods()).hasSize(1);
        assertThat(set.report().errors()).isEmpty();
        assertThat(set.report().warnings()).extracting(Report.Entry::format).containsExactly(
                "web.yaml:6:3: spec.nodeSelector: ignored (no scheduling on a single node)",
                "web.yaml:8:3: spec.tolerations: ignored (no scheduling on a single node)",
                "web.yaml:9:3: spec.serviceAccountName: ignored (no API server)",
                "web.yaml:10:3: spec.imagePullSecrets: ignored (use `podlab login`)",
                "web.yaml:12:3: spec.enableServiceLinks: ignored (no Services)",
                "web.yaml:13:3: spec.flavour: unknown field",
                "web.yaml:17:7: spec.containers[0].colour: unknown field");
    }

    @Test
    void strictModeTurnsWarningsIntoErrors() {
        assertThatThrownBy(() -> ManifestParser.parse("web.yaml", HONEST, true))
                .isInstanceOfSatisfying(ManifestException.class, e -> {
                    assertThat(e.report().strict()).isTrue();
                    assertThat(e.report().errors()).hasSize(7)
                            .allMatch(x -> x.severity() == Report.Severity.ERROR);
                    assertThat(e.report().warnings()).isEmpty();
                    assertThat(e.getMessage()).startsWith("failed to load pod manifest web.yaml: 7 errors\n"
                            + "web.yaml:6:3: spec.nodeSelector: ignored (no scheduling on a single node)\n");
                });
        // Without warnings strict mode changes nothing.
        assertThat(ManifestParser.parse("ok.yaml", POD_HEAD + ONE_CONTAINER, true).pods()).hasSize(1);
    }

    @Test
    void reportsAllIgnoredPodFieldsWithTheirReasons() {
        String yaml = POD_HEAD + ONE_CONTAINER + """
                  affinity: {}
                  nodeName: node1
                  priorityClassName: high
                  priority: 10
                  schedulerName: other
                  automountServiceAccountToken: false
                  topologySpreadConstraints: []
                  preemptionPolicy: Never
                  overhead: {cpu: 1}
                  readinessGates: []
                  ephemeralContainers: []
                  os: {name: linux}
                  setHostnameAsFQDN: true
                status:
                  phase: Running
                """;
        ManifestSet set = ManifestParser.parse("p.yaml", yaml);
        assertThat(set.report().warnings()).extracting(e -> e.path() + ": " + e.message()).containsExactly(
                "spec.affinity: ignored (no scheduling on a single node)",
                "spec.nodeName: ignored (no scheduling on a single node)",
                "spec.priorityClassName: ignored (no scheduling on a single node)",
                "spec.priority: ignored (no scheduling on a single node)",
                "spec.schedulerName: ignored (no scheduling on a single node)",
                "spec.automountServiceAccountToken: ignored (no API server)",
                "spec.topologySpreadConstraints: ignored (no scheduling on a single node)",
                "spec.preemptionPolicy: ignored (no scheduling on a single node)",
                "spec.overhead: ignored (no runtime class overhead accounting)",
                "spec.readinessGates: ignored (no controllers set pod conditions)",
                "spec.ephemeralContainers: ignored (added by kubectl debug, not by manifests)",
                "spec.os: ignored (podlab runs Linux pods only)",
                "spec.setHostnameAsFQDN: ignored (no cluster domain)",
                "status: ignored (status is reported by podlab, not read)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"})
    void workloadTemplatesBecomeOnePodNamedAfterTheWorkload(String kind) {
        String api = kind.equals("Job") ? "batch/v1" : "apps/v1";
        String restart = kind.equals("Job") ? "Never" : "Always";
        String yaml = "apiVersion: " + api + "\nkind: " + kind + "\nmetadata:\n  name: web\n  namespace: demo\n"
                + "spec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n"
                + "    metadata:\n      labels: {app: web}\n      annotations: {note: hi}\n"
                + "    spec:\n      restartPolicy: " + restart + "\n      containers:\n"
                + "        - name: web\n          image: busybox:1.36\n";
        ManifestSet set = ManifestParser.parse("w.yaml", yaml);
        PodManifest pod = set.pods().get(0);
        assertThat(pod.sourceKind()).isEqualTo(kind);
        assertThat(pod.metadata()).isEqualTo(new ObjectMeta("web", "demo", java.util.Map.of("app", "web"),
                java.util.Map.of("note", "hi")));
        assertThat(pod.spec().containers().get(0).imagePullPolicy()).isEqualTo(Container.PullPolicy.IF_NOT_PRESENT);
        assertThat(set.report().notes()).extracting(Report.Entry::format)
                .containsExactly("w.yaml:10:3: spec.template: " + kind + " web: its pod template runs once "
                        + "(podlab runs no controllers)");
        assertThat(set.report().warnings()).extracting(Report.Entry::format).containsExactly(
                "w.yaml:7:3: spec.replicas: ignored (podlab runs no controllers)",
                "w.yaml:8:3: spec.selector: ignored (podlab runs no controllers)");
    }

    @Test
    void workloadsNeedTheirApiGroup() {
        String yaml = "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
                + "      containers:\n        - name: web\n          image: busybox\n";
        assertThatThrownBy(() -> ManifestParser.parse("d.yaml", yaml)).isInstanceOfSatisfying(ManifestException.class,
                e -> assertThat(e.report().errors()).extracting(Report.Entry::format).containsExactly(
                        "d.yaml:1:13: apiVersion: unsupported value \"v1\": kind Deployment is in apiVersion \"apps/v1\""));
    }

    @Test
    void listsUnknownKindsAndEmptyDocuments() {
        String yaml = """
                ---
                # only a comment
                ---
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: Service
                    metadata: {name: web}
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: conf}
                    data: {mode: fast}
                  - apiVersion: v1
                    kind: Pod
                    metadata: {name: one}
                    spec:
                      containers: [{name: a, image: busybox}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: two}
                spec:
                  containers: [{name: a, image: busybox}]
                """;
        ManifestSet set = ManifestParser.parse("-", yaml);
        assertThat(set.source()).isEqualTo("<stdin>");
        assertThat(set.pods()).extracting(PodManifest::name).containsExactly("one", "two");
        assertThat(set.configMaps()).extracting(c -> c.data().get("mode")).containsExactly("fast");
        assertThat(set.report().warnings()).extracting(Report.Entry::format).containsExactly(
                "<stdin>:8:11: items[0].kind: kind Service is not supported by podlab: skipped");
    }

    @Test
    void configMapsAndSecretsAreDecoded() {
        String yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: conf}
                data:
                  greeting: hello
                binaryData:
                  blob: AAEC/w==
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds}
                type: kubernetes.io/basic-auth
                data:
                  username: YWRtaW4=
                  password: |
                    c2VjcmV0LXRoYXQt
                    aXMtbG9uZw==
                stringData:
                  username: root
                """;
        ManifestSet set = ManifestParser.parse("c.yaml", yaml);
        ConfigMapManifest cm = set.configMap("default", "conf").orElseThrow();
        assertThat(cm.get("greeting")).isEqualTo(Bytes.utf8("hello"));
        assertThat(cm.binaryData().get("blob").value()).containsExactly(0, 1, 2, 0xff);
        SecretManifest s = set.secret("default", "creds").orElseThrow();
        assertThat(s.type()).isEqualTo("kubernetes.io/basic-auth");
        assertThat(s.data().get("username").asString()).isEqualTo("root"); // stringData wins
        assertThat(s.data().get("password").asString()).isEqualTo("secret-that-is-long");
        assertThat(s.data().get("password").toString()).doesNotContain("secret");
        assertThat(set.pods()).isEmpty();
    }

    @Test
    void volumesOfEveryKind() {
        String yaml = POD_HEAD + """
                  volumes:
                    - name: mem
                      emptyDir: {medium: Memory, sizeLimit: 64Mi}
                    - name: host
                      hostPath: {path: /var/log, type: DirectoryOrCreate}
                    - name: conf
                      configMap:
                        name: conf
                        defaultMode: 0400
                        items: [{key: mode, path: conf/mode, mode: 0600}]
                    - name: creds
                      secret: {secretName: creds, optional: true}
                    - name: info
                      downwardAPI:
                        items:
                          - path: labels
                            fieldRef: {fieldPath: metadata.labels}
                          - path: mem
                            resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}
                    - name: all
                      projected:
                        sources:
                          - configMap: {name: conf}
                          - serviceAccountToken: {path: token}
                          - downwardAPI:
                              items: [{path: name, fieldRef: {fieldPath: metadata.name}}]
                """ + ONE_CONTAINER + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: conf}
                data: {mode: fast}
                """;
        ManifestSet set = ManifestParser.parse("v.yaml", yaml);
        List<Volume> v = set.pods().get(0).spec().volumes();
        assertThat(v.get(0).source()).isEqualTo(new Volume.EmptyDir(Volume.Medium.MEMORY,
                Optional.of(Quantity.parse("64Mi"))));
        assertThat(v.get(1).source()).isEqualTo(new Volume.HostPath("/var/log", Volume.HostPathType.DIRECTORY_OR_CREATE));
        assertThat(v.get(2).source()).isEqualTo(new Volume.ConfigMapVolume("conf",
                List.of(new Volume.KeyToPath("mode", "conf/mode", OptionalInt.of(0600))), 0400, false));
        assertThat(v.get(3).source()).isEqualTo(new Volume.SecretVolume("creds", List.of(), 0644, true));
        assertThat(v.get(4).source()).isEqualTo(new Volume.DownwardApi(List.of(
                new Volume.DownwardApiItem("labels", new EnvSource.FieldRef("v1", "metadata.labels"), OptionalInt.empty()),
                new Volume.DownwardApiItem("mem", new EnvSource.ResourceFieldRef("app", "limits.memory",
                        Quantity.parse("1Mi")), OptionalInt.empty())), 0644));
        assertThat(v.get(5).source()).isEqualTo(new Volume.Projected(List.of(
                new Volume.ConfigMapProjection("conf", List.of(), false),
                new Volume.DownwardApiProjection(List.of(new Volume.DownwardApiItem("name",
                        new EnvSource.FieldRef("v1", "metadata.name"), OptionalInt.empty())))), 0644));
        assertThat(set.report().warnings()).extracting(Report.Entry::format).containsExactly(
                "v.yaml:29:13: spec.volumes[5].projected.sources[1].serviceAccountToken: ignored (no API server)");
    }

    @Test
    void securityDnsAndHooks() {
        String yaml = POD_HEAD + """
                  hostname: box
                  subdomain: lab
                  hostAliases: [{ip: 127.0.0.2, hostnames: [db.local, cache.local]}]
                  dnsPolicy: None
                  dnsConfig:
                    nameservers: [10.0.0.10, "::1"]
                    searches: [lab.local]
                    options: [{name: ndots, value: "2"}, {name: edns0}]
                  shareProcessNamespace: true
                  activeDeadlineSeconds: 600
                  terminationGracePeriodSeconds: 5
                  runtimeClassName: kvm
                  securityContext:
                    runAsUser: 1000
                    runAsGroup: 1000
                    runAsNonRoot: true
                    fsGroup: 2000
                    supplementalGroups: [3000]
                    sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65000"}]
                    seccompProfile: {type: RuntimeDefault}
                  containers:
                    - name: app
                      image: busybox
                      stdin: true
                      tty: true
                      terminationMessagePolicy: FallbackToLogsOnError
                      securityContext:
                        readOnlyRootFilesystem: true
                        allowPrivilegeEscalation: false
                        capabilities: {add: [NET_ADMIN], drop: [ALL]}
                        seccompProfile: {type: Localhost, localhostProfile: profiles/app.json}
                      lifecycle:
                        postStart:
                          exec: {command: [sh, -c, "echo up"]}
                        preStop:
                          sleep: {seconds: 5}
                      startupProbe:
                        tcpSocket: {port: 8080}
                        failureThreshold: 30
                """;
        ManifestSet set = ManifestParser.parse("s.yaml", yaml);
        PodSpec spec = set.pods().get(0).spec();
        assertThat(spec.hostAliases()).containsExactly(new PodSpec.HostAlias("127.0.0.2", List.of("db.local", "cache.local")));
        assertThat(spec.dnsConfig()).hasValue(new PodSpec.DnsConfig(List.of("10.0.0.10", "::1"), List.of("lab.local"),
                List.of(new PodSpec.DnsOption("ndots", "2"), new PodSpec.DnsOption("edns0", ""))));
        assertThat(spec.activeDeadlineSeconds()).isEqualTo(OptionalLong.of(600));
        assertThat(spec.terminationGracePeriodSeconds()).isEqualTo(5);
        assertThat(spec.runtimeClassName()).isEqualTo("kvm");
        assertThat(spec.securityContext().sysctls()).containsExactly(
                new PodSpec.Sysctl("net.ipv4.ip_local_port_range", "1024 65000"));
        assertThat(spec.securityContext().supplementalGroups()).containsExactly(3000L);
        Container c = spec.containers().get(0);
        assertThat(c.securityContext().capabilities()).isEqualTo(new Container.Capabilities(List.of("NET_ADMIN"),
                List.of("ALL")));
        assertThat(c.securityContext().seccompProfile()).hasValue(new PodSpec.SeccompProfile(
                PodSpec.SeccompProfile.Type.LOCALHOST, "profiles/app.json"));
        assertThat(c.lifecycle().preStop()).hasValue(new Handler.Sleep(5));
        assertThat(c.startupProbe().orElseThrow().failureThreshold()).isEqualTo(30);
        assertThat(c.terminationMessagePolicy()).isEqualTo(Container.TerminationMessagePolicy.FALLBACK_TO_LOGS_ON_ERROR);
        assertThat(set.report().entries()).isEmpty();
    }

    @Test
    void aSyntaxErrorIsOneLocatedError() {
        assertThatThrownBy(() -> ManifestParser.parse("bad.yaml", "a: [1, 2\nb: c\n"))
                .isInstanceOfSatisfying(ManifestException.class, e -> assertThat(e.report().errors())
                        .singleElement().satisfies(x -> {
                            assertThat(x.location().line()).isEqualTo(2);
                            assertThat(x.path()).isEmpty();
                            assertThat(x.message()).startsWith("invalid YAML: ");
                        }));
    }

    @Test
    void aDocumentThatIsNotAnObjectIsAnError() {
        assertThatThrownBy(() -> ManifestParser.parse("x.yaml", "- a\n- b\n")).hasMessageContaining(
                "x.yaml:1:1: expected a Kubernetes object");
    }

    @Test
    void referencesLookInTheirOwnNamespace() {
        String yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: conf, namespace: other}
                data: {mode: fast}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: p}
                spec:
                  containers:
                    - name: app
                      image: busybox
                      envFrom: [{configMapRef: {name: conf}}]
                """;
        assertThatThrownBy(() -> ManifestParser.parse("n.yaml", yaml)).hasMessageContaining(
                "n.yaml:13:39: spec.containers[0].envFrom[0].configMapRef.name: ConfigMap \"conf\" not found");
    }

    @Test
    void parseFileReadsAFileAndNamesItAsGiven(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("hello.yaml");
        Files.writeString(f, POD_HEAD + ONE_CONTAINER, StandardCharsets.UTF_8);
        ManifestSet set = ManifestParser.parseFile(f.toString(), false);
        assertThat(set.source()).isEqualTo(f.toString());
        assertThat(set.pods()).hasSize(1);
        assertThatThrownBy(() -> ManifestParser.parseFile(tmp.resolve("missing.yaml").toString(), false))
                .isInstanceOf(PodlabException.class).hasMessageStartingWith("failed to read pod manifest ");
    }
}
