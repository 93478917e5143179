package dev.podlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.ListPodsRequest;
import dev.podlab.core.container.InvalidConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "get", description = {"kubectl-style: podlab get pods, podlab get pod NAME -o yaml.",
        "-o yaml|json prints the pod as Kubernetes shows it (metadata, spec, status)."})
final class GetCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-o", "--output"}, description = "table, wide, json or yaml (default ${DEFAULT-VALUE}).")
    String output = "table";

    @Parameters(index = "0", paramLabel = "KIND", description = "pod or pods (po).")
    String kind;

    @Parameters(index = "1..*", paramLabel = "NAME")
    List<String> names = List.of();

    @Override
    public Integer call() throws Exception {
        if (!List.of("pod", "pods", "po").contains(kind)) {
            throw new InvalidConfigException("failed to get " + kind + ": podlab knows pods (get pods, get pod NAME)");
        }
        Output.check(output, "get pods", "table", "wide", "json", "yaml");
        var client = engine.client();
        if (names.isEmpty()) {
            var pods = client.pods().list(ListPodsRequest.getDefaultInstance()).getPodsList();
            if (output.equals("json") || output.equals("yaml")) {
                var list = new ObjectMapper().createObjectNode().put("apiVersion", "v1").put("kind", "List");
                var items = list.putArray("items");
                for (var p : pods) {
                    items.add(new ObjectMapper().readTree(client.pods().get(GetPodRequest.newBuilder()
                            .setPod(p.getId()).build()).getPod().getKubeJson()));
                }
                Output.print(list, output);
            } else {
                PodsCommand.print(pods, output);
            }
            return 0;
        }
        for (String name : names) {
            var pod = client.pods().get(GetPodRequest.newBuilder().setPod(name).build()).getPod();
            if (output.equals("json") || output.equals("yaml")) {
                Output.print(new ObjectMapper().readTree(pod.getKubeJson()), output);
            } else {
                PodsCommand.print(List.of(pod), output);
            }
        }
        return 0;
    }
}
