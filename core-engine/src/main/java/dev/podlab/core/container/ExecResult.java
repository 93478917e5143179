package dev.podlab.core.container;

/** Outcome of a synchronous exec: output as bytes, the exit code, and whether it timed out. */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut) {
    public String stdoutText() {
        return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, java.nio.charset.StandardCharsets.UTF_8);
    }
}
