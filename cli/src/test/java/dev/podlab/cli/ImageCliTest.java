package dev.podlab.cli;

import dev.podlab.core.state.FileTrees;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.LocalRegistry;
import dev.podlab.core.testing.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The image verbs end to end: a real registry on loopback, pull, run, layers, save, import, prune. */
@Tag("root")
@Tag("host-tools")
class ImageCliTest {
    private CliRunner cli;
    private Path work;
    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    @BeforeEach
    void setUp() throws IOException {
        HostRequirements.requireRoot();
        LocalRegistry.requireTools();
        cli = new CliRunner("plimg");
        out = cli.out;
        err = cli.err;
        work = Files.createTempDirectory(Path.of("/tmp"), "plimgw");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (cli != null) {
            cli.close();
        }
        if (work != null) {
            FileTrees.deleteRecursively(work);
        }
    }

    private int status(String verb, String... args) {
        return cli.status(verb, args);
    }

    private String podlab(String verb, String... args) {
        out.reset();
        int code = cli.status(verb, args);
        assertThat(code).as("podlab %s: %s", verb, cli.stderr()).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pullRunInspectSaveImportPrune() throws Exception {
        Path layout = work.resolve("layout");
        TestImages.layout(layout).layer(TestImages.busyboxLayer())
                .layer(l -> l.dir("srv", 0755).file("srv/greeting", "hello from a pulled image\n"))
                .config(c -> c.cmd("cat", "/srv/greeting").env("PATH=/bin")).tag("v1").write();
        try (LocalRegistry registry = LocalRegistry.start()) {
            registry.push(layout, "v1", "demo/app");
            String ref = registry.hostPort() + "/demo/app:v1";

            String pull = podlab("pull", ref);
            assertThat(pull).contains("layer 1/2", "layer 2/2", "digest verified", "pulled " + ref);
            assertThat(podlab("images")).contains(registry.hostPort() + "/demo/app", "v1");

            out.reset();
            assertThat(status("run", "--rm", ref)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello from a pulled image\n");

            String layers = podlab("image", "layers", ref, "--files", "2", "--which", "/srv/greeting");
            assertThat(layers).contains("efficiency", "+ srv/greeting", "/srv/greeting: layer 2");

            Path archive = work.resolve("app.tar");
            assertThat(podlab("image", "save", ref, "-o", archive.toString(), "--format", "oci-archive"))
                    .contains("saved 1 image(s)");
            podlab("image", "rm", ref);
            assertThat(podlab("images")).doesNotContain("demo/app");
            assertThat(podlab("image", "prune")).matches("(?s)[1-9]\\d* blobs .* removed\\s*");
            assertThat(podlab("image", "import", archive.toString())).contains("imported", "demo/app:v1");
            out.reset();
            assertThat(status("run", "--rm", ref, "echo", "again")).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("again\n");

            // A made-up registry name served by a mirror: the name itself is never resolved.
            String mirrored = podlab("pull", "--mirror", "registry.example.test=http://" + registry.hostPort(),
                    "registry.example.test/demo/app:v1");
            assertThat(mirrored).contains("mirror http://" + registry.hostPort(), "pulled registry.example.test/demo/app:v1");

            // The same mirror from the engine configuration file.
            Path config = work.resolve("podlab.yaml");
            Files.writeString(config, "registries:\n  mirrors:\n    mirror.example.test:\n      - http://"
                    + registry.hostPort() + "\n");
            assertThat(podlab("pull", "--config", config.toString(), "mirror.example.test/demo/app:v1"))
                    .contains("mirror http://" + registry.hostPort());
            Files.writeString(config, "registries:\n  mirorrs: {}\n");
            err.reset();
            assertThat(status("pull", "--config", config.toString(), "busybox")).isEqualTo(125);
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("podlab: failed to load " + config
                    + ": line 2, column 3: unknown key registries.mirorrs (known: insecure, mirrors, parallelDownloads)\n");

            err.reset();
            assertThat(status("pull", registry.hostPort() + "/demo/app:missing")).isEqualTo(125);
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("podlab: ").contains("missing").hasLineCount(1);
        }
    }
}
