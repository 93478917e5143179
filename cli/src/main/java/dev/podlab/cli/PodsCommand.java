package dev.podlab.cli;

import dev.podlab.api.v1.ListPodsRequest;
import dev.podlab.api.v1.Pod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "pods", description = "List pods (as kubectl get pods shows them; -o wide adds IP, runtime, QoS and source: a manifest, or cri).")
final class PodsCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-n", "--namespace"}, description = "Only this namespace.")
    String namespace;

    @Option(names = {"-o", "--output"}, description = "table, wide, json or yaml (default ${DEFAULT-VALUE}).")
    String output = "table";

    @Override
    public Integer call() {
        Output.check(output, "list pods", "table", "wide", "json", "yaml");
        var req = ListPodsRequest.newBuilder();
        if (namespace != null) {
            req.setNamespace(namespace);
        }
        print(engine.client().pods().list(req.build()).getPodsList(), output);
        return 0;
    }

    static void print(List<Pod> pods, String output) {
        if (output.equals("json") || output.equals("yaml")) {
            Output.print(Output.tree(pods), output);
            return;
        }
        boolean wide = output.equals("wide");
        var t = wide ? new Table("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "RUNTIME", "QOS",
                "SOURCE")
                : new Table("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE");
        for (Pod p : pods) {
            String age = Durations.sinceNanos(p.getCreatedAt());
            if (wide) {
                t.row(p.getNamespace(), p.getName(), p.getReady(), status(p), p.getRestarts(), age,
                        p.getPodIp().isEmpty() ? "<none>" : p.getPodIp(), p.getRuntime(),
                        p.getQosClass().isEmpty() ? "<none>" : p.getQosClass(), source(p));
            } else {
                t.row(p.getNamespace(), p.getName(), p.getReady(), status(p), p.getRestarts(), age);
            }
        }
        t.print(System.out, true);
    }

    /** Who made the pod: "cri" for a kubelet's sandbox, else the manifest it was played from. */
    static String source(Pod p) {
        if (p.getSource().isEmpty()) {
            return "<none>";
        }
        return p.getSource().equals("cri") ? "cri" : java.nio.file.Path.of(p.getSource()).getFileName().toString();
    }

    /** kubectl's STATUS column: the most telling container reason, else the phase. */
    static String status(Pod p) {
        if (p.getPhase().equals("Terminating")) {
            return "Terminating";
        }
        long inits = p.getContainersList().stream().filter(c -> c.getInit()).count();
        long initsDone = p.getContainersList().stream().filter(c -> c.getInit() && c.getReason().equals("Completed")).count();
        if (inits > 0 && initsDone < inits && !p.getPhase().equals("Failed")) {
            return "Init:" + initsDone + "/" + inits;
        }
        for (var c : p.getContainersList()) {
            if (!c.getInit() && c.getState().equals("waiting") && !c.getReason().isEmpty()
                    && !c.getReason().equals("ContainerCreating")) {
                return c.getReason();
            }
        }
        for (var c : p.getContainersList()) {
            if (!c.getInit() && c.getState().equals("terminated") && !p.getPhase().equals("Succeeded")) {
                return c.getReason();
            }
        }
        if (p.getPhase().equals("Succeeded")) {
            return "Completed";
        }
        if (p.getPhase().equals("Pending")) {
            return "ContainerCreating";
        }
        return p.getPhase();
    }
}
