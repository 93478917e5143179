package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.CompareRequest;
import dev.podlab.api.v1.CompareResponse;
import dev.podlab.api.v1.RuntimeColumn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Function;

@Command(name = "compare", description = {"Run the same pod on several runtimes and compare them side by side: "
        + "start latency, host memory, the kernel and PID 1 inside, namespaces, cgroup paths, and the diff of the "
        + "config.json each runtime received."})
final class CompareCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--runtimes", required = true, split = ",", paramLabel = "A,B",
            description = "Runtime classes to compare, e.g. builtin,runc.")
    List<String> runtimes;

    @Option(names = {"-n", "--rounds"}, description = "Starts per runtime; the latency is their median (default ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Option(names = {"-o", "--output"}, description = "table, json or yaml (default ${DEFAULT-VALUE}).")
    String output = "table";

    @Parameters(paramLabel = "FILE", description = "A manifest; its first pod is compared (it should keep running).")
    Path file;

    @Override
    public Integer call() throws IOException {
        Output.check(output, "compare runtimes", "table", "json", "yaml");
        CompareResponse r = engine.client().pods().compare(CompareRequest.newBuilder().setSource(file.toString())
                .setManifest(Files.readString(file)).addAllRuntimes(runtimes).setRounds(rounds).build());
        if (!output.equals("table")) {
            Output.print(Output.tree(r), output);
            return 0;
        }
        List<RuntimeColumn> cols = r.getColumnsList();
        String[] header = new String[cols.size() + 1];
        header[0] = "";
        for (int i = 0; i < cols.size(); i++) {
            header[i + 1] = cols.get(i).getRuntime();
        }
        var t = new Table(header);
        row(t, "start to running (median of " + rounds + ")", cols, c -> String.format("%.0f ms", c.getStartMillisMedian()));
        row(t, "pod cgroup memory", cols, c -> Bytes.human(c.getPodMemoryBytes()));
        row(t, "supervisor RSS on the host", cols, c -> Bytes.human(c.getShimRssBytes()));
        row(t, "kernel inside (uname -r)", cols, RuntimeColumn::getKernel);
        row(t, "PID 1 inside", cols, RuntimeColumn::getPid1);
        row(t, "cgroup", cols, RuntimeColumn::getCgroupPath);
        TreeSet<String> ns = new TreeSet<>();
        cols.forEach(c -> ns.addAll(c.getNamespacesMap().keySet()));
        for (String n : ns) {
            row(t, "ns " + n, cols, c -> c.getNamespacesOrDefault(n, ""));
        }
        row(t, "error", cols, RuntimeColumn::getError);
        t.print(System.out, true);
        for (int i = 1; i < cols.size(); i++) {
            System.out.println();
            System.out.println("config.json: " + cols.get(0).getRuntime() + " (-) vs " + cols.get(i).getRuntime() + " (+)");
            if (!cols.get(i).getError().isEmpty()) {
                System.out.println("  (not run: see the error above)");
                continue;
            }
            if (cols.get(i).getConfigDiffCount() == 0) {
                System.out.println("  identical (ids and names aside)");
            }
            cols.get(i).getConfigDiffList().forEach(l -> System.out.println("  " + l));
        }
        return 0;
    }

    private static void row(Table t, String label, List<RuntimeColumn> cols, Function<RuntimeColumn, String> cell) {
        Object[] cells = new Object[cols.size() + 1];
        cells[0] = label;
        for (int i = 0; i < cols.size(); i++) {
            cells[i + 1] = cols.get(i).getError().isEmpty() || label.equals("error") ? cell.apply(cols.get(i)) : "-";
        }
        if (label.equals("error") && cols.stream().allMatch(c -> c.getError().isEmpty())) {
            return;
        }
        t.row(cells);
    }
}
