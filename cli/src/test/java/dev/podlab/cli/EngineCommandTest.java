package dev.podlab.cli;

import dev.podlab.core.config.EngineSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** `podlab engine --cri [--cri-socket PATH]` on top of the configuration file. */
class EngineCommandTest {
    @TempDir
    Path dir;

    private EngineSettings parse(String... args) {
        EngineCommand cmd = new EngineCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    @Test
    void criSwitches() throws IOException {
        Path config = Files.writeString(dir.resolve("podlab.yaml"), "cri:\n  enabled: false\n");
        EngineSettings off = parse("--config", config.toString(), "--root", dir.toString());
        assertThat(off.cri().enabled()).isFalse();

        EngineSettings on = parse("--config", config.toString(), "--root", dir.toString(), "--cri",
                "--cri-socket", dir.resolve("cri.sock").toString());
        assertThat(on.cri().enabled()).isTrue();
        assertThat(on.cri().socket()).isEqualTo(dir.resolve("cri.sock"));
        assertThat(on.stateRoot()).isEqualTo(dir);

        EngineSettings defaultSocket = parse("--config", config.toString(), "--cri");
        assertThat(defaultSocket.cri().socket()).isEqualTo(EngineSettings.DEFAULT_CRI_SOCKET);
    }
}
