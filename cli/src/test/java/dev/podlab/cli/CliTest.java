package dev.podlab.cli;

import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI end to end, in-process: exit codes, one-line errors, output. */
@Tag("root")
class CliTest {
    private Path root;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void setUp() throws IOException {
        HostRequirements.requireRoot();
        root = Files.createTempDirectory(Path.of("/tmp"), "plcli");
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() throws IOException {
        try {
            if (root != null) {
                for (String id : run("ps", "-a", "-q").split("\\s+")) {
                    if (!id.isBlank()) {
                        status("rm", "-f", id);
                    }
                }
            }
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        if (root != null) {
            try (var walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private String run(String verb, String... args) {
        out.reset();
        String[] all = new String[args.length + 3];
        all[0] = verb;
        all[1] = "--root";
        all[2] = root.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        Main.execute(all);
        return out.toString(StandardCharsets.UTF_8);
    }

    private int status(String verb, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = verb;
        all[1] = "--root";
        all[2] = root.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return Main.execute(all);
    }

    @Test
    void runInTheForegroundPrintsTheOutputAndReturnsTheExitCode() throws IOException {
        int code = status("run", "--rootfs", TestEngine.rootfs().toString(), "--rm", "--", "sh", "-c", "echo hello; exit 4");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello\n");
        assertThat(code).isEqualTo(4);
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
    void detachedLifecycleThroughTheVerbs() throws IOException {
        String id = run("run", "-d", "--name", "web", "--rootfs", TestEngine.rootfs().toString(), "--memory", "32m",
                "--", "sleep", "300").trim();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(run("ps")).contains("web").contains("running").contains("sleep 300");
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run("ps", "-o", "json"));
        assertThat(json.size()).isEqualTo(1);
        assertThat(json.get(0).get("name").asText()).isEqualTo("web");
        assertThat(json.get(0).get("status").asText()).isEqualTo("RUNNING");
        assertThat(status("exec", "web", "sh", "-c", "exit 3")).isEqualTo(3);
        String inspect = run("inspect", "web");
        assertThat(inspect).contains("Container " + id + " (web)", "Namespaces of init", "pid ", "Trace:", "pivot_root");
        assertThat(run("inspect", "--config-json", "web")).contains("\"ociVersion\"", "\"limit\" : 33554432");
        assertThat(status("stop", "-t", "1", "web")).isZero();
        assertThat(run("ps", "-a")).contains("exited (137)");
        assertThat(status("rm", "web")).isZero();
        assertThat(run("ps", "-a", "-q")).isBlank();
    }
}
