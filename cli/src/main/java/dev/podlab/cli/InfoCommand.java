package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.InfoRequest;
import dev.podlab.api.v1.InfoResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.VersionRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "info", description = "The engine and the host it runs on: kernel, cgroups, runtimes, counts.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-o", "--output"}, description = "text, json or yaml (default ${DEFAULT-VALUE}).")
    String output = "text";

    @Override
    public Integer call() {
        Output.check(output, "show engine info", "text", "json", "yaml");
        var client = engine.client();
        var version = client.engine().version(VersionRequest.getDefaultInstance());
        InfoResponse i = client.engine().info(InfoRequest.getDefaultInstance());
        if (!output.equals("text")) {
            var doc = (com.fasterxml.jackson.databind.node.ObjectNode) Output.tree(i);
            doc.set("engine", Output.tree(version));
            Output.print(doc, output);
            return 0;
        }
        System.out.println("Engine:");
        System.out.println("  version:      podlab " + i.getVersion() + " (API " + version.getApiVersion() + ")");
        System.out.println("  pid:          " + version.getPid() + ", up " + Durations.sinceNanos(version.getStartedAt())
                + ", " + Bytes.human(i.getEngineRssBytes()) + " resident");
        System.out.println("  socket:       " + version.getSocket());
        System.out.println("  state root:   " + i.getStateRoot());
        System.out.println("  containers:   " + i.getContainers() + " (" + i.getContainersRunning() + " running)");
        System.out.println("  images:       " + i.getImages());
        System.out.println("  metrics:      every " + i.getMetricsInterval() + ", " + i.getMetricsHistory() + " of history");
        i.getRepairedList().forEach(r -> System.out.println("  repaired:     " + r));
        System.out.println("Host:");
        System.out.println("  kernel:       " + i.getKernel());
        System.out.println("  cpus, memory: " + i.getHostCpus() + ", " + Bytes.human(i.getHostMemoryBytes()));
        System.out.println("  cgroups:      " + i.getCgroupVersion() + " (" + String.join(", ", i.getCgroupControllersList())
                + "), containers under " + i.getCgroupParent());
        System.out.println("Runtimes (default " + i.getDefaultRuntime() + "):");
        for (Runtime r : i.getRuntimesList()) {
            System.out.println("  " + r.getName() + ": " + r.getHandler() + (r.getVersion().isEmpty() ? "" : ", " + r.getVersion())
                    + (r.getWorks() ? ", works" : ", does not work here: " + r.getReason()));
        }
        return 0;
    }
}
