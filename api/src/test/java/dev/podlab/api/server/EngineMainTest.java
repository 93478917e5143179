package dev.podlab.api.server;

import dev.podlab.core.config.EngineSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine's command line: the CRI switches on top of the configuration file. */
class EngineMainTest {
    @TempDir
    Path dir;

    private Path config(String text) throws IOException {
        Path f = dir.resolve("podlab.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void criIsOffUnlessAsked() throws IOException {
        EngineSettings s = EngineMain.parse(new String[]{"--config", config("cri:\n  enabled: false\n").toString()});
        assertThat(s.cri().enabled()).isFalse();
        assertThat(s.cri().socket()).isEqualTo(EngineSettings.DEFAULT_CRI_SOCKET);
    }

    @Test
    void criFlagTakesNoValueAndSocketMoves() throws IOException {
        Path f = config("cri:\n  enabled: false\n");
        EngineSettings s = EngineMain.parse(new String[]{"--cri", "--config", f.toString(),
                "--cri-socket", dir.resolve("cri.sock").toString()});
        assertThat(s.cri().enabled()).isTrue();
        assertThat(s.cri().socket()).isEqualTo(dir.resolve("cri.sock"));
        // The configuration file can enable it on its own.
        assertThat(EngineMain.parse(new String[]{"--config", config("cri:\n  enabled: true\n").toString()})
                .cri().enabled()).isTrue();
    }

    @Test
    void unknownOptionsNameTheKnownOnes() {
        assertThatThrownBy(() -> EngineMain.parse(new String[]{"--crii", "x"}))
                .hasMessageContaining("--cri, --cri-socket");
    }
}
