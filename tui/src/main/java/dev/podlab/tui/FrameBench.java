package dev.podlab.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.MetricsRound;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.Sample;
import dev.podlab.api.view.KeyedTableModel;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Frame time of the containers view with many rows ({@code podlab tui --bench}): a whole frame (layout,
 * sparklines from the series model, Lanterna's diff and output) on a virtual terminal, no engine needed.
 */
public final class FrameBench {
    private FrameBench() {}

    /** Draws {@code frames} frames of {@code rows} containers and prints the median; returns it in ms. */
    public static double run(int rows, int frames, PrintStream out) throws IOException {
        var screen = new TerminalScreen(new DefaultVirtualTerminal(new TerminalSize(200, 60)));
        screen.startScreen();
        PodlabTui tui = PodlabTui.offline(screen, Palette.color());
        List<Container> containers = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < rows; i++) {
            containers.add(Container.newBuilder().setId(String.format("%064x", i * 7919L + 1)).setName("bench-" + i)
                    .setImage("localhost/sample/web:" + i % 5).setRuntime(i % 3 == 0 ? "runc" : "builtin")
                    .setState(i % 4 == 0 ? "exited" : "running").setCreatedAt((now - i * 1000L) * 1_000_000L).build());
        }
        tui.table.setAll(containers);
        return measure("tui frame", screen, tui, new ContainersView(tui), tui.table, containers, now, frames, out);
    }

    /** The same for the pods view: {@code rows} pods with their pod cgroup series; prints and returns the median. */
    public static double runPods(int rows, int frames, PrintStream out) throws IOException {
        var screen = new TerminalScreen(new DefaultVirtualTerminal(new TerminalSize(200, 60)));
        screen.startScreen();
        PodlabTui tui = PodlabTui.offline(screen, Palette.color());
        List<Pod> pods = new ArrayList<>();
        List<Container> ids = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < rows; i++) {
            String id = String.format("%064x", i * 104729L + 3);
            pods.add(Pod.newBuilder().setId(id).setName("bench-pod-" + i).setNamespace(i % 3 == 0 ? "demo" : "default")
                    .setRuntime(i % 3 == 0 ? "runc" : "builtin").setPhase(i % 7 == 0 ? "Pending" : "Running")
                    .setReady(i % 7 == 0 ? "0/2" : "2/2").setRestarts(i % 5).setPodIp("10.88.0." + (i % 250 + 2))
                    .setCreatedAt((now - i * 1000L) * 1_000_000L).build());
            ids.add(Container.newBuilder().setId(id).build());
        }
        tui.pods.setAll(pods);
        return measure("tui frame (pods)", screen, tui, new PodsView(tui), tui.pods, ids, now, frames, out);
    }

    /**
     * Draws {@code frames} frames of {@code view} over {@code table} (its rows' series keyed by {@code ids}) after a
     * minute of history and a warm-up; prints and returns the median frame time in milliseconds.
     */
    private static double measure(String label, TerminalScreen screen, PodlabTui tui, View view,
                                  KeyedTableModel<?, ?, ?> table, List<Container> ids, long now, int frames,
                                  PrintStream out) throws IOException {
        for (int s = 0; s < 60; s++) {
            tui.metrics.applyRound(round(ids, now - (60 - s) * 1000L, s));
        }
        tui.push(view);
        double[] times = new double[frames];
        // The first frames run interpreted; a workbench left open runs compiled code. Warm up, then measure.
        for (int f = -Math.min(100, frames); f < frames; f++) {
            // Each frame brings a metrics round and a moved selection, as a live table would.
            var round = round(ids, now + (f + 100) * 1000L, f + 100);
            tui.metrics.applyRound(round);
            table.updateUsage(round.getSamplesMap());
            table.moveSelection(f % 2 == 0 ? 1 : -1);
            long t0 = System.nanoTime();
            tui.render();
            if (f >= 0) {
                times[f] = (System.nanoTime() - t0) / 1e6;
            }
        }
        screen.stopScreen();
        Arrays.sort(times);
        double median = times[frames / 2];
        out.printf("%s: %d rows, %d frames on 200x60: median %.2f ms, p90 %.2f ms, max %.2f ms (budget 16 ms)%n",
                label, ids.size(), frames, median, times[frames * 9 / 10], times[frames - 1]);
        return median;
    }

    private static MetricsRound round(List<Container> containers, long millis, int step) {
        var b = MetricsRound.newBuilder().setEpochMillis(millis);
        for (int i = 0; i < containers.size(); i++) {
            b.putSamples(containers.get(i).getId(), Sample.newBuilder().setEpochMillis(millis)
                    .setCpuCores(((i + step) % 10) / 10.0).setMemoryWorkingSetBytes((long) (i + 1 + step % 7) << 20)
                    .setMemoryLimitBytes(256L << 20).setPidsCurrent(1 + i % 4).setPidsLimit(-1).build());
        }
        return b.build();
    }

    public static void main(String[] args) throws IOException {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        runPods(rows, frames, System.out);
        run(rows, frames, System.out);
    }
}
