package dev.podlab.cli.relay;

import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.config.EngineSettingsLoader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The relay's wire format and its rules for what the engine runs, without an engine. */
class RelayRequestTest {
    private static byte[] request(String... entries) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String e : entries) {
            body.writeBytes(e.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        int n = body.size();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(new byte[] {'P', 'L', 'C', '1', (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        all.writeBytes(body.toByteArray());
        return all.toByteArray();
    }

    private static RelayRequest read(byte[] bytes) throws IOException {
        return RelayRequest.read(new ByteArrayInputStream(bytes));
    }

    @Test
    void aRequestCarriesDirectoryEnvironmentTerminalsAndArguments() throws IOException {
        RelayRequest r = read(request("c/home/ada", "t010", "ePODLAB_ROOT=/var/lib/x", "eNO_COLOR=", "aps", "a-a",
                "a", "Zfrom a newer client"));
        assertThat(r.cwd()).isEqualTo(Path.of("/home/ada"));
        assertThat(r.ttys()).isEqualTo("010");
        assertThat(r.env()).isEqualTo(Map.of("PODLAB_ROOT", "/var/lib/x", "NO_COLOR", ""));
        assertThat(r.args()).containsExactly("ps", "-a", "");
    }

    @Test
    void malformedRequestsAreNamedByWhatIsWrongAndWhere() {
        assertThatThrownBy(() -> read("PLC".getBytes(StandardCharsets.US_ASCII)))
                .hasMessage("failed to read the relay request: it ends after 3 bytes of its header");
        assertThatThrownBy(() -> read("PLC2\0\0\0\0".getBytes(StandardCharsets.US_ASCII)))
                .hasMessageContaining("does not start with PLC1");
        byte[] truncated = request("c/", "aps");
        assertThatThrownBy(() -> read(java.util.Arrays.copyOf(truncated, truncated.length - 2)))
                .hasMessage("failed to read the relay request: it ends at byte 5 of 7");
        byte[] huge = {'P', 'L', 'C', '1', 0x7f, 0, 0, 0};
        assertThatThrownBy(() -> read(huge)).hasMessageContaining("its length 2130706432 is over 4194304");
        assertThatThrownBy(() -> RelayRequest.parse("c/\0aps".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("failed to read the relay request: the entry at byte 3 has no terminating NUL");
        assertThatThrownBy(() -> read(request("aps")))
                .hasMessage("failed to read the relay request: it names no working directory");
        assertThatThrownBy(() -> read(request("crelative", "aps")))
                .hasMessageContaining("the working directory at byte 0 is not absolute: relative");
        assertThatThrownBy(() -> read(request("c/", "eNOEQUALS")))
                .hasMessageContaining("the environment entry at byte 3 is not NAME=VALUE");
    }

    @Test
    void theEngineRunsOnlyItsOwnNonInteractiveVerbs() throws IOException {
        EngineSettings engine = EngineSettingsLoader.loadDefault().withOverrides(EngineSettings.Overrides.builder()
                .stateRoot(Path.of("/var/lib/podlab")).build());
        assertThat(RelayPolicy.decline(read(request("c/tmp", "aps", "a-a")), engine)).isNull();
        assertThat(RelayPolicy.decline(read(request("c/tmp", "alogs", "a-f", "aweb")), engine)).isNull();
        assertThat(RelayPolicy.decline(read(request("c/tmp", "aexec", "a-it", "aweb", "ash")), engine))
                .isEqualTo("the verb exec runs in the JVM client");
        assertThat(RelayPolicy.decline(read(request("c/tmp")), engine)).isEqualTo("the verb (none) runs in the JVM client");
        assertThat(RelayPolicy.decline(read(request("c/tmp", "aps", "a--socket=/tmp/s")), engine))
                .isEqualTo("--socket may name another engine");
        assertThat(RelayPolicy.decline(read(request("c/tmp", "aplay", "a-")), engine))
                .isEqualTo("standard input is read by the JVM client");
        // PODLAB_ROOT is the client's: relative to its directory, compared with the engine's own root.
        assertThat(RelayPolicy.decline(read(request("c/var/lib", "ePODLAB_ROOT=podlab", "aps")), engine)).isNull();
        assertThat(RelayPolicy.decline(read(request("c/tmp", "ePODLAB_ROOT=/srv/podlab", "aps")), engine))
                .startsWith("PODLAB_ROOT names another state root");
        for (String verb : List.of("tui", "gui", "engine", "doctor", "attach", "run", "stats", "pull", "login")) {
            assertThat(RelayPolicy.VERBS).as(verb).doesNotContain(verb);
        }
    }

    @Test
    void theRelaySocketSitsBesideTheApiSocket() {
        assertThat(RelayPolicy.socketBeside(Path.of("/run/podlab/podlab.sock"))).isEqualTo(Path.of("/run/podlab/podlab-cli.sock"));
        assertThat(RelayPolicy.socketBeside(Path.of("/srv/engine"))).isEqualTo(Path.of("/srv/engine-cli.sock"));
    }

    @Test
    void aJarReplacedUnderTheEngineIsNoticed(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path jar = java.nio.file.Files.writeString(tmp.resolve("cli.jar"), "PK old");
        var code = CliRelay.CodeOnDisk.of(jar);
        assertThat(code.changed()).isFalse();
        java.nio.file.Files.writeString(jar, "PK new build");
        assertThat(code.changed()).isTrue();
        java.nio.file.Files.delete(jar);
        assertThat(code.changed()).isTrue();
        assertThat(CliRelay.CodeOnDisk.of(tmp).changed()).as("a classes directory is not watched").isFalse();
    }
}
