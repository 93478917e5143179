package dev.podlab.cli;

import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.RuntimesRequest;
import dev.podlab.api.v1.RuntimesResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "runtimes", description = {"The engines containers can run on (runtime classes), whether each works "
        + "on this host, and why not.", "Each OCI runtime is tried once with a trivial container; the verdict is cached."})
final class RuntimesCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-o", "--output"}, description = "table, json or yaml (default ${DEFAULT-VALUE}).")
    String output = "table";

    @Override
    public Integer call() {
        Output.check(output, "list runtimes", "table", "json", "yaml");
        RuntimesResponse r = engine.client().engine().runtimes(RuntimesRequest.getDefaultInstance());
        if (!output.equals("table")) {
            Output.print(Output.tree(r), output);
            return 0;
        }
        var t = new Table("NAME", "HANDLER", "VERSION", "PATH", "WORKS", "WHY");
        for (Runtime rt : r.getRuntimesList()) {
            t.row(rt.getName() + (rt.getName().equals(r.getDefaultRuntime()) ? " (default)" : ""), rt.getHandler(),
                    rt.getVersion(), rt.getPath(), rt.getWorks() ? "yes" : "no", rt.getReason());
        }
        t.print(System.out, true);
        return 0;
    }
}
