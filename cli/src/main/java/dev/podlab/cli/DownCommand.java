package dev.podlab.cli;

import dev.podlab.api.v1.DownRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "down", description = "Delete pods gracefully (preStop hooks, SIGTERM, grace period, SIGKILL) and their sandboxes.")
final class DownCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-t", "--grace-period"}, paramLabel = "SECONDS",
            description = "Override each pod's terminationGracePeriodSeconds.")
    Long grace;

    @Parameters(arity = "1..*", paramLabel = "FILE|POD", description = "A manifest file (its pods) or pod names.")
    List<String> targets;

    @Override
    public Integer call() throws IOException {
        var req = DownRequest.newBuilder();
        for (String t : targets) {
            Path p = Invocation.path(t);
            if ((t.endsWith(".yaml") || t.endsWith(".yml") || t.contains("/")) && Files.isRegularFile(p)) {
                req.setManifest(req.getManifest() + "\n---\n" + Files.readString(p));
            } else {
                req.addPods(t);
            }
        }
        if (grace != null) {
            req.setGraceSeconds(grace).setHasGrace(true);
        }
        engine.client().pods().down(req.build()).getRemovedList().forEach(r -> System.out.println("pod/" + r + " deleted"));
        return 0;
    }
}
