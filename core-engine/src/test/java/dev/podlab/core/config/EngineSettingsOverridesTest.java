package dev.podlab.core.config;

import dev.podlab.core.config.EngineSettings.Overrides;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineSettingsOverridesTest {
    private static final EngineSettings FILE = EngineSettingsLoader.parse("""
            stateRoot: /srv/podlab
            defaultRuntime: builtin
            runtimeClasses:
              runc: {handler: runc}
            registries:
              insecure: [registry.lan]
              mirrors:
                docker.io: [http://127.0.0.1:5000]
                quay.io: [http://127.0.0.1:5001]
            """, "test.yaml");

    @Test
    void noOverridesChangeNothing() {
        assertThat(FILE.withOverrides(Overrides.none())).isEqualTo(FILE);
        assertThat(EngineSettings.defaults().withOverrides(Overrides.none())).isEqualTo(EngineSettings.defaults());
    }

    @Test
    void flagsWinOverTheFile() {
        EngineSettings s = FILE.withOverrides(Overrides.builder()
                .stateRoot(Path.of("/tmp/podlab-root"))
                .runRoot(Path.of("/tmp/podlab-run"))
                .socket(Path.of("/tmp/podlab-run/api.sock"))
                .criEnabled(true)
                .criSocket(Path.of("/tmp/podlab-run/cri.sock"))
                .defaultRuntime("runc")
                .cgroupParent("test.slice/podlab")
                .parallelDownloads(8)
                .metricsInterval("1s")
                .metricsHistory("2m")
                .build());
        assertThat(s.stateRoot()).isEqualTo(Path.of("/tmp/podlab-root"));
        assertThat(s.runRoot()).isEqualTo(Path.of("/tmp/podlab-run"));
        assertThat(s.socket()).isEqualTo(Path.of("/tmp/podlab-run/api.sock"));
        assertThat(s.cri()).isEqualTo(new EngineSettings.Cri(true, Path.of("/tmp/podlab-run/cri.sock")));
        assertThat(s.defaultRuntime()).isEqualTo("runc");
        assertThat(s.cgroupParent()).isEqualTo("test.slice/podlab");
        assertThat(s.registries().parallelDownloads()).isEqualTo(8);
        assertThat(s.metrics()).isEqualTo(new EngineSettings.Metrics(Duration.ofSeconds(1), Duration.ofMinutes(2)));
        // Untouched keys stay as the file had them.
        assertThat(s.runtimeClasses()).isEqualTo(FILE.runtimeClasses());
        assertThat(s.cni()).isEqualTo(FILE.cni());
        assertThat(s.registries().insecure()).containsExactly("registry.lan");
    }

    @Test
    void onlyTheRootCanBeOverridden() {
        EngineSettings s = FILE.withOverrides(Overrides.builder().stateRoot(Path.of("/other")).build());
        assertThat(s.stateRoot()).isEqualTo(Path.of("/other"));
        assertThat(s).isEqualTo(new EngineSettings(Path.of("/other"), FILE.runRoot(), FILE.socket(), FILE.cri(),
                FILE.defaultRuntime(), FILE.runtimeClasses(), FILE.registries(), FILE.cni(), FILE.metrics(),
                FILE.cgroupParent()));
    }

    @Test
    void relativeOverridePathsResolveAgainstTheWorkingDirectory() {
        EngineSettings s = FILE.withOverrides(Overrides.builder().stateRoot(Path.of("state/../root")).build());
        assertThat(s.stateRoot()).isEqualTo(Path.of("").toAbsolutePath().resolve("root"));
    }

    @Test
    void flagMirrorsReplaceTheFilesMirrorsOfThatRegistryAndInsecureHostsAdd() {
        EngineSettings s = FILE.withOverrides(Overrides.builder()
                .mirror("docker.io", "http://127.0.0.1:6000")
                .mirror("docker.io", "http://127.0.0.1:6001/")
                .mirror("ghcr.io", "https://ghcr-mirror.lan")
                .insecure("other.lan:5000")
                .build());
        var c = s.registryConfig();
        assertThat(c.mirrors("docker.io")).containsExactly(URI.create("http://127.0.0.1:6000"),
                URI.create("http://127.0.0.1:6001"));
        assertThat(c.mirrors("quay.io")).containsExactly(URI.create("http://127.0.0.1:5001"));
        assertThat(c.mirrors("ghcr.io")).containsExactly(URI.create("https://ghcr-mirror.lan"));
        assertThat(c.isInsecure("registry.lan")).isTrue();
        assertThat(c.isInsecure("other.lan:5000")).isTrue();
    }

    @Test
    void badOverridesNameTheKey() {
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder().defaultRuntime("kata").build()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("failed to apply overrides: defaultRuntime: unknown runtime class \"kata\" (known: builtin, runc)");
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder().mirror("docker.io", "ftp://x").build()))
                .hasMessage("failed to apply overrides: registries.mirrors[\"docker.io\"]: expected an http:// or "
                        + "https:// URL with a host, got \"ftp://x\"");
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder().insecure("a.lan").insecure("bad host").build()))
                .hasMessage("failed to apply overrides: registries.insecure[1]: expected a registry name host[:port] "
                        + "such as docker.io or localhost:5000, got \"bad host\"");
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder().parallelDownloads(0).build()))
                .hasMessage("failed to apply overrides: registries.parallelDownloads: expected a positive integer, got 0");
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder().metricsInterval("fast").build()))
                .hasMessage("failed to apply overrides: metrics.interval: expected a duration such as 500ms, 2s, 10m "
                        + "or 1h, got \"fast\"");
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder().metricsHistory("500ms").build()))
                .hasMessage("failed to apply overrides: metrics.history: must be at least metrics.interval (1s), got 500ms");
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder().cgroupParent("../x").build()))
                .hasMessageStartingWith("failed to apply overrides: cgroupParent: expected a relative cgroup path");
        assertThatThrownBy(() -> FILE.withOverrides(Overrides.builder()
                .socket(Path.of("/run/" + "y".repeat(120))).build()))
                .hasMessage("failed to apply overrides: socket: a unix socket path must be at most 107 bytes, got 125");
    }
}
