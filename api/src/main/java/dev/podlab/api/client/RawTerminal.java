package dev.podlab.api.client;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The controlling terminal ({@code /dev/tty}) in raw mode while an interactive exec runs, restored on close:
 * keys go to the container unprocessed, and its own terminal echoes them.
 */
public final class RawTerminal implements AutoCloseable {
    private static final File TTY = new File("/dev/tty");
    private final String saved;

    private RawTerminal(String saved) {
        this.saved = saved;
    }

    /** Raw mode on the terminal; a no-op without one (input from a pipe). */
    public static RawTerminal enter() {
        if (!TTY.canRead()) {
            return new RawTerminal(null);
        }
        try {
            String saved = stty("-g").strip();
            stty("raw", "-echo");
            return new RawTerminal(saved);
        } catch (IOException e) {
            return new RawTerminal(null);
        }
    }

    /** The terminal's size as {rows, columns}, or null without a terminal. */
    public static int[] size() {
        if (!TTY.canRead()) {
            return null;
        }
        try {
            String[] f = stty("size").strip().split(" ");
            return f.length == 2 ? new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])} : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /**
     * Calls {@code onResize} with the new {rows, columns} whenever the terminal changes size
     * (SIGWINCH), until the returned handle is closed; a no-op handle without a terminal.
     */
    @SuppressWarnings("removal") // sun.misc.Signal: the JDK has no supported way to hear SIGWINCH
    public static Subscription onResize(java.util.function.Consumer<int[]> onResize) {
        if (!TTY.canRead()) {
            return () -> { };
        }
        var winch = new sun.misc.Signal("WINCH");
        sun.misc.SignalHandler previous;
        try {
            previous = sun.misc.Signal.handle(winch, sig -> {
                int[] size = size();
                if (size != null) {
                    onResize.accept(size);
                }
            });
        } catch (IllegalArgumentException e) {
            return () -> { }; // the VM keeps SIGWINCH for itself here: sizes stay as they started
        }
        return () -> sun.misc.Signal.handle(winch, previous);
    }

    /** What {@link #onResize} returns: closing it stops the calls. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    public static boolean available() {
        return TTY.canRead();
    }

    private static String stty(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("stty"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    @Override
    public void close() {
        if (saved != null) {
            try {
                stty(saved);
            } catch (IOException e) {
                // The terminal went away; `reset` repairs one left raw.
            }
        }
    }
}
