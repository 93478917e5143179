package dev.podlab.cli;

import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.core.state.ContainerStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "ps", description = "List containers.")
final class PsCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-a", "--all"}, description = "Include exited containers.")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "Only ids.")
    boolean quiet;

    @Option(names = {"-o", "--output"}, description = "table or json (default ${DEFAULT-VALUE}).")
    String output = "table";

    @Override
    public Integer call() throws Exception {
        var list = engine.open().list().stream()
                .filter(r -> all || r.status() != ContainerStatus.EXITED).toList();
        if (output.equals("json")) {
            System.out.println(ContainerStore.JSON.writeValueAsString(list));
            return 0;
        }
        if (!output.equals("table")) {
            throw new dev.podlab.core.container.InvalidConfigException("failed to list containers: unknown output \""
                    + output + "\" (table or json)");
        }
        if (!quiet) {
            System.out.printf("%-12s  %-16s  %-22s  %-8s  %s%n", "CONTAINER", "NAME", "STATUS", "CREATED", "COMMAND");
        }
        for (ContainerRecord r : list) {
            if (quiet) {
                System.out.println(r.id());
                continue;
            }
            System.out.printf("%-12s  %-16s  %-22s  %-8s  %s%n", r.shortId(), r.name() == null ? "" : r.name(),
                    status(r), Durations.sinceNanos(r.createdAt()), String.join(" ", r.config().command()));
        }
        return 0;
    }

    static String status(ContainerRecord r) {
        return switch (r.status()) {
            case EXITED -> "exited (" + r.exit().exitCode() + ")" + (r.exit().oomKilled() ? " OOMKilled" : "")
                    + " " + Durations.sinceNanos(r.exit().finishedAt()) + " ago";
            case UNKNOWN -> "unknown";
            default -> r.status().display();
        };
    }
}
