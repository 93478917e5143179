package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ListContainersRequest;
import dev.podlab.api.v1.MetricsRequest;
import dev.podlab.api.v1.MetricsRound;
import dev.podlab.api.v1.Sample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "stats", description = {"Live cgroup usage of running containers, refreshed in place at the "
        + "engine's sampling interval (top-like).", "Values come straight from the cgroup files (v1 or v2); BLOCK I/O "
        + "is bytes read / written since the container started (0 where the host accounts no block IO per cgroup)."})
final class StatsCommand implements Callable<Integer> {
    private static final String CLEAR = "\033[H\033[2J";

    @Mixin
    EngineOptions engine;

    @Option(names = "--no-stream", description = "Print the latest sample once and exit.")
    boolean noStream;

    @Parameters(arity = "0..*", paramLabel = "CONTAINER", description = "Containers to show (default: all running).")
    List<String> containers = new ArrayList<>();

    private final Map<String, String> names = new HashMap<>();

    @Override
    public Integer call() {
        PodlabClient client = engine.client();
        var request = MetricsRequest.newBuilder().addAllIds(containers).build();
        refreshNames(client);
        if (noStream) {
            Map<String, Sample> latest = new TreeMap<>();
            client.metrics().history(request).getSeriesList().forEach(s -> {
                if (s.getSamplesCount() > 0) {
                    latest.put(s.getId(), s.getSamples(s.getSamplesCount() - 1));
                }
            });
            print(latest);
            return 0;
        }
        boolean terminal = System.console() != null;
        Iterator<MetricsRound> rounds = client.metrics().watch(request);
        while (rounds.hasNext()) {
            MetricsRound round = rounds.next();
            if (round.getSamplesMap().keySet().stream().anyMatch(id -> !names.containsKey(id))) {
                refreshNames(client);
            }
            if (terminal) {
                System.out.print(CLEAR);
            }
            print(new TreeMap<>(round.getSamplesMap()));
            if (!terminal) {
                System.out.println();
            }
            System.out.flush();
        }
        return 0;
    }

    private void refreshNames(PodlabClient client) {
        for (Container c : client.containers().list(ListContainersRequest.getDefaultInstance()).getContainersList()) {
            names.put(c.getId(), c.getName().isEmpty() ? "" : c.getName());
        }
        // The engine samples each pod's cgroup too (the sum of its containers): name those rows as pods.
        for (var p : client.pods().list(dev.podlab.api.v1.ListPodsRequest.getDefaultInstance()).getPodsList()) {
            names.put(p.getId(), "pod/" + p.getNamespace() + "/" + p.getName());
        }
    }

    private void print(Map<String, Sample> samples) {
        var t = new Table("CONTAINER", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "BLOCK I/O", "PIDS", "THROTTLED",
                "OOM KILLS");
        samples.forEach((id, s) -> {
            boolean limited = s.getMemoryLimitBytes() > 0;
            t.row(id.substring(0, Math.min(12, id.length())), names.getOrDefault(id, ""),
                    Double.isNaN(s.getCpuCores()) ? "-" : String.format("%.1f", s.getCpuCores() * 100),
                    Bytes.human(s.getMemoryWorkingSetBytes()) + " / " + (limited ? Bytes.human(s.getMemoryLimitBytes()) : "no limit"),
                    limited ? String.format("%.1f", 100.0 * s.getMemoryWorkingSetBytes() / s.getMemoryLimitBytes()) : "-",
                    Bytes.human(s.getIoReadBytes()) + " / " + Bytes.human(s.getIoWriteBytes()),
                    s.getPidsCurrent() + (s.getPidsLimit() > 0 ? "/" + s.getPidsLimit() : ""),
                    s.getCpuThrottledPeriods() == 0 ? "0" : s.getCpuThrottledPeriods() + " periods, "
                            + Durations.precise(s.getCpuThrottledNanos()),
                    s.getOomKills());
        });
        t.print(System.out, true);
    }
}
