package dev.podlab.core.pod.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** QoS classes and pull policy defaults, computed from parsed manifests as Kubernetes would. */
class PodManifestTest {
    private static PodManifest pod(String containers) {
        String yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + containers;
        return ManifestParser.parse("p.yaml", yaml).pods().get(0);
    }

    private static String container(String name, String resources) {
        return "    - name: " + name + "\n      image: busybox\n"
                + (resources.isEmpty() ? "" : "      resources:\n" + resources);
    }

    @Test
    void noRequestsOrLimitsIsBestEffort() {
        assertThat(pod("  containers:\n" + container("a", "") + container("b", "")).qosClass())
                .isEqualTo(QosClass.BEST_EFFORT);
    }

    @Test
    void limitsOnlyForCpuAndMemoryIsGuaranteedBecauseRequestsDefaultToLimits() {
        PodManifest p = pod("  containers:\n" + container("a", "        limits: {cpu: 200m, memory: 32Mi}\n"));
        assertThat(p.qosClass()).isEqualTo(QosClass.GUARANTEED);
        assertThat(p.qosClass().kubernetesName()).isEqualTo("Guaranteed");
        Container.Resources r = p.spec().containers().get(0).resources();
        assertThat(r.cpuRequestMillis()).hasValue(200);
        assertThat(r.memoryRequestBytes()).hasValue(32L << 20);
    }

    @Test
    void requestsBelowLimitsIsBurstable() {
        PodManifest p = pod("  containers:\n" + container("a",
                "        requests: {cpu: 100m, memory: 32Mi}\n        limits: {cpu: 200m, memory: 32Mi}\n"));
        assertThat(p.qosClass()).isEqualTo(QosClass.BURSTABLE);
    }

    @Test
    void oneContainerWithoutLimitsMakesTheWholePodBurstable() {
        PodManifest p = pod("  containers:\n" + container("a", "        limits: {cpu: 1, memory: 1Gi}\n")
                + container("b", ""));
        assertThat(p.qosClass()).isEqualTo(QosClass.BURSTABLE);
    }

    @Test
    void initContainersCountToo() {
        PodManifest p = pod("  initContainers:\n" + container("init", "        requests: {memory: 8Mi}\n")
                + "  containers:\n" + container("a", "        limits: {cpu: 1, memory: 1Gi}\n"));
        assertThat(p.qosClass()).isEqualTo(QosClass.BURSTABLE);
    }

    @Test
    void onlyAMemoryLimitIsBurstable() {
        assertThat(pod("  containers:\n" + container("a", "        limits: {memory: 64Mi}\n")).qosClass())
                .isEqualTo(QosClass.BURSTABLE);
    }

    @Test
    void otherResourcesDoNotCountAndAreReportedNotEnforced() {
        String yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                + container("a", "        limits:\n          ephemeral-storage: 1Gi\n          hugepages-2Mi: 4Mi\n");
        ManifestSet set = ManifestParser.parse("p.yaml", yaml);
        assertThat(set.pods().get(0).qosClass()).isEqualTo(QosClass.BEST_EFFORT);
        assertThat(set.pods().get(0).spec().containers().get(0).resources().notEnforced())
                .containsEntry("limits.ephemeral-storage", "1Gi").containsEntry("limits.hugepages-2Mi", "4Mi");
        assertThat(set.report().warnings()).extracting(Report.Entry::format).containsExactly(
                "p.yaml:11:11: spec.containers[0].resources.limits.ephemeral-storage: not enforced (podlab enforces cpu and memory only)",
                "p.yaml:12:11: spec.containers[0].resources.limits.hugepages-2Mi: not enforced (podlab enforces cpu and memory only)");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "busybox, ALWAYS", "busybox:latest, ALWAYS", "busybox:1.36, IF_NOT_PRESENT",
            "localhost:5000/busybox, ALWAYS", "localhost:5000/busybox:latest, ALWAYS",
            "localhost:5000/busybox:v1, IF_NOT_PRESENT", "localhost/podlab/busybox:latest, ALWAYS",
            "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, IF_NOT_PRESENT",
            "busybox:1.36@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, IF_NOT_PRESENT"})
    void pullPolicyDefaultsAsKubernetes(String image, Container.PullPolicy expected) {
        assertThat(Container.PullPolicy.defaultFor(image)).isEqualTo(expected);
        PodManifest p = pod("  containers:\n    - name: a\n      image: \"" + image + "\"\n");
        assertThat(p.spec().containers().get(0).imagePullPolicy()).isEqualTo(expected);
    }

    @Test
    void anExplicitPullPolicyWins() {
        PodManifest p = pod("  containers:\n    - name: a\n      image: busybox\n      imagePullPolicy: Never\n");
        assertThat(p.spec().containers().get(0).imagePullPolicy()).isEqualTo(Container.PullPolicy.NEVER);
    }
}
