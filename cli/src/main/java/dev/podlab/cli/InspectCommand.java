package dev.podlab.cli;

import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.state.ContainerStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "inspect", description = "Show a container: state, cgroups, namespaces, the step trace and config.json.")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--config-json", description = "Print only the OCI config.json the runtime executed.")
    boolean configOnly;

    @Option(names = "--trace", description = "Print only the step trace.")
    boolean traceOnly;

    @Option(names = {"-o", "--output"}, description = "text or json (default ${DEFAULT-VALUE}).")
    String output = "text";

    @Parameters(paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws Exception {
        ContainerEngine e = engine.open();
        if (configOnly) {
            System.out.println(e.configJson(container));
            return 0;
        }
        ContainerRecord r = e.inspect(container);
        List<TraceEvent> trace = e.trace(container);
        if (traceOnly) {
            printTrace(trace);
            return 0;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("record", r);
        doc.put("cgroups", e.cgroupDirectories(container));
        doc.put("namespaces", e.namespaces(container));
        doc.put("trace", trace);
        if (output.equals("json")) {
            System.out.println(ContainerStore.JSON.writeValueAsString(doc));
            return 0;
        }
        System.out.println("Container " + r.id() + (r.name() != null ? " (" + r.name() + ")" : ""));
        System.out.println("  status:    " + PsCommand.status(r) + (r.reason() != null ? " - " + r.reason() : ""));
        System.out.println("  runtime:   " + r.runtime() + ", shim pid " + r.shimPid() + ", init pid " + r.initPid());
        System.out.println("  command:   " + String.join(" ", r.config().command()));
        System.out.println("  rootfs:    " + (r.config().image() != null ? "image " + r.config().image() + ", " : "")
                + r.config().layers().size() + " read-only layer(s) under a private upper directory (overlayfs)");
        System.out.println("  log:       " + r.logPath());
        r.warnings().forEach(w -> System.out.println("  warning:   " + w));
        System.out.println("Cgroups (" + e.cgroups().layout().version() + (e.cgroups().layout().hybrid() ? ", hybrid" : "") + "):");
        e.cgroupDirectories(container).forEach((k, v) -> System.out.println("  " + pad(k.isEmpty() ? "unified" : k) + v));
        System.out.println("Namespaces of init (inode numbers identify them; equal numbers mean shared):");
        e.namespaces(container).forEach((k, v) -> System.out.println("  " + pad(k) + v));
        System.out.println("Trace:");
        printTrace(trace);
        System.out.println("config.json: podlab inspect --config-json " + container);
        return 0;
    }

    private static String pad(String s) {
        return String.format("%-10s ", s);
    }

    static void printTrace(List<TraceEvent> unsorted) {
        List<TraceEvent> trace = unsorted.stream()
                .sorted(java.util.Comparator.comparingLong(TraceEvent::startNanos)).toList();
        long t0 = trace.isEmpty() ? 0 : trace.get(0).startNanos();
        for (TraceEvent ev : trace) {
            System.out.printf("  +%9s  %-6s %-22s %10s  %s%n", Durations.precise(ev.startNanos() - t0), ev.source(),
                    ev.step(), ev.durationNanos() == 0 ? "" : Durations.precise(ev.durationNanos()), ev.detail());
        }
    }
}
