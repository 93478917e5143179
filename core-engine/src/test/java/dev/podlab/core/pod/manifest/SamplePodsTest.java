package dev.podlab.core.pod.manifest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo manifests of {@code sample-pods/pods} (read from the core-engine module directory). */
class SamplePodsTest {
    private static final Path DIR = Path.of("../sample-pods/pods");
    private static final String IMAGE = "localhost/podlab/busybox:latest";

    private static ManifestSet parse(String file) throws IOException {
        return ManifestParser.parse(file, Files.readString(DIR.resolve(file)), true);
    }

    @Test
    void everySampleIsDocumentedAndParsesCleanlyInStrictMode() throws IOException {
        String readme = Files.readString(DIR.resolve("README.md"));
        try (var files = Files.list(DIR)) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertThat(yamls).hasSizeGreaterThanOrEqualTo(5);
            for (Path p : yamls) {
                ManifestSet set = parse(p.getFileName().toString());
                assertThat(set.report().entries()).as(p.toString()).isEmpty();
                assertThat(readme).contains("`" + p.getFileName() + "`");
                set.pods().forEach(pod -> pod.spec().allContainers()
                        .forEach(c -> assertThat(c.image()).isEqualTo(IMAGE)));
            }
        }
    }

    @Test
    void hello() throws IOException {
        ManifestSet set = parse("hello.yaml");
        PodManifest pod = set.pods().get(0);
        assertThat(pod.name()).isEqualTo("hello");
        assertThat(pod.metadata().namespace()).isEqualTo("default");
        assertThat(pod.metadata().labels()).containsEntry("app", "hello");
        assertThat(pod.spec().restartPolicy()).isEqualTo(PodSpec.RestartPolicy.NEVER);
        Container c = pod.spec().containers().get(0);
        assertThat(c.command()).containsExactly("echo", "hello from podlab");
        assertThat(c.imagePullPolicy()).isEqualTo(Container.PullPolicy.ALWAYS);
        assertThat(c.terminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(pod.spec().terminationGracePeriodSeconds()).isEqualTo(30);
        assertThat(pod.spec().dnsPolicy()).isEqualTo(PodSpec.DnsPolicy.CLUSTER_FIRST);
        assertThat(pod.qosClass()).isEqualTo(QosClass.BEST_EFFORT);
    }

    @Test
    void web() throws IOException {
        ManifestSet set = parse("web.yaml");
        assertThat(set.configMaps()).singleElement().satisfies(cm -> {
            assertThat(cm.metadata().name()).isEqualTo("web-page");
            assertThat(cm.data().get("index.html")).startsWith("<html>").endsWith("</html>\n");
        });
        PodManifest pod = set.pod("web").orElseThrow();
        assertThat(pod.spec().volumes()).extracting(Volume::name).containsExactly("page", "shared");
        assertThat(pod.spec().volumes().get(0).source())
                .isEqualTo(new Volume.ConfigMapVolume("web-page", List.of(), 0644, false));
        assertThat(pod.spec().volumes().get(1).source())
                .isEqualTo(new Volume.EmptyDir(Volume.Medium.DISK, Optional.empty()));
        Container httpd = pod.spec().containers().get(0);
        assertThat(httpd.ports()).containsExactly(new Container.Port("http", 8080, 18080, "", Container.Protocol.TCP));
        assertThat(httpd.volumeMounts()).containsExactly(new Container.VolumeMount("page", "/www", true, ""),
                new Container.VolumeMount("shared", "/www/status", true, ""));
        Probe readiness = httpd.readinessProbe().orElseThrow();
        assertThat(readiness.handler()).isEqualTo(new Handler.HttpGet("/status/now.txt", Handler.PortRef.named("http"),
                "", "HTTP", List.of()));
        assertThat(((Handler.HttpGet) readiness.handler()).port().resolve(httpd)).hasValue(8080);
        assertThat(readiness.periodSeconds()).isEqualTo(5);
        assertThat(readiness.timeoutSeconds()).isEqualTo(1);
        assertThat(readiness.failureThreshold()).isEqualTo(3);
        Probe liveness = httpd.livenessProbe().orElseThrow();
        assertThat(liveness.handler()).isEqualTo(new Handler.HttpGet("/index.html", Handler.PortRef.of(8080), "",
                "HTTP", List.of()));
        assertThat(liveness.initialDelaySeconds()).isEqualTo(2);
        assertThat(httpd.resources().cpuLimitMillis()).isEqualTo(OptionalLong.of(100));
        Container clock = pod.spec().containers().get(1);
        assertThat(clock.name()).isEqualTo("clock");
        assertThat(clock.volumeMounts()).containsExactly(new Container.VolumeMount("shared", "/status", false, ""));
        assertThat(pod.qosClass()).isEqualTo(QosClass.GUARANTEED);
    }

    @Test
    void initContainersRunInOrder() throws IOException {
        PodManifest pod = parse("init.yaml").pods().get(0);
        assertThat(pod.spec().initContainers()).extracting(Container::name).containsExactly("fetch", "prepare");
        assertThat(pod.spec().containers()).extracting(Container::name).containsExactly("app");
        assertThat(pod.spec().restartPolicy()).isEqualTo(PodSpec.RestartPolicy.ON_FAILURE);
    }

    @Test
    void limits() throws IOException {
        ManifestSet set = parse("limits.yaml");
        assertThat(set.pods()).extracting(PodManifest::name).containsExactly("mem-hog", "cpu-spinner");
        Container hog = set.pod("mem-hog").orElseThrow().spec().containers().get(0);
        assertThat(hog.resources().memoryLimitBytes()).hasValue(32L * 1024 * 1024);
        assertThat(set.pod("mem-hog").orElseThrow().qosClass()).isEqualTo(QosClass.GUARANTEED);
        Container spin = set.pod("cpu-spinner").orElseThrow().spec().containers().get(0);
        assertThat(spin.resources().cpuLimitMillis()).hasValue(200);
        assertThat(spin.resources().cpuRequestMillis()).hasValue(100);
        assertThat(spin.resources().memoryRequestBytes()).hasValue(16L * 1024 * 1024);
        assertThat(set.pod("cpu-spinner").orElseThrow().qosClass()).isEqualTo(QosClass.BURSTABLE);
    }

    @Test
    void crashloop() throws IOException {
        PodManifest pod = parse("crashloop.yaml").pods().get(0);
        assertThat(pod.spec().restartPolicy()).isEqualTo(PodSpec.RestartPolicy.ALWAYS);
        assertThat(pod.spec().containers().get(0).command().get(2)).endsWith("exit 1");
    }

    @Test
    void oneSamplePerOtherRuntimeClass() throws IOException {
        PodManifest runc = parse("runc.yaml").pods().get(0);
        assertThat(runc.spec().runtimeClassName()).isEqualTo("runc");
        PodManifest kvm = parse("kvm.yaml").pods().get(0);
        assertThat(kvm.spec().runtimeClassName()).isEqualTo("kvm");
        assertThat(kvm.spec().containers()).extracting(c -> c.name()).containsExactly("kernel", "web");
    }
}
