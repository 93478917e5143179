package dev.podlab.cli;

import dev.podlab.tui.FrameBench;
import dev.podlab.tui.PodlabTui;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "tui", description = {"The terminal workbench: pods and containers with live CPU and memory, a pod's containers, "
        + "conditions, events, trace and manifest report; play, delete, swap and compare; logs, events, image layers, "
        + "pulls and runtimes; keyboard first (? lists the keys).",
        "Monochrome when NO_COLOR is set."})
final class TuiCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--bench", description = "Measure the frame time of the 200-row pods and containers tables on a virtual terminal, print "
            + "the median (budget: 16 ms) and exit; needs no engine.")
    boolean bench;

    @Override
    public Integer call() throws Exception {
        if (bench) {
            FrameBench.runPods(200, 300, System.out);
            FrameBench.run(200, 300, System.out);
            return 0;
        }
        // As every command, the workbench starts an engine on demand; it does again when the engine goes away.
        return PodlabTui.run(engine.client(), engine.engineStarter());
    }
}
