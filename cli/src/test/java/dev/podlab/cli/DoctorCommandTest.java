package dev.podlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.host.Check;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code podlab doctor} on the real host (works with or without root) and its text rendering. */
class DoctorCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        oldOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        root = Files.createTempDirectory("pldoctor");
    }

    @AfterEach
    void tearDown() throws Exception {
        System.setOut(oldOut);
        Files.deleteIfExists(root);
    }

    @Test
    void jsonListsEveryCheckAndExitStatusFollowsFailures() throws Exception {
        int status = Main.execute("doctor", "--root", root.toString(), "-o", "json");
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.isArray()).isTrue();
        List<String> ids = new ArrayList<>();
        boolean failed = false;
        for (JsonNode c : json) {
            ids.add(c.get("id").asText());
            assertThat(c.get("status").asText()).isIn("OK", "WARN", "FAIL", "INFO");
            assertThat(c.has("title") && c.has("detail") && c.has("fix")).isTrue();
            failed |= c.get("status").asText().equals("FAIL");
        }
        assertThat(ids).contains("root", "kernel", "namespaces", "cgroup", "overlayfs", "runtime.runc", "disk",
                "state-root");
        assertThat(status).isEqualTo(failed ? 1 : 0);
        // The JSON round-trips into the record.
        Check first = new ObjectMapper().treeToValue(json.get(0), Check.class);
        assertThat(first.id()).isEqualTo("root");
    }

    @Test
    void textIsAChecklistWithFixLines() {
        String text = DoctorCommand.text(List.of(
                new Check("root", "running as root", Check.Status.FAIL, "effective uid 1000", "run podlab with sudo"),
                new Check("kernel", "kernel version", Check.Status.OK, "Linux 6.1.0", ""),
                new Check("kvm", "/dev/kvm", Check.Status.INFO, "present; guest boot not probed yet", ""),
                new Check("disk", "disk space", Check.Status.WARN, "1.0 GiB free", "free space")));
        assertThat(text).isEqualTo("""
                [FAIL] running as root: effective uid 1000
                       fix: run podlab with sudo
                [ok  ] kernel version: Linux 6.1.0
                [info] /dev/kvm: present; guest boot not probed yet
                [warn] disk space: 1.0 GiB free
                       fix: free space

                4 checks: 1 failed, 1 warnings - fix the FAIL lines first
                """);
    }

    @Test
    void textOutputOnTheRealHost() {
        int status = Main.execute("doctor", "--root", root.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("] kernel version: Linux ", " checks: ");
        assertThat(status).isIn(0, 1);
    }

    @Test
    void socketsAreReportedWithoutStartingAnEngine(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        var settings = dev.podlab.core.config.EngineSettings.defaults().withOverrides(
                dev.podlab.core.config.EngineSettings.Overrides.builder().stateRoot(tmp).socket(tmp.resolve("podlab.sock"))
                        .criSocket(tmp.resolve("cri.sock")).build());
        List<Check> none = DoctorCommand.sockets(settings);
        assertThat(none).extracting(Check::id).containsExactly("engine", "cri");
        assertThat(none).allSatisfy(c -> assertThat(c.status()).isEqualTo(Check.Status.INFO));
        assertThat(none.get(0).detail()).contains("not running");

        Files.createFile(tmp.resolve("podlab.sock")); // left behind: nothing answers
        Files.createFile(tmp.resolve("cri.sock"));
        Files.setPosixFilePermissions(tmp.resolve("cri.sock"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        List<Check> stale = DoctorCommand.sockets(settings);
        assertThat(stale.get(0).status()).isEqualTo(Check.Status.WARN);
        assertThat(stale.get(0).detail()).contains("nothing answers");
        assertThat(stale.get(1).status()).isEqualTo(Check.Status.WARN);
        assertThat(stale.get(1).detail()).contains("nothing listens");
        assertThat(Files.list(tmp).toList()).hasSize(2); // no engine was started

        // A CRI socket something listens on: its mode decides.
        Files.delete(tmp.resolve("cri.sock"));
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(tmp.resolve("cri.sock")));
            Files.setPosixFilePermissions(tmp.resolve("cri.sock"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            Check open = DoctorCommand.sockets(settings).get(1);
            assertThat(open.status()).isEqualTo(Check.Status.WARN);
            assertThat(open.fix()).contains("0600");
            Files.setPosixFilePermissions(tmp.resolve("cri.sock"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            assertThat(DoctorCommand.sockets(settings).get(1)).extracting(Check::status, Check::detail)
                    .containsExactly(Check.Status.OK, tmp.resolve("cri.sock") + " (mode rw-------)");
        }
    }

    @Test
    void probeKvmWithoutTheDeviceBootsNothing(@org.junit.jupiter.api.io.TempDir Path tmp) {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/kvm")),
                "this host has /dev/kvm: a probe would boot a VM");
        int status = Main.execute("doctor", "--root", tmp.toString(), "--probe-kvm");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).isIn(0, 1);
        assertThat(text).contains("KVM for VM guests: /dev/kvm absent");
        assertThat(tmp.resolve("kvm/accel.json")).doesNotExist(); // nothing to cache without the device
    }
}
