package dev.podlab.tui;

import dev.podlab.api.client.ExecStream;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.client.RawTerminal;
import dev.podlab.api.v1.ExecStart;
import dev.podlab.api.v1.TerminalSize;

import java.io.IOException;
import java.io.InputStream;

/**
 * An interactive {@code sh} in a container over the Exec stream, on the real terminal in raw mode, while
 * the workbench's screen is stopped (what {@code podlab exec -it ID sh} does).
 */
final class ExecSession {
    private ExecSession() {}

    /** Runs the shell until it exits; returns its exit status. */
    static int run(PodlabClient client, String id, String name) throws IOException {
        if (!RawTerminal.available()) {
            throw new IOException("a shell needs a real terminal (/dev/tty)");
        }
        System.out.print("\r\npodlab: shell in " + name + " (exit or Ctrl-D returns to the workbench)\r\n");
        System.out.flush();
        var start = ExecStart.newBuilder().setId(id).addCommand("sh").setTty(true)
                .addEnv("TERM=" + System.getenv().getOrDefault("TERM", "xterm"));
        int[] size = RawTerminal.size();
        if (size != null) {
            start.setSize(TerminalSize.newBuilder().setRows(size[0]).setColumns(size[1]));
        }
        try (RawTerminal raw = RawTerminal.enter()) {
            ExecStream exec = ExecStream.open(client, start.build(), System.out, System.err);
            Thread pump = Thread.ofPlatform().daemon(true).name("tui-exec-stdin").start(() -> pump(System.in, exec));
            try (RawTerminal.Subscription resizes = RawTerminal.onResize(n -> exec.resize(n[0], n[1]))) {
                return exec.await();
            } finally {
                pump.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Copies the keyboard to the shell. It reads only what is available, so that no keystroke meant for the
     * workbench is swallowed by a read still blocked after the shell exited.
     */
    private static void pump(InputStream stdin, ExecStream exec) {
        byte[] buf = new byte[4096];
        try {
            while (!exec.done() && !Thread.currentThread().isInterrupted()) {
                int avail = stdin.available();
                if (avail <= 0) {
                    Thread.sleep(10);
                    continue;
                }
                int n = stdin.read(buf, 0, Math.min(buf.length, avail));
                if (n < 0) {
                    break;
                }
                exec.send(buf, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            // The call ended under us: nothing more to send.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exec.closeStdin();
    }
}
