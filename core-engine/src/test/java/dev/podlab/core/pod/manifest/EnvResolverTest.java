package dev.podlab.core.pod.manifest;

import dev.podlab.core.PodlabException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvResolverTest {
    private static final String FILE = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data:
              MODE: fast
              LEVEL: "3"
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            stringData:
              PASSWORD: hunter2
              USER: admin
              1ST: skipped because not a variable name
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              containers:
                - name: app
                  image: busybox
                  envFrom:
                    - configMapRef: {name: settings}
                      prefix: CFG_
                    - secretRef: {name: creds}
                    - configMapRef: {name: absent, optional: true}
                  env:
                    - name: USER
                      value: override
                    - name: GREETING
                      value: "hello $(USER) at level $(CFG_LEVEL), $$(USER) is literal, $(UNKNOWN) stays"
                    - name: DB_MODE
                      valueFrom:
                        configMapKeyRef: {name: settings, key: MODE}
                    - name: DB_PASSWORD
                      valueFrom:
                        secretKeyRef: {name: creds, key: PASSWORD}
                    - name: MAYBE
                      valueFrom:
                        secretKeyRef: {name: creds, key: NOPE, optional: true}
                    - name: POD_IP
                      valueFrom:
                        fieldRef: {fieldPath: status.podIP}
                    - name: MEM_MB
                      valueFrom:
                        resourceFieldRef: {resource: limits.memory, divisor: 1Mi}
                    - name: EMPTY
            """;

    @Test
    void resolvesAgainstTheObjectsOfTheFile() {
        ManifestSet set = ManifestParser.parse("env.yaml", FILE);
        PodManifest pod = set.pods().get(0);
        List<EnvResolver.ResolvedEnv> env = EnvResolver.resolve(set, pod, pod.spec().containers().get(0));
        assertThat(env).containsExactly(
                literal("CFG_MODE", "fast"),
                literal("CFG_LEVEL", "3"),
                literal("PASSWORD", "hunter2"),
                literal("USER", "override"),
                literal("GREETING", "hello override at level 3, $(USER) is literal, $(UNKNOWN) stays"),
                literal("DB_MODE", "fast"),
                literal("DB_PASSWORD", "hunter2"),
                new EnvResolver.ResolvedEnv("POD_IP", new EnvSource.FieldRef("v1", "status.podIP")),
                new EnvResolver.ResolvedEnv("MEM_MB", new EnvSource.ResourceFieldRef("app", "limits.memory",
                        Quantity.parse("1Mi"))),
                literal("EMPTY", ""));
        assertThat(env.get(7).literal()).isEmpty();
    }

    @Test
    void aSetWithoutTheReferencedObjectIsRefused() {
        ManifestSet full = ManifestParser.parse("env.yaml", FILE);
        ManifestSet withoutSecret = new ManifestSet("env.yaml", full.pods(), full.configMaps(), List.of(),
                full.report());
        PodManifest pod = full.pods().get(0);
        assertThatThrownBy(() -> EnvResolver.resolve(withoutSecret, pod, pod.spec().containers().get(0)))
                .isInstanceOf(PodlabException.class)
                .hasMessage("failed to resolve the environment of container app: Secret creds not found");
    }

    @Test
    void expandFollowsKubernetesRules() {
        Map<String, String> vars = Map.of("A", "1", "B", "two");
        assertThat(EnvResolver.expand("$(A)-$(B)", vars)).isEqualTo("1-two");
        assertThat(EnvResolver.expand("$$(A)", vars)).isEqualTo("$(A)");
        assertThat(EnvResolver.expand("$(C) $A $", vars)).isEqualTo("$(C) $A $");
        assertThat(EnvResolver.expand("$(A", vars)).isEqualTo("$(A");
        assertThat(EnvResolver.expand("$$$(A)", vars)).isEqualTo("$1");
    }

    private static EnvResolver.ResolvedEnv literal(String name, String value) {
        return new EnvResolver.ResolvedEnv(name, new EnvSource.Literal(value));
    }
}
