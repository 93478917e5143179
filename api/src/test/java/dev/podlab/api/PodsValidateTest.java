package dev.podlab.api;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.ListPodsRequest;
import dev.podlab.api.v1.ReportEntry;
import dev.podlab.api.v1.ValidateRequest;
import dev.podlab.api.v1.ValidateResponse;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Pods.Validate: the engine's manifest check without running anything, every problem at its line. */
@Tag("root")
class PodsValidateTest {
    private static TestEngine te;
    private static EngineService service;
    private static PodlabClient client;

    @BeforeAll
    static void start() throws Exception {
        te = TestEngine.open();
        service = EngineService.start(te.serviceSettings(), te.cgroups);
        client = PodlabClient.connect(service.socket());
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (service != null) {
            service.close();
        }
        if (te != null) {
            te.close();
        }
    }

    private static ValidateResponse validate(String yaml) {
        return client.pods().validate(ValidateRequest.newBuilder().setSource("w.yaml").setManifest(yaml).build());
    }

    @Test
    void errorsComeBackAsEntriesWithTheirLineAndNothingRuns() {
        ValidateResponse r = validate("""
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  restartPolicy: Sometimes
                  containers:
                  - name: app
                    image: busybox
                """);
        assertThat(r.getValid()).isFalse();
        ReportEntry e = r.getReportList().stream().filter(x -> x.getSeverity().equals("ERROR")).findFirst().orElseThrow();
        assertThat(e.getLine()).isEqualTo(5);
        assertThat(e.getColumn()).isGreaterThan(0);
        assertThat(e.getLocation()).isEqualTo("w.yaml:" + e.getLine() + ":" + e.getColumn());
        assertThat(e.getMessage()).contains("Sometimes");
        assertThat(client.pods().list(ListPodsRequest.getDefaultInstance()).getPodsList()).isEmpty();
    }

    @Test
    void aValidManifestNamesItsPodsAndAnEmptyOneSaysItHoldsNone() {
        ValidateResponse ok = validate("""
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: team}
                spec:
                  containers:
                  - name: app
                    image: busybox
                """);
        assertThat(ok.getValid()).isTrue();
        assertThat(ok.getPodsList()).containsExactly("team/web");
        assertThat(client.pods().list(ListPodsRequest.getDefaultInstance()).getPodsList()).isEmpty();

        ValidateResponse none = validate("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        assertThat(none.getValid()).isFalse();
        assertThat(none.getReportList()).anyMatch(x -> x.getSeverity().equals("ERROR") && x.getLine() == 1
                && x.getMessage().contains("no Pod"));

        ValidateResponse broken = validate("kind: Pod\n  bad: [\n");
        assertThat(broken.getValid()).isFalse();
        assertThat(broken.getReportList()).anyMatch(x -> x.getSeverity().equals("ERROR") && x.getLine() >= 1);
    }
}
