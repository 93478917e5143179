package dev.podlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.InfoRequest;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.InspectContainerResponse;
import dev.podlab.api.v1.TraceStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "inspect", description = "Show a container: state, cgroups, namespaces, the step trace and config.json.")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--config-json", description = "Print only the OCI config.json the runtime executed.")
    boolean configOnly;

    @Option(names = "--trace", description = "Print only the step trace.")
    boolean traceOnly;

    @Option(names = {"-o", "--output"}, description = "text, json or yaml (default ${DEFAULT-VALUE}).")
    String output = "text";

    @Parameters(paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws Exception {
        Output.check(output, "inspect container " + container, "text", "json", "yaml");
        var client = engine.client();
        InspectContainerResponse r = client.containers().inspect(InspectContainerRequest.newBuilder()
                .setId(container).setConfigJson(configOnly).setTrace(!configOnly).build());
        if (configOnly) {
            System.out.println(r.getConfigJson());
            return 0;
        }
        if (traceOnly) {
            printTrace(r.getTraceList());
            return 0;
        }
        if (!output.equals("text")) {
            ObjectNode doc = new ObjectMapper().createObjectNode();
            doc.set("record", new ObjectMapper().readTree(r.getRecordJson()));
            doc.set("cgroups", Output.tree(r).path("cgroupPaths"));
            doc.set("namespaces", Output.tree(r).path("namespaces"));
            if (r.hasVm()) {
                doc.set("vm", Output.tree(r.getVm()));
            }
            doc.set("trace", Output.tree(r.getTraceList()));
            Output.print(doc, output);
            return 0;
        }
        Container c = r.getContainer();
        var info = client.engine().info(InfoRequest.getDefaultInstance());
        System.out.println("Container " + c.getId() + (c.getName().isEmpty() ? "" : " (" + c.getName() + ")"));
        System.out.println("  status:    " + PsCommand.status(c) + (c.getReason().isEmpty() ? "" : " - " + c.getReason()));
        System.out.println("  runtime:   " + c.getRuntime() + ", shim pid " + c.getShimPid() + ", init pid " + c.getInitPid());
        System.out.println("  command:   " + String.join(" ", c.getCommandList()));
        System.out.println("  rootfs:    " + (c.getImage().isEmpty() ? "a directory" : "image " + c.getImage())
                + ", read-only layer(s) under a private upper directory (overlayfs)");
        System.out.println("  log:       " + c.getLogPath());
        c.getWarningsList().forEach(w -> System.out.println("  warning:   " + w));
        System.out.println("Cgroups (" + info.getCgroupVersion() + "):");
        r.getCgroupPathsMap().forEach((k, v) -> System.out.println("  " + pad(k.isEmpty() ? "unified" : k) + v));
        if (r.getCgroupPathsMap().isEmpty()) {
            System.out.println("  (none: the container is not running; it was " + c.getCgroupPath() + ")");
        }
        if (r.hasVm()) {
            // A kvm container's processes live in a guest: no host namespaces, but a VM.
            var vm = dev.podlab.api.view.PodDiagram.sides(r.getVm(), List.of());
            System.out.println("VM (host side):");
            vm.host().forEach(f -> System.out.println("  " + String.format("%-14s ", f.label()) + f.value()));
            System.out.println("VM (guest side):");
            vm.guest().forEach(f -> System.out.println("  " + String.format("%-14s ", f.label()) + f.value()));
        } else {
            System.out.println("Namespaces of init (inode numbers identify them; equal numbers mean shared):");
            r.getNamespacesMap().forEach((k, v) -> System.out.println("  " + pad(k) + v));
        }
        System.out.println("Trace:");
        printTrace(r.getTraceList());
        System.out.println("config.json: podlab inspect --config-json " + container);
        return 0;
    }

    private static String pad(String s) {
        return String.format("%-10s ", s);
    }

    static void printTrace(List<TraceStep> unsorted) {
        List<TraceStep> trace = unsorted.stream().sorted(Comparator.comparingLong(TraceStep::getStart)).toList();
        long t0 = trace.isEmpty() ? 0 : trace.get(0).getStart();
        for (TraceStep ev : trace) {
            System.out.printf("  +%9s  %-6s %-22s %10s  %s%n", Durations.precise(ev.getStart() - t0), ev.getSource(),
                    ev.getStep(), ev.getDurationNanos() == 0 ? "" : Durations.precise(ev.getDurationNanos()),
                    ev.getDetail());
        }
    }
}
