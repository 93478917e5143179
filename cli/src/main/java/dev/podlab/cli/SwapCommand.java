package dev.podlab.cli;

import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.SwapPodRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "swap", description = "Recreate a running pod on another runtime, keeping its spec; show before and after.")
final class SwapCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--runtime", required = true, paramLabel = "NAME", description = "The runtime class to move to.")
    String runtime;

    @Parameters(paramLabel = "POD")
    String pod;

    @Override
    public Integer call() {
        var r = engine.client().pods().swap(SwapPodRequest.newBuilder().setPod(pod).setRuntime(runtime).build());
        var t = new Table("", "RUNTIME", "POD ID", "STATUS", "IP", "CONTAINERS");
        row(t, "before", r.getBefore());
        row(t, "after", r.getAfter());
        t.print(System.out, true);
        System.out.println("running again on " + runtime + " " + r.getTookMillis() + " ms after the old pod was gone");
        return 0;
    }

    private static void row(Table t, String when, Pod p) {
        t.row(when, p.getRuntime(), p.getId().substring(0, 12), PodsCommand.status(p) + " " + p.getReady(),
                p.getPodIp(), String.join(", ", p.getContainersList().stream()
                        .map(c -> c.getName() + "=" + (c.getContainerId().length() >= 12 ? c.getContainerId().substring(0, 12) : "-"))
                        .toList()));
    }
}
