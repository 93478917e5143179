package dev.podlab.cli.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * System.out and System.err of the engine process while the relay serves: each write goes to the stream of the
 * relayed command running on the writing thread, or to the process's own stream when none runs there. CLI verbs
 * print with {@code System.out.println} on the thread that runs them, so this is what lets several commands run
 * in one JVM at once without touching their code.
 */
final class RoutedOutput extends OutputStream {
    private static final ThreadLocal<Streams> TARGET = new ThreadLocal<>();
    private static PrintStream originalOut;
    private static PrintStream originalErr;
    private static int installs;
    private final PrintStream fallback;
    private final boolean error;

    private RoutedOutput(PrintStream fallback, boolean error) {
        this.fallback = fallback;
        this.error = error;
    }

    /** Where one relayed command's standard output and error go. */
    private record Streams(OutputStream out, OutputStream err) {}

    /** Routes System.out and System.err (once per process, however many relays install it). */
    static synchronized void install() {
        if (installs++ == 0) {
            originalOut = System.out;
            originalErr = System.err;
            // The relayed commands' text is UTF-8 (what podlab-client copies to the terminal as is).
            System.setOut(new PrintStream(new RoutedOutput(originalOut, false), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new RoutedOutput(originalErr, true), true, StandardCharsets.UTF_8));
        }
    }

    static synchronized void uninstall() {
        if (installs > 0 && --installs == 0) {
            System.out.flush();
            System.err.flush();
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    /** Sends this thread's standard output and error to the given streams until {@link #clear()}. */
    static void routeTo(OutputStream out, OutputStream err) {
        TARGET.set(new Streams(out, err));
    }

    static void clear() {
        TARGET.remove();
    }

    private OutputStream target() {
        Streams t = TARGET.get();
        if (t == null) {
            return fallback;
        }
        return error ? t.err : t.out;
    }

    @Override
    public void write(int b) throws IOException {
        target().write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        target().write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        target().flush();
    }
}
