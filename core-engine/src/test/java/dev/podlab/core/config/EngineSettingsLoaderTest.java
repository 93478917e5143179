package dev.podlab.core.config;

import dev.podlab.core.image.registry.RegistryConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineSettingsLoaderTest {
    private static final String SRC = "/etc/podlab/podlab.yaml";

    @TempDir
    Path tmp;

    private static EngineSettings parse(String yaml) {
        return EngineSettingsLoader.parse(yaml, SRC);
    }

    /** The exact message the user sees for {@code yaml}. */
    private static String error(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + yaml);
    }

    // ---- defaults ----

    @Test
    void defaultsCoverEveryKey() {
        EngineSettings d = EngineSettings.defaults();
        assertThat(d.stateRoot()).isEqualTo(Path.of("/var/lib/podlab"));
        assertThat(d.runRoot()).isEqualTo(Path.of("/run/podlab"));
        assertThat(d.socket()).isEqualTo(Path.of("/run/podlab/podlab.sock"));
        assertThat(d.cri()).isEqualTo(new EngineSettings.Cri(false, Path.of("/run/podlab/cri.sock")));
        assertThat(d.defaultRuntime()).isEqualTo("builtin");
        assertThat(d.runtimeClasses()).containsExactly(
                Map.entry("builtin", new EngineSettings.RuntimeClass("builtin", Map.of())));
        assertThat(d.defaultRuntimeClass().handler()).isEqualTo("builtin");
        assertThat(d.registries().parallelDownloads()).isEqualTo(3);
        assertThat(d.registries().insecure()).isEmpty();
        assertThat(d.registries().mirrors()).isEmpty();
        assertThat(d.cni().confDir()).isEqualTo(Path.of("/etc/cni/net.d"));
        assertThat(d.cni().binDirs()).containsExactly(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
        assertThat(d.metrics().interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.metrics().history()).isEqualTo(Duration.ofMinutes(10));
        assertThat(d.metrics().historySamples()).isEqualTo(600);
        assertThat(d.cgroupParent()).isEqualTo("podlab");
    }

    @Test
    void emptyDocumentsAreDefaults() {
        for (String yaml : List.of("", "\n", "# nothing here\n", "---\n", "--- # x\n...\n", "\uFEFF")) {
            assertThat(parse(yaml)).as(yaml).isEqualTo(EngineSettings.defaults());
        }
    }

    @Test
    void aMissingFileIsDefaultsButARequiredOneIsAnError() {
        Path missing = tmp.resolve("none.yaml");
        assertThat(EngineSettingsLoader.load(missing)).isEqualTo(EngineSettings.defaults());
        assertThatThrownBy(() -> EngineSettingsLoader.loadRequired(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("failed to load " + missing + ": no such file");
    }

    @Test
    void sectionsWithNothingInThemAreDefaults() {
        assertThat(parse("cri:\nregistries:\ncni: {}\nmetrics: ~\nruntimeClasses:\n"))
                .isEqualTo(EngineSettings.defaults());
    }

    // ---- a full file ----

    @Test
    void aFullFileSetsEveryKey() throws Exception {
        Path file = tmp.resolve("podlab.yaml");
        Files.writeString(file, """
                stateRoot: /srv/podlab/
                runRoot: /run/podlab-test
                socket: /run/podlab-test/api.sock
                cri:
                  enabled: true
                  socket: /run/podlab-test/cri.sock
                  streamingPort: 10350
                defaultRuntime: runc
                runtimeClasses:
                  runc:
                    handler: runc
                    options:
                      binary: /usr/sbin/runc
                      systemdCgroup: false
                      retries: 3
                  kvm.small:
                    handler: kvm
                registries:
                  parallelDownloads: 5
                  insecure: [registry.lan:5000, Registry.Example.COM]
                  mirrors:
                    docker.io:
                      - http://127.0.0.1:5000/
                      - https://mirror.example.com/prefix
                    quay.io: ["https://quay-mirror.lan:8443"]
                cni:
                  confDir: /etc/podlab/cni
                  binDirs: [/opt/cni/bin]
                metrics:
                  interval: 500ms
                  history: 1h30m
                cgroupParent: system.slice/podlab
                """);
        EngineSettings s = EngineSettingsLoader.load(file);
        assertThat(s.stateRoot()).isEqualTo(Path.of("/srv/podlab"));
        assertThat(s.runRoot()).isEqualTo(Path.of("/run/podlab-test"));
        assertThat(s.socket()).isEqualTo(Path.of("/run/podlab-test/api.sock"));
        assertThat(s.cri()).isEqualTo(new EngineSettings.Cri(true, Path.of("/run/podlab-test/cri.sock"), 10350));
        assertThat(s.defaultRuntime()).isEqualTo("runc");
        assertThat(s.runtimeClasses().keySet()).containsExactly("builtin", "runc", "kvm.small");
        assertThat(s.runtimeClasses().get("runc")).isEqualTo(new EngineSettings.RuntimeClass("runc",
                Map.of("binary", "/usr/sbin/runc", "systemdCgroup", "false", "retries", "3")));
        assertThat(s.runtimeClasses().get("runc").options().keySet())
                .containsExactly("binary", "systemdCgroup", "retries");
        assertThat(s.runtimeClasses().get("kvm.small")).isEqualTo(new EngineSettings.RuntimeClass("kvm", Map.of()));
        assertThat(s.defaultRuntimeClass().handler()).isEqualTo("runc");
        assertThat(s.registries().parallelDownloads()).isEqualTo(5);
        assertThat(s.registries().insecure()).containsExactly("registry.lan:5000", "registry.example.com");
        assertThat(s.registries().mirrors()).containsExactly(
                Map.entry("docker.io", List.of(URI.create("http://127.0.0.1:5000"),
                        URI.create("https://mirror.example.com/prefix"))),
                Map.entry("quay.io", List.of(URI.create("https://quay-mirror.lan:8443"))));
        assertThat(s.cni()).isEqualTo(new EngineSettings.Cni(Path.of("/etc/podlab/cni"), List.of(Path.of("/opt/cni/bin"))));
        assertThat(s.metrics()).isEqualTo(new EngineSettings.Metrics(Duration.ofMillis(500), Duration.ofMinutes(90)));
        assertThat(s.metrics().historySamples()).isEqualTo(10800);
        assertThat(s.cgroupParent()).isEqualTo("system.slice/podlab");
        assertThat(s.engineConfig(null).root()).isEqualTo(Path.of("/srv/podlab"));
        assertThat(s.engineConfig(null).cgroupParent()).isEqualTo("system.slice/podlab");
    }

    @Test
    void keysLeftOutKeepTheirDefaults() {
        EngineSettings s = parse("registries:\n  insecure: [registry.lan]\nmetrics:\n  history: 1h\n");
        EngineSettings d = EngineSettings.defaults();
        assertThat(s.registries().parallelDownloads()).isEqualTo(3);
        assertThat(s.metrics().interval()).isEqualTo(d.metrics().interval());
        assertThat(s.metrics().history()).isEqualTo(Duration.ofHours(1));
        assertThat(s.stateRoot()).isEqualTo(d.stateRoot());
        assertThat(s.cni()).isEqualTo(d.cni());
    }

    // ---- the registryConfig() bridge ----

    @Test
    void registryConfigCarriesMirrorsInOrderAndInsecureHosts() {
        RegistryConfig c = parse("""
                registries:
                  parallelDownloads: 7
                  insecure: [registry.lan:5000]
                  mirrors:
                    docker.io: [http://127.0.0.1:5000, "https://mirror.example.com/"]
                    registry.lan:5000: [http://other.lan:5001]
                """).registryConfig();
        assertThat(c.parallelDownloads()).isEqualTo(7);
        assertThat(c.isInsecure("registry.lan:5000")).isTrue();
        assertThat(c.isInsecure("registry.lan")).isFalse();
        assertThat(c.isInsecure("localhost:5000")).isTrue();
        assertThat(c.endpoint("registry.lan:5000")).isEqualTo(URI.create("http://registry.lan:5000"));
        assertThat(c.mirrors("docker.io")).containsExactly(URI.create("http://127.0.0.1:5000"),
                URI.create("https://mirror.example.com"));
        assertThat(c.pullEndpoints("docker.io")).extracting(dev.podlab.core.image.registry.Endpoint::base).containsExactly(
                URI.create("http://127.0.0.1:5000"), URI.create("https://mirror.example.com"),
                URI.create("https://registry-1.docker.io"));
        assertThat(c.mirrors("registry.lan:5000")).containsExactly(URI.create("http://other.lan:5001"));
        assertThat(c.mirrors("quay.io")).isEmpty();
    }

    @Test
    void dockerHubAliasesAreOneRegistry() {
        assertThat(parse("registries:\n  mirrors:\n    index.docker.io: [http://127.0.0.1:5000]\n")
                .registryConfig().mirrors("docker.io")).containsExactly(URI.create("http://127.0.0.1:5000"));
        assertThat(error("""
                registries:
                  mirrors:
                    docker.io: [http://127.0.0.1:5000]
                    Index.Docker.IO: [http://127.0.0.1:5001]
                """)).isEqualTo("failed to load " + SRC + ": line 4, column 5: registries.mirrors[\"Index.Docker.IO\"]: the same "
                + "registry as \"docker.io\" (line 3)");
    }

    @Test
    void defaultRegistryConfigMatchesTheImagePackagesDefaults() {
        RegistryConfig c = EngineSettings.defaults().registryConfig();
        RegistryConfig d = RegistryConfig.defaults();
        assertThat(c.parallelDownloads()).isEqualTo(d.parallelDownloads());
        assertThat(c.mirrors("docker.io")).isEmpty();
        assertThat(c.isInsecure("registry.lan")).isFalse();
    }

    // ---- errors, each with its exact message ----

    @Test
    void unknownKeysNameTheirPathAndTheKnownKeys() {
        assertThat(error("""
                stateRoot: /var/lib/podlab
                cri:
                  enabled: false
                registries:
                  parallelDownloads: 3
                  insecure: []
                  mirorrs: {}
                """)).isEqualTo("failed to load /etc/podlab/podlab.yaml: line 7, column 3: unknown key "
                + "registries.mirorrs (known: insecure, mirrors, parallelDownloads)");
        assertThat(error("stateroot: /x\n")).isEqualTo("failed to load " + SRC + ": line 1, column 1: unknown key "
                + "stateroot (known: cgroupParent, cni, cri, defaultRuntime, metrics, registries, runRoot, "
                + "runtimeClasses, seccompProfileRoot, socket, stateRoot)");
        assertThat(error("runtimeClasses:\n  runc:\n    handler: runc\n    option: {a: b}\n")).isEqualTo(
                "failed to load " + SRC + ": line 4, column 5: unknown key runtimeClasses.runc.option "
                        + "(known: handler, options)");
        assertThat(error("cni: {confDir: /etc/cni, bin_dirs: []}\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 26: unknown key cni.bin_dirs (known: binDirs, confDir)");
        assertThat(error("metrics:\n  \"my key\": 1\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 3: unknown key metrics[\"my key\"] (known: history, interval)");
    }

    @Test
    void wrongTypesNameTheKeyAndTheValue() {
        assertThat(error("registries:\n  parallelDownloads: many\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 22: registries.parallelDownloads: expected a positive integer, got \"many\"");
        assertThat(error("registries:\n  parallelDownloads: 0\n")).endsWith(
                "line 2, column 22: registries.parallelDownloads: expected a positive integer, got 0");
        assertThat(error("registries:\n  parallelDownloads: -2\n")).endsWith(
                "registries.parallelDownloads: expected a positive integer, got -2");
        assertThat(error("registries:\n  parallelDownloads: 2.5\n")).endsWith(
                "registries.parallelDownloads: expected a positive integer, got 2.5");
        assertThat(error("registries:\n  parallelDownloads: \"3\"\n")).endsWith(
                "registries.parallelDownloads: expected a positive integer, got \"3\"");
        assertThat(error("registries:\n  parallelDownloads: 0x10\n")).endsWith(
                "registries.parallelDownloads: expected a positive integer, got 0x10");
        assertThat(error("registries:\n  parallelDownloads: 010\n")).endsWith(
                "registries.parallelDownloads: expected a positive integer, got 010");
        assertThat(error("registries:\n  parallelDownloads: 1_000\n")).endsWith(
                "registries.parallelDownloads: expected a positive integer, got 1_000");
        assertThat(error("registries:\n  parallelDownloads: 65\n")).endsWith(
                "registries.parallelDownloads: must be at most 64, got 65");
        assertThat(error("registries:\n  parallelDownloads:\n")).endsWith(
                "line 2, column 21: registries.parallelDownloads: expected a positive integer, got nothing");
        assertThat(error("cri:\n  enabled: yes\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 12: cri.enabled: expected true or false, got yes");
        assertThat(error("cri:\n  enabled: \"true\"\n")).endsWith("cri.enabled: expected true or false, got \"true\"");
        assertThat(error("cri:\n  streamingPort: 65536\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 18: cri.streamingPort: expected a TCP port (0 to 65535), got 65536");
        assertThat(error("cri:\n  streamingPort: -1\n")).endsWith("cri.streamingPort: expected a TCP port (0 to 65535), got -1");
        assertThat(error("cri:\n  streamingPort: \"80\"\n")).endsWith(
                "cri.streamingPort: expected a TCP port (0 to 65535), got \"80\"");
        assertThat(error("cri: true\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 6: cri: expected a mapping, got true");
        assertThat(error("registries:\n  insecure: registry.lan\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 13: registries.insecure: expected a list, got \"registry.lan\"");
        assertThat(error("cni:\n  binDirs:\n    - /usr/lib/cni\n    - [/opt]\n")).isEqualTo("failed to load " + SRC
                + ": line 4, column 7: cni.binDirs[1]: expected an absolute path, got a list");
        assertThat(error("stateRoot: 42\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 12: stateRoot: expected an absolute path, got 42");
        assertThat(error("- a\n- b\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 1: expected a mapping of settings at the top level, got a list");
        assertThat(error("just text\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 1: expected a mapping of settings at the top level, got \"just text\"");
    }

    @Test
    void badPathsSocketsAndCgroupParents() {
        assertThat(error("stateRoot: var/lib/podlab\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 12: stateRoot: expected an absolute path, got \"var/lib/podlab\"");
        assertThat(error("cni:\n  binDirs: []\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 12: cni.binDirs: expected a list of at least one directory, got a list");
        String longSocket = "/run/" + "x".repeat(110) + ".sock";
        assertThat(error("cri:\n  socket: " + longSocket + "\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 11: cri.socket: a unix socket path must be at most 107 bytes, got 120");
        assertThat(error("cgroupParent: /podlab\n")).isEqualTo("failed to load " + SRC + ": line 1, column 15: "
                + "cgroupParent: expected a relative cgroup path such as podlab or system.slice/podlab, got \"/podlab\"");
        assertThat(error("cgroupParent: podlab/../x\n")).endsWith("got \"podlab/../x\"");
    }

    @Test
    void registryNamesAndMirrorUrlsAreChecked() {
        assertThat(error("registries:\n  insecure:\n    - registry.lan\n    - https://registry.lan\n"))
                .isEqualTo("failed to load " + SRC + ": line 4, column 7: registries.insecure[1]: expected a "
                        + "registry name host[:port] such as docker.io or localhost:5000, got \"https://registry.lan\"");
        assertThat(error("registries:\n  insecure: [\"registry.lan:99999\"]\n")).endsWith(
                "registries.insecure[0]: expected a registry name host[:port] such as docker.io or localhost:5000, "
                        + "got \"registry.lan:99999\"");
        assertThat(error("registries:\n  mirrors:\n    docker.io/library: [http://127.0.0.1:5000]\n")).isEqualTo(
                "failed to load " + SRC + ": line 3, column 5: registries.mirrors[\"docker.io/library\"]: expected "
                        + "a registry name host[:port] such as docker.io or localhost:5000, got \"docker.io/library\"");
        assertThat(error("registries:\n  mirrors:\n    docker.io:\n      - http://127.0.0.1:5000\n      - ftp://mirror.lan\n"))
                .isEqualTo("failed to load " + SRC + ": line 5, column 9: registries.mirrors[\"docker.io\"][1]: "
                        + "expected an http:// or https:// URL with a host, got \"ftp://mirror.lan\"");
        assertThat(error("registries:\n  mirrors:\n    docker.io: [mirror.lan:5000]\n")).endsWith(
                "line 3, column 17: registries.mirrors[\"docker.io\"][0]: expected an http:// or https:// URL "
                        + "with a host, got \"mirror.lan:5000\"");
        assertThat(error("registries:\n  mirrors:\n    docker.io: [\"http:///v2\"]\n")).endsWith(
                "expected an http:// or https:// URL with a host, got \"http:///v2\"");
        assertThat(error("registries:\n  mirrors:\n    docker.io: [\"https://u:p@mirror.lan\"]\n")).endsWith(
                "registries.mirrors[\"docker.io\"][0]: a mirror URL takes no user, query or fragment, "
                        + "got \"https://u:p@mirror.lan\"");
        assertThat(error("registries:\n  mirrors:\n    docker.io: http://127.0.0.1:5000\n")).endsWith(
                "line 3, column 16: registries.mirrors[\"docker.io\"]: expected a list, got \"http://127.0.0.1:5000\"");
    }

    @Test
    void durationsAreChecked() {
        assertThat(error("metrics:\n  interval: 2 seconds\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 13: metrics.interval: expected a duration such as 500ms, 2s, 10m or 1h, "
                + "got \"2 seconds\"");
        assertThat(error("metrics:\n  interval: 2\n")).endsWith(
                "metrics.interval: expected a duration such as 500ms, 2s, 10m or 1h, got 2");
        assertThat(error("metrics:\n  history: 0s\n")).endsWith(
                "line 2, column 12: metrics.history: must be greater than zero, got \"0s\"");
        assertThat(error("metrics:\n  interval: 10ms\n")).endsWith(
                "metrics.interval: must be at least 100ms, got \"10ms\"");
        assertThat(error("metrics:\n  interval: 5s\n  history: 1s\n")).isEqualTo("failed to load " + SRC
                + ": line 3, column 12: metrics.history: must be at least metrics.interval (5s), got 1s");
        assertThat(error("metrics:\n  interval: 1h\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 13: metrics.interval: must be at most metrics.history (10m), got 1h");
        assertThat(error("metrics:\n  history: 30s10m\n")).endsWith("got \"30s10m\"");
    }

    @Test
    void runtimeClassesAndTheDefaultRuntimeAreChecked() {
        assertThat(error("defaultRuntime: runc\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 17: defaultRuntime: unknown runtime class \"runc\" (known: builtin)");
        assertThat(error("runtimeClasses:\n  runc:\n    options: {}\n")).isEqualTo("failed to load " + SRC
                + ": line 3, column 5: runtimeClasses.runc: missing key handler");
        assertThat(error("runtimeClasses:\n  runc:\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 8: runtimeClasses.runc: missing key handler");
        assertThat(error("runtimeClasses:\n  Run_C:\n    handler: runc\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 3: runtimeClasses.Run_C: expected a runtime class name (lower-case letters, "
                + "digits, '-' and '.'), got \"Run_C\"");
        assertThat(error("runtimeClasses:\n  runc:\n    handler: run.c\n")).isEqualTo("failed to load " + SRC
                + ": line 3, column 14: runtimeClasses.runc.handler: expected a handler name (lower-case letters, "
                + "digits and '-'), got \"run.c\"");
        assertThat(error("runtimeClasses:\n  runc:\n    handler: runc\n    options:\n      binary:\n")).isEqualTo(
                "failed to load " + SRC + ": line 5, column 14: runtimeClasses.runc.options.binary: expected a "
                        + "string, number or boolean, got nothing");
        assertThat(error("runtimeClasses: [runc]\n")).endsWith(
                "line 1, column 17: runtimeClasses: expected a mapping, got a list");
    }

    @Test
    void duplicateKeysAreRefusedWithBothLines() {
        assertThat(error("""
                stateRoot: /a
                registries:
                  insecure: [a.lan]
                  parallelDownloads: 2
                  insecure: [b.lan]
                """)).isEqualTo("failed to load " + SRC + ": line 5, column 3: duplicate key registries.insecure "
                + "(first at line 3)");
        assertThat(error("stateRoot: /a\nstateRoot: /b\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 1: duplicate key stateRoot (first at line 1)");
        assertThat(error("registries:\n  mirrors:\n    docker.io: [http://a]\n    docker.io: [http://b]\n"))
                .isEqualTo("failed to load " + SRC + ": line 4, column 5: duplicate key "
                        + "registries.mirrors[\"docker.io\"] (first at line 3)");
    }

    @Test
    void aliasesAreRefusedNotMisread() {
        // Jackson's tree model would read *dirs as the string "dirs"; here it is refused where it is used.
        assertThat(error("""
                cni:
                  binDirs: &dirs [/usr/lib/cni]
                registries:
                  insecure: *dirs
                """)).isEqualTo("failed to load " + SRC + ": line 4, column 13: registries.insecure: aliases "
                + "(*dirs) are not supported; write the value out in full");
        assertThat(error("stateRoot: &root /srv/podlab\nrunRoot: *root\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 10: runRoot: aliases (*root) are not supported; write the value out in full");
        // An alias whose anchor was never defined gets the same answer.
        assertThat(error("registries:\n  insecure: [a.lan, *x]\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 21: registries.insecure[1]: aliases (*x) are not supported; write the value out "
                + "in full");
        // A merge key needs an alias too.
        assertThat(error("""
                runtimeClasses:
                  runc: &base {handler: runc}
                  crun:
                    <<: *base
                    handler: crun
                """)).isEqualTo("failed to load " + SRC + ": line 4, column 9: runtimeClasses.crun[\"<<\"]: aliases "
                + "(*base) are not supported; write the value out in full");
        // An anchor nobody refers to changes nothing.
        assertThat(parse("stateRoot: &root /srv/podlab\n").stateRoot()).isEqualTo(Path.of("/srv/podlab"));
    }

    @Test
    void tagsAndSecondDocumentsAreRefused() {
        assertThat(error("socket: !!str /run/x.sock\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 9: socket: YAML tags (!!str) are not supported; quote the value if it must be "
                + "a string");
        assertThat(error("stateRoot: /a\n---\nstateRoot: /b\n")).isEqualTo("failed to load " + SRC
                + ": line 3, column 1: only one YAML document is allowed, found a second one");
    }

    @Test
    void syntaxErrorsAreOneLineWithAPosition() {
        String tab = error("cri:\n\tenabled: true\n");
        assertThat(tab).isEqualTo("failed to load " + SRC + ": line 2, column 1: invalid YAML: found character "
                + "'\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)");
        assertThat(error("registries:\n  insecure: [a.lan, b.lan\n")).isEqualTo("failed to load " + SRC
                + ": line 3, column 1: invalid YAML: expected ',' or ']', but got <stream end>");
        assertThat(error("stateRoot: /a\n  runRoot: /b\n")).isEqualTo("failed to load " + SRC
                + ": line 2, column 10: invalid YAML: mapping values are not allowed here");
        assertThat(error("? [a, b]\n: 1\n")).isEqualTo("failed to load " + SRC
                + ": line 1, column 4: invalid YAML: a key must be a plain value, not a list or mapping");
        for (String bad : List.of("cri:\n\tenabled: true\n", "a: [1, 2\n", "a: 'open\n", "a: b: c\n")) {
            assertThat(error(bad)).doesNotContain("\n");
        }
    }

    @Test
    void theExceptionCarriesItsParts() {
        try {
            parse("registries:\n  parallelDownloads: many\n");
        } catch (ConfigException e) {
            assertThat(e.source()).isEqualTo(SRC);
            assertThat(e.line()).isEqualTo(2);
            assertThat(e.column()).isEqualTo(22);
            assertThat(e.keyPath()).isEqualTo("registries.parallelDownloads");
            assertThat(e.detail()).isEqualTo("registries.parallelDownloads: expected a positive integer, got \"many\"");
            return;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void unreadableFilesSayWhy() throws Exception {
        assertThatThrownBy(() -> EngineSettingsLoader.load(tmp)).isInstanceOf(ConfigException.class)
                .hasMessage("failed to load " + tmp + ": is a directory, expected a YAML file");
        Path latin1 = tmp.resolve("latin1.yaml");
        Files.write(latin1, "cgroupParent: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> EngineSettingsLoader.load(latin1)).isInstanceOf(ConfigException.class)
                .hasMessage("failed to load " + latin1 + ": not UTF-8 text");
    }

    // ---- where the file comes from ----

    @Test
    void loadDefaultReadsPodlabConfigOrTheFallbackOrNothing() throws Exception {
        Path fallback = tmp.resolve("etc-podlab.yaml");
        Path named = tmp.resolve("named.yaml");
        Files.writeString(named, "stateRoot: /named\n");

        assertThat(EngineSettingsLoader.configuredFile(Map.of(), fallback)).isEmpty();
        assertThat(EngineSettingsLoader.loadDefault(Map.of(), fallback)).isEqualTo(EngineSettings.defaults());

        Files.writeString(fallback, "stateRoot: /fallback\n");
        assertThat(EngineSettingsLoader.configuredFile(Map.of(), fallback)).contains(fallback);
        assertThat(EngineSettingsLoader.loadDefault(Map.of(), fallback).stateRoot()).isEqualTo(Path.of("/fallback"));

        Map<String, String> env = Map.of("PODLAB_CONFIG", named.toString());
        assertThat(EngineSettingsLoader.loadDefault(env, fallback).stateRoot()).isEqualTo(Path.of("/named"));

        Path missing = tmp.resolve("missing.yaml");
        assertThatThrownBy(() -> EngineSettingsLoader.loadDefault(Map.of("PODLAB_CONFIG", missing.toString()), fallback))
                .hasMessage("failed to load " + missing + ": no such file");
    }

    // ---- the example file ----

    @Test
    void theExampleFileIsExactlyTheDefaults() {
        String example = EngineSettingsLoader.exampleFile();
        assertThat(EngineSettingsLoader.parse(example, "podlab.yaml")).isEqualTo(EngineSettings.defaults());
    }

    @Test
    void theExampleFileWritesOutEveryKey() {
        YamlTree.MapNode root = (YamlTree.MapNode) YamlTree.read(EngineSettingsLoader.exampleFile());
        assertThat(root.entries().keySet()).containsExactlyInAnyOrderElementsOf(SettingsBinder.TOP_KEYS);
        assertThat(section(root, "cri").entries().keySet()).containsExactlyInAnyOrderElementsOf(SettingsBinder.CRI_KEYS);
        assertThat(section(root, "registries").entries().keySet())
                .containsExactlyInAnyOrderElementsOf(SettingsBinder.REGISTRIES_KEYS);
        assertThat(section(root, "cni").entries().keySet()).containsExactlyInAnyOrderElementsOf(SettingsBinder.CNI_KEYS);
        assertThat(section(root, "metrics").entries().keySet())
                .containsExactlyInAnyOrderElementsOf(SettingsBinder.METRICS_KEYS);
        assertThat(section(section(root, "runtimeClasses"), "builtin").entries().keySet())
                .containsExactlyInAnyOrderElementsOf(SettingsBinder.RUNTIME_CLASS_KEYS);
    }

    @Test
    void theExampleFilesCommentedSamplesAreValid() {
        // Uncommenting the samples must give a file that loads.
        String uncommented = EngineSettingsLoader.exampleFile()
                .replace("  # runc:\n", "  runc:\n").replace("  #   handler: runc\n", "    handler: runc\n")
                .replace("  #   options:\n", "    options:\n").replace("  #     binary: /usr/sbin/runc\n",
                        "      binary: /usr/sbin/runc\n")
                .replaceAll("(?m)^  # (kvm:|  handler: kvm|  options: |    accel:|    memoryOverheadMiB:)", "  $1")
                .replace("  insecure: []\n  #   - registry.lan:5000\n", "  insecure:\n    - registry.lan:5000\n")
                .replace("  mirrors: {}\n  #   docker.io:\n  #     - http://127.0.0.1:5000\n  #     - https://mirror.example.com\n",
                        "  mirrors:\n    docker.io:\n      - http://127.0.0.1:5000\n      - https://mirror.example.com\n");
        EngineSettings s = EngineSettingsLoader.parse(uncommented, "podlab.yaml");
        assertThat(s.runtimeClasses()).containsKey("runc");
        assertThat(s.runtimeClasses().get("kvm").options()).containsEntry("accel", "auto")
                .containsEntry("memoryOverheadMiB", "96");
        assertThat(s.registries().insecure()).containsExactly("registry.lan:5000");
        assertThat(s.registryConfig().mirrors("docker.io")).hasSize(2);
    }

    @Test
    void theSeccompProfileRootFollowsTheStateRootUnlessSet() {
        assertThat(EngineSettings.defaults().seccompProfileRoot()).isEqualTo(Path.of("/var/lib/podlab/seccomp/profiles"));
        assertThat(parse("stateRoot: /srv/podlab\n").seccompProfileRoot()).isEqualTo(Path.of("/srv/podlab/seccomp/profiles"));
        assertThat(parse("seccompProfileRoot: /var/lib/kubelet/seccomp\n").seccompProfileRoot())
                .isEqualTo(Path.of("/var/lib/kubelet/seccomp"));
        assertThat(EngineSettings.defaults().withOverrides(EngineSettings.Overrides.builder().stateRoot(Path.of("/x"))
                .build()).seccompProfileRoot()).isEqualTo(Path.of("/x/seccomp/profiles"));
        assertThat(error("seccompProfileRoot: relative/dir\n")).startsWith("failed to load " + SRC
                + ": line 1, column 21: seccompProfileRoot: ");
    }

    private static YamlTree.MapNode section(YamlTree.MapNode m, String key) {
        return (YamlTree.MapNode) m.entries().get(key).value();
    }

    // ---- durations ----

    @ParameterizedTest
    @CsvSource({"500ms,PT0.5S", "2s,PT2S", "10m,PT10M", "1h,PT1H", "1m30s,PT1M30S", "1h0m5s250ms,PT1H5.25S"})
    void durationsParse(String text, String iso) {
        assertThat(DurationText.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @Test
    void durationsFormatBack() {
        for (String s : List.of("500ms", "2s", "10m", "1h", "1m30s", "1h30m", "2h0m1s".replace("0m", ""))) {
            assertThat(DurationText.format(DurationText.parse(s))).isEqualTo(s);
        }
        assertThat(DurationText.format(Duration.ZERO)).isEqualTo("0s");
        for (String bad : List.of("", "2", "s", "2 s", "2S", "1.5s", "-1s", "1s1s", "1s1m", "2d")) {
            assertThatThrownBy(() -> DurationText.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
