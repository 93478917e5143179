package dev.podlab.cli;

import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI end to end, in-process: exit codes, one-line errors, output. */
@Tag("root")
class CliTest {
    private CliRunner cli;
    private java.io.ByteArrayOutputStream out;
    private java.io.ByteArrayOutputStream err;

    @BeforeEach
    void setUp() throws IOException {
        HostRequirements.requireRoot();
        cli = new CliRunner("plcli");
        out = cli.out;
        err = cli.err;
    }

    @AfterEach
    void tearDown() throws IOException {
        if (cli != null) {
            cli.close();
        }
    }

    private String run(String verb, String... args) {
        return cli.run(verb, args);
    }

    private int status(String verb, String... args) {
        return cli.status(verb, args);
    }

    @Test
    void runInTheForegroundPrintsTheOutputAndReturnsTheExitCode() throws IOException {
        int code = status("run", "--rootfs", TestEngine.rootfs().toString(), "--rm", "--", "sh", "-c", "echo hello; exit 4");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello\n");
        assertThat(code).isEqualTo(4);
        assertThat(run("ps", "-a", "-q")).isBlank();
    }

    @Test
    void runInteractiveFeedsOurStdinToTheContainerAndClosesItAtTheEnd() throws IOException {
        java.io.InputStream before = System.in;
        System.setIn(new java.io.ByteArrayInputStream("typed line\n".getBytes(StandardCharsets.UTF_8)));
        try {
            int code = status("run", "-i", "--rm", "--rootfs", TestEngine.rootfs().toString(), "--", "sh", "-c",
                    "cat; echo done; exit 6");
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("typed line\ndone\n");
            assertThat(code).isEqualTo(6);
        } finally {
            System.setIn(before);
        }
        assertThat(run("ps", "-a", "-q")).isBlank();
    }

    @Test
    void errorsAreOneLineWithDockersExitCodes() throws IOException {
        assertThat(status("run", "--rootfs", "/nonexistent", "--", "true")).isEqualTo(125);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("podlab: failed to create container: rootfs /nonexistent does not exist\n");
        err.reset();
        assertThat(status("run", "--rootfs", TestEngine.rootfs().toString(), "--", "nosuchcmd")).isEqualTo(127);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("podlab: ").contains("nosuchcmd").hasLineCount(1);
        err.reset();
        assertThat(status("run", "--memory", "lots", "--rootfs", TestEngine.rootfs().toString(), "--", "true")).isEqualTo(125);
        assertThat(err.toString(StandardCharsets.UTF_8)).hasLineCount(1).contains("--memory \"lots\"");
        err.reset();
        assertThat(status("stop", "nothere")).isEqualTo(125);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("podlab: no such container: nothere\n");
    }

    @Test
    void detachedLifecycleThroughTheVerbs() throws IOException, InterruptedException {
        String id = run("run", "-d", "--name", "web", "--rootfs", TestEngine.rootfs().toString(), "--memory", "32m",
                "--", "sleep", "300").trim();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(run("ps")).contains("web").contains("running").contains("sleep 300");
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run("ps", "-o", "json"));
        assertThat(json.size()).isEqualTo(1);
        assertThat(json.get(0).get("name").asText()).isEqualTo("web");
        assertThat(json.get(0).get("state").asText()).isEqualTo("running");
        assertThat(status("exec", "web", "sh", "-c", "exit 3")).isEqualTo(3);
        String inspect = run("inspect", "web");
        assertThat(inspect).contains("Container " + id + " (web)", "Namespaces of init", "pid ", "Trace:", "pivot_root");
        assertThat(run("inspect", "--config-json", "web")).contains("\"ociVersion\"", "\"limit\" : 33554432");
        String stats = "";
        for (int i = 0; i < 50 && !stats.contains(id.substring(0, 12)); i++) {
            stats = run("stats", "--no-stream"); // empty until the sampler's first round took the new container
            Thread.sleep(200);
        }
        assertThat(stats.lines().findFirst().orElse("")).contains("MEM USAGE / LIMIT").contains("BLOCK I/O");
        assertThat(stats.lines().filter(l -> l.startsWith(id.substring(0, 12))).findFirst().orElse(""))
                .matches(".*32\\.0 MiB.* \\d+(\\.\\d)? (B|KiB|MiB) / \\d+(\\.\\d)? (B|KiB|MiB) .*");
        assertThat(status("stop", "-t", "1", "web")).isZero();
        assertThat(run("ps", "-a")).contains("exited (137)");
        assertThat(status("rm", "web")).isZero();
        assertThat(run("ps", "-a", "-q")).isBlank();
    }
}
