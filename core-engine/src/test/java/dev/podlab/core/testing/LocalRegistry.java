package dev.podlab.core.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real registry (Debian's docker-registry 2.8) on 127.0.0.1 and a free port, storing into a temporary
 * directory, for pull tests. {@link #push} copies an OCI layout into it with skopeo. {@link #close()} kills the
 * registry process (by its pid, never by name) and deletes its storage.
 *
 * <pre>{@code
 * try (LocalRegistry reg = LocalRegistry.start()) {
 *     reg.push(layoutDir, "v1", "demo");
 *     ... pull reg.hostPort() + "/demo:v1" ...
 * }
 * }</pre>
 *
 * Tests using it need {@code @Tag("host-tools")} and call {@link #requireTools()} first (skips on a laptop without
 * the tools, fails on CI).
 */
public final class LocalRegistry implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration PUSH_TIMEOUT = Duration.ofSeconds(120);

    private final Path dir;
    private final Process process;
    private final int port;

    private LocalRegistry(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /** Skips (or fails on CI) unless docker-registry and skopeo are installed. */
    public static void requireTools() {
        HostRequirements.requireCommand("docker-registry");
        HostRequirements.requireCommand("skopeo");
    }

    /** Starts a registry and waits until {@code GET /v2/} answers. */
    public static LocalRegistry start() throws IOException {
        Path binary = HostRequirements.requireCommand("docker-registry");
        Path dir = Files.createTempDirectory("podlab-registry");
        IOException last = null;
        // The free port is found by binding and releasing it; another process may grab it before the
        // registry binds, so a registry that dies at once is retried on a fresh port.
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: warn
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                      secret: podlab-test-secret
                    health:
                      storagedriver:
                        enabled: false
                    """.formatted(dir.resolve("storage"), port));
            Path log = dir.resolve("registry.log");
            Process p = new ProcessBuilder(binary.toString(), "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            try {
                awaitReady(p, port, log);
                return new LocalRegistry(dir, p, port);
            } catch (IOException e) {
                kill(p);
                last = e;
            }
        }
        deleteTree(dir);
        throw last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Polls {@code GET /v2/} with a short, growing backoff until it answers 200, the process dies or time runs out. */
    private static void awaitReady(Process p, int port, Path log) throws IOException {
        URI url = URI.create("http://127.0.0.1:" + port + "/v2/");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        long backoffMs = 10;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            while (true) {
                if (!p.isAlive()) {
                    throw new IOException("docker-registry exited with " + p.exitValue() + " before answering on port "
                            + port + ": " + tail(log));
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url).version(HttpClient.Version.HTTP_1_1)
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet: try again after the backoff
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("docker-registry did not answer on " + url + " within " + START_TIMEOUT
                            + ": " + tail(log));
                }
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for docker-registry", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}: the registry part of image references. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** {@code http://127.0.0.1:<port>}: for mirror configuration. */
    public String url() {
        return "http://" + hostPort();
    }

    /** The registry's log (warnings and errors). */
    public String log() {
        return tail(dir.resolve("registry.log"));
    }

    /**
     * Copies {@code oci:<layout>:<tag>} to {@code <this registry>/<repo>:<tag>} with skopeo ({@code --all} when the
     * tag names an index, so every platform goes along).
     */
    public void push(Path ociLayoutDir, String tag, String repo) throws IOException {
        push(ociLayoutDir, tag, repo, null);
    }

    /**
     * {@link #push(Path, String, String)} converting the manifest on the way: {@code format} is skopeo's
     * {@code --format} ("v2s2" for Docker schema 2; skopeo 1.9 reads only OCI media types from an OCI layout, so
     * this is how a registry gets a Docker-typed image), null to keep it as it is.
     */
    public void push(Path ociLayoutDir, String tag, String repo, String format) throws IOException {
        Path skopeo = HostRequirements.requireCommand("skopeo");
        List<String> cmd = new ArrayList<>(List.of(skopeo.toString(), "--insecure-policy", "copy", "--quiet",
                "--dest-tls-verify=false", "--dest-no-creds"));
        if (isIndex(ociLayoutDir, tag)) {
            cmd.add("--all");
        }
        if (format != null) {
            cmd.add("--format=" + format);
        }
        cmd.add("oci:" + ociLayoutDir + ":" + tag);
        cmd.add("docker://" + hostPort() + "/" + repo + ":" + tag);
        Path out = dir.resolve("skopeo.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!p.waitFor(PUSH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                kill(p);
                throw new IOException("skopeo copy did not finish within " + PUSH_TIMEOUT + ": " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while pushing with skopeo", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("failed to push " + ociLayoutDir + ":" + tag + " to " + hostPort() + "/" + repo
                    + ": skopeo exited with " + p.exitValue() + ": " + Files.readString(out).strip());
        }
    }

    private static boolean isIndex(Path layout, String tag) throws IOException {
        JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
        for (JsonNode m : index.path("manifests")) {
            if (tag.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText(null))) {
                String type = m.path("mediaType").asText("");
                return type.equals("application/vnd.oci.image.index.v1+json")
                        || type.equals("application/vnd.docker.distribution.manifest.list.v2+json");
            }
        }
        return false;
    }

    private static void kill(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() throws IOException {
        kill(process);
        deleteTree(dir);
    }
}
