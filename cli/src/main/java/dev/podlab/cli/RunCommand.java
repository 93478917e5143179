package dev.podlab.cli;

import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExitRecord;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "run", description = "Create and start a container on the built-in engine.",
        sortOptions = false)
final class RunCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @ArgGroup(exclusive = false, heading = "Container%n")
    ContainerOptions container = new ContainerOptions();

    @Option(names = {"-d", "--detach"}, description = "Print the id and leave the container running.")
    boolean detach;

    @Option(names = "--rm", description = "Remove the container when it exits.")
    boolean remove;

    @Parameters(arity = "0..*", paramLabel = "IMAGE [CMD...]",
            description = "The image and an optional command; with --rootfs, only the command.")
    List<String> args = new java.util.ArrayList<>();

    private String image() {
        if (args.isEmpty()) {
            throw new dev.podlab.core.container.InvalidConfigException(
                    "failed to create container: no image given (podlab run IMAGE [CMD...], or --rootfs DIR -- CMD)");
        }
        return args.get(0);
    }

    @Override
    public Integer call() throws Exception {
        ContainerEngine e = engine.open();
        ContainerRecord r;
        if (container.rootfs != null) {
            r = e.create(container.fromRootfs(args));
        } else {
            var images = engine.images();
            var image = images.require(image());
            r = e.create(container.fromImage(images, image, args.subList(1, args.size())), images.populator(image));
        }
        r.warnings().forEach(w -> System.err.println("podlab: warning: " + w));
        try {
            e.start(r.id());
        } catch (RuntimeException ex) {
            if (remove) {
                e.remove(r.id(), true);
            }
            throw ex;
        }
        if (detach) {
            System.out.println(r.id());
            return 0;
        }
        LogsCommand.print(e, r.id(), true, false);
        ExitRecord exit = e.await(r.id(), Duration.ofDays(365)).orElseThrow();
        if (exit.oomKilled()) {
            System.err.println("podlab: container " + (r.name() != null ? r.name() : r.shortId())
                    + " was killed by the kernel's OOM killer (memory limit reached)");
        }
        if (remove) {
            e.remove(r.id(), true);
        }
        return exit.exitCode();
    }
}
