package dev.podlab.cli;

import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ListContainersRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "ps", description = "List containers.")
final class PsCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-a", "--all"}, description = "Include exited containers.")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "Only ids.")
    boolean quiet;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Only containers with this label (repeatable).")
    List<String> labels = new ArrayList<>();

    @Option(names = {"-o", "--output"}, description = "table, json or yaml (default ${DEFAULT-VALUE}).")
    String output = "table";

    @Override
    public Integer call() {
        Output.check(output, "list containers", "table", "json", "yaml");
        var req = ListContainersRequest.newBuilder().setAll(all);
        for (String l : labels) {
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new dev.podlab.core.container.InvalidConfigException("failed to parse --label \"" + l
                        + "\": expected KEY=VALUE");
            }
            req.addLabelSelector(dev.podlab.api.Labels.label(l.substring(0, eq), l.substring(eq + 1)));
        }
        List<Container> list = engine.client().containers().list(req.build()).getContainersList();
        if (!output.equals("table")) {
            Output.print(Output.tree(list), output);
            return 0;
        }
        if (quiet) {
            list.forEach(c -> System.out.println(c.getId()));
            return 0;
        }
        var t = new Table("CONTAINER", "NAME", "IMAGE", "STATUS", "CREATED", "COMMAND");
        for (Container c : list) {
            t.row(c.getId().substring(0, 12), c.getName(), c.getImage().isEmpty() ? "(rootfs)" : c.getImage(),
                    status(c), Durations.sinceNanos(c.getCreatedAt()) + " ago", String.join(" ", c.getCommandList()));
        }
        t.print(System.out, true);
        return 0;
    }

    static String status(Container c) {
        return switch (c.getState()) {
            case "exited" -> "exited (" + c.getExit().getExitCode() + ")" + (c.getExit().getOomKilled() ? " OOMKilled" : "")
                    + " " + Durations.sinceNanos(c.getExit().getFinishedAt()) + " ago";
            default -> c.getState();
        };
    }
}
