package dev.podlab.api.view;

import dev.podlab.api.client.ExecStream;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.ExecStart;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An exec console on one container without a tty: each command line runs as {@code sh -c LINE} over the
 * interactive Containers.Exec stream, its output streams into a transcript as it arrives, and its exit status
 * ends the entry. Keeps a command history (previous/next, as a shell's arrow keys) and the newest
 * {@code capacity} transcript lines. One command at a time; {@link #interrupt()} closes its stdin.
 */
public final class ExecConsoleModel extends ViewModel {
    /** What a transcript line is. */
    public enum Kind { COMMAND, STDOUT, STDERR, STATUS }

    public record Line(Kind kind, String text) {}

    private final int capacity;
    private final List<Line> lines = new ArrayList<>();
    private final List<String> history = new ArrayList<>();
    private int historyPos;
    private String containerId = "";
    private ExecStream running;
    private final StringBuilder[] partial = {new StringBuilder(), new StringBuilder()};

    public ExecConsoleModel(Dispatcher ui, int capacity) {
        super(ui);
        this.capacity = capacity;
    }

    /** Points the console at another container (the transcript is kept: it says which container ran what). */
    public void setContainer(String id) {
        checkUiThread();
        containerId = id == null ? "" : id;
        changed();
    }

    public String container() {
        return containerId;
    }

    public boolean running() {
        return running != null;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The transcript as plain text, one line per line ("$ " before commands). */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (Line l : lines) {
            b.append(l.kind() == Kind.COMMAND ? "$ " : "").append(l.text()).append('\n');
        }
        return b.toString();
    }

    /**
     * Runs {@code line} in the container through {@code client}. Ignored when blank, when no container is set
     * or while a command runs (the console says so).
     *
     * @return whether the command was started
     */
    public boolean run(PodlabClient client, String line) {
        checkUiThread();
        if (line == null || line.isBlank()) {
            return false;
        }
        if (containerId.isEmpty()) {
            add(new Line(Kind.STATUS, "no container selected"));
            changed();
            return false;
        }
        if (running != null) {
            add(new Line(Kind.STATUS, "a command is still running (Ctrl+C closes its input)"));
            changed();
            return false;
        }
        remember(line);
        add(new Line(Kind.COMMAND, line));
        partial[0].setLength(0);
        partial[1].setLength(0);
        ExecStart start = ExecStart.newBuilder().setId(containerId).addCommand("sh").addCommand("-c").addCommand(line)
                .build();
        try {
            ExecStream s = ExecStream.open(client, start, sink(Kind.STDOUT), sink(Kind.STDERR));
            running = s;
            // The stream calls back on gRPC threads; waiting for the end happens on a worker, not the UI thread.
            Thread.ofVirtual().name("podlab-exec-wait").start(() -> {
                String end;
                try {
                    end = "exit status " + s.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    end = "interrupted";
                } catch (Exception e) {
                    end = EngineFeeds.describe(e);
                }
                String status = end;
                dispatcher().dispatch(() -> finished(s, status));
            });
        } catch (RuntimeException e) {
            add(new Line(Kind.STATUS, EngineFeeds.describe(e)));
        }
        changed();
        return true;
    }

    /** Ends the running command's input (commands reading stdin, like cat, end then). */
    public void interrupt() {
        checkUiThread();
        if (running != null) {
            running.closeStdin();
        }
    }

    /** Puts {@code line} at the end of the history (once) and resets the walk through it. */
    void remember(String line) {
        history.remove(line);
        history.add(line);
        historyPos = history.size();
    }

    /** The previous command of the history (Up), or "" at its start. */
    public String previous() {
        checkUiThread();
        historyPos = Math.max(0, historyPos - 1);
        return historyPos < history.size() ? history.get(historyPos) : "";
    }

    /** The next command of the history (Down), or "" past its end. */
    public String next() {
        checkUiThread();
        historyPos = Math.min(history.size(), historyPos + 1);
        return historyPos < history.size() ? history.get(historyPos) : "";
    }

    public void clear() {
        checkUiThread();
        lines.clear();
        changed();
    }

    /** Output bytes of one stream, cut into lines on the UI thread (a line may come in several messages). */
    void output(Kind kind, String chunk) {
        checkUiThread();
        StringBuilder p = partial[kind == Kind.STDOUT ? 0 : 1];
        p.append(chunk);
        int nl;
        while ((nl = p.indexOf("\n")) >= 0) {
            add(new Line(kind, p.substring(0, nl)));
            p.delete(0, nl + 1);
        }
        changed();
    }

    void finished(ExecStream s, String status) {
        checkUiThread();
        if (running != s) {
            return;
        }
        running = null;
        for (int i = 0; i < 2; i++) {
            if (!partial[i].isEmpty()) {
                add(new Line(i == 0 ? Kind.STDOUT : Kind.STDERR, partial[i].toString()));
                partial[i].setLength(0);
            }
        }
        add(new Line(Kind.STATUS, status));
        changed();
    }

    private void add(Line l) {
        lines.add(l);
        if (lines.size() > capacity) {
            lines.remove(0);
        }
    }

    private OutputStream sink(Kind kind) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                String s = new String(b, off, len, StandardCharsets.UTF_8);
                dispatcher().dispatch(() -> output(kind, s));
            }
        };
    }
}
