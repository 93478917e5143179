package dev.podlab.cli;

import dev.podlab.api.v1.PullImageRequest;
import dev.podlab.api.v1.PullProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "pull", description = "Pull an image from a registry (OCI distribution / Docker Registry v2).")
final class PullCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(paramLabel = "IMAGE", description = "Reference, e.g. localhost:5000/demo:v1 or busybox@sha256:...")
    String image;

    @Option(names = "--mirror", paramLabel = "REGISTRY=URL",
            description = "Try URL before REGISTRY (repeatable, in order), e.g. docker.io=http://127.0.0.1:5000.")
    List<String> mirrors = new ArrayList<>();

    @Option(names = "--insecure-registry", paramLabel = "HOST", description = "Use plain HTTP for HOST (loopback always is).")
    List<String> insecure = new ArrayList<>();

    @Override
    public Integer call() {
        var request = PullImageRequest.newBuilder().setReference(image).addAllMirrors(mirrors).addAllInsecure(insecure);
        // This command's configuration file may name mirrors the running service was not started with.
        var registries = engine.settings().registries();
        registries.mirrors().forEach((registry, urls) -> urls.forEach(u -> request.addMirrors(registry + "=" + u)));
        request.addAllInsecure(registries.insecure());
        Iterator<PullProgress> progress = engine.client().images().pull(request.build());
        // One line per step worth reading: a log and a terminal alike (byte ticks are for progress bars).
        while (progress.hasNext()) {
            PullProgress p = progress.next();
            if (!p.getMessage().isEmpty()) {
                System.out.println(p.getMessage());
            }
        }
        return 0;
    }
}
