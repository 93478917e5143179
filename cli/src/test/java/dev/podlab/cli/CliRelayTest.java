package dev.podlab.cli;

import dev.podlab.cli.relay.CliRelay;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * podlab-client (the real static binary) against the CLI relay of an engine service in this JVM: the same output,
 * errors and exit statuses as the JVM client, the client's working directory, fallback to the JVM for what the
 * relay does not run, a hang-up stopping its command, and commands in parallel keeping their own output.
 */
@Tag("root")
class CliRelayTest {
    private static final Path CLIENT = Path.of("target/podlab-client").toAbsolutePath();
    private CliRunner cli;
    private Path fallback;

    private record Result(int status, String out, String err) {}

    @BeforeEach
    void setUp() throws IOException {
        HostRequirements.requireRoot();
        assertThat(CLIENT).as("podlab-client is built by the cli module's process-resources phase (make)").isExecutable();
        cli = new CliRunner("plrelay");
        // Stands in for the JVM launcher: says that it ran, with what, and whether PODLAB_DIRECT was set.
        fallback = cli.root.resolve("jvm-launcher");
        Files.writeString(fallback, "#!/bin/sh\necho \"jvm PODLAB_DIRECT=$PODLAB_DIRECT $*\"\nexit 3\n");
        fallback.toFile().setExecutable(true);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (cli != null) {
            cli.close();
        }
    }

    private ProcessBuilder client(Path cwd, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(CLIENT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PODLAB_"));
        pb.environment().put("PODLAB_ROOT", cli.root.toString());
        pb.environment().put("PODLAB_CLIENT_FALLBACK", fallback.toString());
        pb.environment().putAll(env);
        return pb;
    }

    private Result run(Path cwd, Map<String, String> env, String... args) throws Exception {
        Process p = client(cwd, env, args).start();
        p.getOutputStream().close();
        Future<byte[]> err;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            err = pool.submit(() -> p.getErrorStream().readAllBytes());
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("podlab-client %s ends", List.of(args)).isTrue();
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err.get(), StandardCharsets.UTF_8));
        }
    }

    private Result run(String... args) throws Exception {
        return run(cli.root, Map.of(), args);
    }

    private String startSleeper(String name) throws IOException {
        String id = cli.run("run", "-d", "--name", name, "--rootfs", TestEngine.rootfs().toString(), "--", "sh", "-c",
                "echo started; exec sleep 600").strip();
        assertThat(id).as("podlab run -d prints the id; stderr: %s", cli.stderr()).matches("[0-9a-f]{12,}");
        return id;
    }

    @Test
    void psAndErrorsComeBackAsTheJvmClientPrintsThem() throws Exception {
        startSleeper("relayed");
        Result ps = run("ps", "-q");
        assertThat(ps.status()).isZero();
        assertThat(ps.out()).isEqualTo(cli.run("ps", "-q")).isNotBlank();
        assertThat(ps.err()).isEmpty();
        Result table = run("ps");
        assertThat(table.out()).startsWith("CONTAINER").contains("relayed", "running");

        Result missing = run("inspect", "nosuchcontainer");
        int inProcess = cli.status("inspect", "nosuchcontainer");
        assertThat(missing.status()).isEqualTo(inProcess).isNotZero();
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err()).startsWith("podlab: ").contains("nosuchcontainer").doesNotContain("jvm");

        Result usage = run("ps", "--no-such-flag");
        assertThat(usage.status()).isEqualTo(2);
        assertThat(usage.err()).contains("Unknown option: '--no-such-flag'");
    }

    @Test
    void aRelativeManifestPathIsReadFromTheClientsDirectory() throws Exception {
        Path dir = Files.createDirectories(cli.root.resolve("manifests"));
        Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: relayed-bad
                spec:
                  containers:
                  - name: a
                """);
        Result r = run(dir, Map.of(), "play", "bad.yaml");
        assertThat(r.status()).isNotZero();
        assertThat(r.err()).contains("bad.yaml:7:").contains("image");
        assertThat(cli.run("pods")).doesNotContain("relayed-bad");
    }

    @Test
    void whatTheRelayDoesNotRunGoesToTheJvmLauncher() throws Exception {
        assertThat(run("exec", "x", "true").out()).isEqualTo("jvm PODLAB_DIRECT=1 exec x true\n");
        assertThat(run("play", "-").out()).isEqualTo("jvm PODLAB_DIRECT=1 play -\n");
        assertThat(run("ps", "--root", "/tmp").out()).isEqualTo("jvm PODLAB_DIRECT=1 ps --root /tmp\n");
        assertThat(run(cli.root, Map.of("PODLAB_CONFIG", "/etc/podlab/podlab.yaml"), "ps").out()).startsWith("jvm ");
        // No engine relay for that root: nothing answers on <root>/podlab-cli.sock.
        assertThat(run(cli.root, Map.of("PODLAB_ROOT", "/nonexistent"), "ps").out()).startsWith("jvm ");
        // The relay answers but serves another state root than the one asked for.
        Path relay = CliRelay.socketBeside(cli.service.settings().socket());
        Result other = run(cli.root, Map.of("PODLAB_CLI_SOCKET", relay.toString(), "PODLAB_ROOT", "/var/lib/other"), "ps");
        assertThat(other.out()).isEqualTo("jvm PODLAB_DIRECT=1 ps\n");
        assertThat(other.status()).isEqualTo(3);
        // PODLAB_DIRECT asks for the JVM; a launcher that comes back to the client is named, not looped on.
        assertThat(run(cli.root, Map.of("PODLAB_DIRECT", "1"), "ps").out()).isEqualTo("jvm PODLAB_DIRECT=2 ps\n");
        Result loop = run(cli.root, Map.of("PODLAB_DIRECT", "1", "PODLAB_CLIENT_FALLBACK", CLIENT.toString()), "ps");
        assertThat(loop.status()).isEqualTo(125);
        assertThat(loop.err()).isEqualTo("podlab: failed to run the JVM launcher: it leads back to podlab-client "
                + "(check PODLAB_CLIENT_FALLBACK)\n");
    }

    @Test
    void aClientThatGoesAwayStopsItsFollowingCommand() throws Exception {
        String id = startSleeper("followed");
        int before = CliRelay.running();
        Process follow = client(cli.root, Map.of(), "logs", "-f", id).start();
        try (InputStream out = follow.getInputStream()) {
            byte[] line = new byte["started\n".length()];
            assertThat(out.readNBytes(line, 0, line.length)).isEqualTo(line.length);
            assertThat(new String(line, StandardCharsets.UTF_8)).isEqualTo("started\n");
            assertThat(CliRelay.running()).isEqualTo(before + 1);
            new ProcessBuilder("kill", "-INT", Long.toString(follow.pid())).start().waitFor();
            assertThat(follow.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            follow.destroyForcibly();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (CliRelay.running() > before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(CliRelay.running()).as("relayed commands still running after the client's Ctrl-C").isEqualTo(before);
    }

    @Test
    void commandsInParallelKeepTheirOwnOutput() throws Exception {
        String id = startSleeper("parallel");
        String ps = run("ps", "-q").out();
        // Long enough (config.json, namespaces, trace) that interleaved writes would show.
        String info = run("inspect", id, "-o", "json").out();
        assertThat(ps).isNotBlank();
        assertThat(info).isNotBlank();
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            boolean even = i % 2 == 0;
            calls.add(() -> even ? run("ps", "-q").out().equals(ps) : run("inspect", id, "-o", "json").out().equals(info));
        }
        try (var pool = Executors.newFixedThreadPool(6)) {
            for (Future<Boolean> f : pool.invokeAll(calls)) {
                assertThat(f.get()).as("a parallel command printed exactly its own output").isTrue();
            }
        }
    }

    @Test
    void theRelaySocketIsTheOwnersAloneAndAStrangeRequestIsSentBack() throws Exception {
        Path relay = CliRelay.socketBeside(cli.service.settings().socket());
        assertThat(relay.getFileName().toString()).isEqualTo("podlab-cli.sock");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(relay))).isEqualTo("rw-------");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(relay));
            OutputStream out = Channels.newOutputStream(ch);
            // Exactly a header's length: unread bytes left at the close would reset the connection instead.
            out.write("GET / HT".getBytes(StandardCharsets.US_ASCII));
            ch.shutdownOutput();
            byte[] reply = Channels.newInputStream(ch).readAllBytes();
            assertThat(reply[0]).isEqualTo((byte) 'f');
            assertThat(new String(reply, 5, reply.length - 5, StandardCharsets.UTF_8)).contains("does not start with PLC1");
        }
    }
}
