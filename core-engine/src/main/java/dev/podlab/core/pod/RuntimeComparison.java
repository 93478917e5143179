package dev.podlab.core.pod;

import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExecResult;
import dev.podlab.core.container.HostInfo;
import dev.podlab.core.pod.manifest.ManifestParser;
import dev.podlab.core.pod.manifest.ManifestSet;
import dev.podlab.core.pod.manifest.PodManifest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The same pod on several runtimes, side by side: how long from play until every container runs (median of
 * N), the host memory the pod costs (its cgroup plus its shims), the kernel and PID 1 its first container
 * sees, its namespaces and cgroup paths, and the config.json each runtime received, diffed against the first.
 */
public final class RuntimeComparison {
    /** One runtime's column of the table. */
    public record Column(String runtime, double startMillisMedian, List<Double> startMillis, long podMemoryBytes,
                         long shimRssBytes, String kernel, String pid1, Map<String, String> namespaces,
                         String cgroupPath, String configJson, List<String> configDiff, String error) {}

    private RuntimeComparison() {}

    /**
     * Plays the manifest's first pod once per round and runtime (as {@code <name>-<runtime>}), measures, then
     * deletes every copy.
     */
    public static List<Column> run(PodManager pods, String source, String text, List<String> runtimes, int rounds) {
        return run(pods, source, text, "", runtimes, rounds);
    }

    /** As {@link #run(PodManager, String, String, List, int)} with the manifest's pod named {@code podName} ("" = the first). */
    public static List<Column> run(PodManager pods, String source, String text, String podName, List<String> runtimes,
                                   int rounds) {
        if (runtimes.isEmpty() || rounds < 1) {
            throw new PodException("failed to compare runtimes: give at least one runtime and one round");
        }
        ManifestSet set = ManifestParser.parse(source, text, false);
        if (set.pods().isEmpty()) {
            throw new PodException("failed to compare runtimes: " + source + " holds no pod");
        }
        PodManifest pod = podName == null || podName.isEmpty() ? set.pods().get(0) : set.pods().stream()
                .filter(p -> p.name().equals(podName)).findFirst().orElseThrow(() -> new PodException(
                        "failed to compare runtimes: " + source + " holds no pod named " + podName));
        List<Column> out = new ArrayList<>();
        String baseline = null;
        for (String runtime : runtimes) {
            List<Double> starts = new ArrayList<>();
            PodRecord last = null;
            try {
                // A runtime that does not work here gets its column with the reason (crun on hybrid cgroups).
                pods.engine().runtimes().require(runtime);
                for (int i = 0; i < rounds; i++) {
                    if (last != null) {
                        pods.down(last.id(), Duration.ZERO);
                    }
                    long t0 = System.nanoTime();
                    last = pods.startCopy(set, text, pod, pod.name() + "-" + runtime, runtime);
                    PodStatus s = pods.awaitStarted(last.id(), Duration.ofSeconds(60));
                    starts.add((System.nanoTime() - t0) / 1e6);
                    if (!s.containerStatuses().stream().allMatch(c -> c.state().kind().equals("running"))) {
                        throw new PodException("pod did not reach running on " + runtime + ": " + s.phase() + " "
                                + s.containerStatuses().get(0).state().reason());
                    }
                }
                Column c = measure(pods, pods.get(last.id()), runtime, starts, baseline);
                if (baseline == null) {
                    baseline = c.configJson();
                }
                out.add(c);
            } catch (RuntimeException e) {
                out.add(new Column(runtime, Double.NaN, starts, 0, 0, "", "", Map.of(), "", "", List.of(),
                        PodlabException.describe(e)));
            } finally {
                if (last != null) {
                    try {
                        pods.down(last.id(), Duration.ZERO);
                    } catch (RuntimeException e) {
                        // Already gone.
                    }
                }
            }
        }
        return out;
    }

    private static Column measure(PodManager pods, PodRecord p, String runtime, List<Double> starts, String baseline) {
        ContainerEngine engine = pods.engine();
        String first = p.status().containerStatuses().get(0).containerId();
        ContainerRecord c = engine.inspect(first);
        String kernel = exec(engine, first, "uname", "-r");
        String pid1 = exec(engine, first, "cat", "/proc/1/cmdline").replace('\0', ' ').strip();
        long memory = engine.cgroups().stats(engine.cgroups().open(p.sandbox().cgroupParent())).memoryUsageBytes();
        long shims = 0;
        for (PodStatus.ContainerState s : p.status().containerStatuses()) {
            shims += HostInfo.rssBytes(engine.inspect(s.containerId()).shimPid());
        }
        // Ids and names differ between any two pods: written as placeholders, so the diff shows what the runtimes
        // themselves received differently.
        String config = engine.configJson(first)
                .replace(first, "<container-id>").replace(first.substring(0, 12), "<container-id12>")
                .replace(p.id(), "<pod-id>").replace(p.id().substring(0, 12), "<pod-id12>")
                .replace(p.id().substring(0, 8), "<pod-id8>").replace(p.uid(), "<pod-uid>")
                .replace("\"" + p.name() + "\"", "\"<pod-name>\"").replace("_" + p.name() + "_", "_<pod-name>_");
        List<String> diff = baseline == null ? List.of() : LineDiff.unified(baseline, config);
        List<Double> sorted = new ArrayList<>(starts);
        Collections.sort(sorted);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return new Column(runtime, median, starts, memory, shims, kernel, pid1, engine.namespaces(first),
                c.cgroupPath(), config, diff, "");
    }

    private static String exec(ContainerEngine engine, String id, String... command) {
        ExecResult r = engine.exec(id, ExecRequest.of(List.of(command)), Duration.ofSeconds(10));
        return r.exitCode() == 0 ? r.stdoutText().strip() : "(" + String.join(" ", command) + " failed: exit "
                + r.exitCode() + ")";
    }
}
