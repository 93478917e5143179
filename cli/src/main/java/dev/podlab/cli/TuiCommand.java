package dev.podlab.cli;

import dev.podlab.tui.FrameBench;
import dev.podlab.tui.PodlabTui;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "tui", description = {"The terminal workbench: containers with live CPU and memory, details with the "
        + "step trace and config.json, logs, events, image layers and runtimes; keyboard first (? lists the keys).",
        "Monochrome when NO_COLOR is set."})
final class TuiCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--bench", description = "Measure the frame time of a 200-row table on a virtual terminal, print "
            + "the median (budget: 16 ms) and exit; needs no engine.")
    boolean bench;

    @Override
    public Integer call() throws Exception {
        if (bench) {
            FrameBench.run(200, 300, System.out);
            return 0;
        }
        return PodlabTui.run(engine.client());
    }
}
