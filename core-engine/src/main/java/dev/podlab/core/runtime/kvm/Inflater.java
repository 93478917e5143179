package dev.podlab.core.runtime.kvm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.zip.GZIPInputStream;

/**
 * Decompresses the formats distribution kernels use for the kernel payload and for modules: gzip
 * in Java, xz, zstd and lz4 through their command-line tools (xz-utils, zstd, lz4), streaming.
 */
final class Inflater {
    private Inflater() {}

    /** Whether {@code format} is one of gzip, xz, zstd, lz4. */
    static boolean knows(String format) {
        return List.of("gzip", "xz", "zstd", "lz4").contains(format);
    }

    /**
     * Copies {@code compressed}, inflated, to {@code out}; {@code what} names the input in errors.
     * A tool that is missing or fails is an IOException that says which and why.
     */
    static void inflate(String format, InputStream compressed, OutputStream out, String what) throws IOException {
        if (format.equals("gzip")) {
            new GZIPInputStream(compressed).transferTo(out);
            return;
        }
        List<String> cmd = switch (format) {
            case "xz" -> List.of("xz", "--decompress", "--stdout", "--single-stream");
            case "zstd" -> List.of("zstd", "--decompress", "--stdout", "--quiet");
            case "lz4" -> List.of("lz4", "--decompress", "--stdout", "--quiet");
            default -> throw new IOException("failed to inflate " + what + ": unknown format " + format);
        };
        Process proc;
        try {
            proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new IOException("failed to inflate " + what + ": " + format + " needs the tool " + cmd.get(0) + " ("
                    + e.getMessage() + ")", e);
        }
        // The tool's output is drained while its input is written: neither pipe may fill up.
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
            try (InputStream fromTool = proc.getInputStream()) {
                fromTool.transferTo(out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        try (OutputStream toTool = proc.getOutputStream()) {
            compressed.transferTo(toTool);
        } catch (IOException e) {
            // The tool stopped reading (bad input): its status and message below say why.
        }
        try {
            String err = new String(proc.getErrorStream().readAllBytes()).strip();
            drained.get();
            if (proc.waitFor() != 0) {
                throw new IOException("failed to inflate " + what + ": " + cmd.get(0) + " exited with "
                        + proc.exitValue() + (err.isEmpty() ? "" : ": " + err));
            }
        } catch (ExecutionException e) {
            throw new IOException("failed to inflate " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            proc.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("failed to inflate " + what + ": interrupted", e);
        }
    }
}
