package dev.podlab.core.net;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs one plugin binary: configuration on stdin, result or error JSON on stdout. stdin is written and stdout and
 * stderr are read by threads of their own, so a plugin that writes before reading all its input, or writes a lot,
 * cannot deadlock against us; the whole run has a deadline, after which the plugin and its children are killed.
 */
final class CniExec {

    /** More than any sane result; the rest is drained and dropped so the plugin never blocks on a full pipe. */
    private static final int OUTPUT_LIMIT = 4 << 20;
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Duration timeout;

    CniExec(Duration timeout) {
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    /** @return the plugin's stdout on exit status 0 */
    byte[] run(String type, Path binary, Map<String, String> env, byte[] stdin) throws PluginFailure {
        ProcessBuilder pb = new ProcessBuilder(binary.toString());
        // Inherit the engine's environment (PATH: portmap and bridge run iptables) minus stray CNI_ variables.
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().putIfAbsent("PATH", DEFAULT_PATH);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new PluginFailure(type, 0, "cannot run " + binary, e.getMessage());
        }
        CompletableFuture<Void> in = async(() -> {
            try (OutputStream os = p.getOutputStream()) {
                os.write(stdin);
            } catch (IOException ignored) {
                // The plugin closed stdin early (exited or did not need it); its exit status tells the story.
            }
            return null;
        });
        CompletableFuture<byte[]> out = async(() -> readBounded(p.getInputStream()));
        CompletableFuture<byte[]> err = async(() -> readBounded(p.getErrorStream()));
        boolean exited;
        try {
            exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new PluginFailure(type, 0, "interrupted", null);
        }
        if (!exited) {
            kill(p);
            throw new PluginFailure(type, 0, "timed out after " + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds()
                    + " s" : timeout.toMillis() + " ms"), clip(text(join(err)).trim()));
        }
        join(in);
        byte[] stdout = java.util.Objects.requireNonNullElse(join(out), new byte[0]);
        String stderr = text(join(err)).trim();
        if (p.exitValue() == 0) {
            return stdout;
        }
        try {
            JsonNode e = CniConfigList.JSON.readTree(stdout);
            if (e != null && e.hasNonNull("msg")) {
                return fail(type, e.path("code").asInt(0), e.get("msg").asText(), e.path("details").asText(null));
            }
        } catch (IOException notJson) {
            // fall through: report the exit status and what the plugin printed
        }
        String printed = stderr.isEmpty() ? text(stdout).trim() : stderr;
        return fail(type, 0, "exit status " + p.exitValue(), clip(printed));
    }

    private static byte[] fail(String type, int code, String msg, String details) throws PluginFailure {
        throw new PluginFailure(type, code, msg, details);
    }

    /** Keeps error messages readable when a plugin prints a lot before failing. */
    private static String clip(String s) {
        return s.length() <= 2000 ? s : s.substring(0, 2000) + "... (" + (s.length() - 2000) + " more characters)";
    }

    private static void kill(Process p) {
        // Children first (iptables run by portmap, the IPAM plugin run by bridge), by handle, then the plugin.
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] readBounded(InputStream s) throws IOException {
        try (s) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            buf.write(s.readNBytes(OUTPUT_LIMIT));
            s.transferTo(OutputStream.nullOutputStream());
            return buf.toByteArray();
        }
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> CompletableFuture<T> async(IoSupplier<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("podlab-cni-io").start(() -> {
            try {
                f.complete(body.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            // The process has exited (or was killed), so its pipes close and these finish promptly; the bound
            // only guards against a grandchild that kept a pipe open.
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String text(byte[] b) {
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }
}
