package dev.podlab.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What a process wrote to one stream, read on a virtual thread while the test talks to the process
 * (interactive exec): {@link #text} at any moment (terminal {@code \r} dropped), {@link #await} until it
 * contains something, {@link #join} once the stream ended.
 */
public final class StreamCapture {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Thread reader;

    private StreamCapture(InputStream in) {
        reader = Thread.ofVirtual().start(() -> copy(in));
    }

    public static StreamCapture of(InputStream in) {
        return new StreamCapture(in);
    }

    public String text() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8).replace("\r", "");
        }
    }

    /** Waits until the text contains {@code expected} (or {@code timeout} passes) and returns the text. */
    public String await(String expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!text().contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return text();
    }

    /** Waits for the end of the stream and returns the text. */
    public String join() throws InterruptedException {
        reader.join();
        return text();
    }

    private void copy(InputStream in) {
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
