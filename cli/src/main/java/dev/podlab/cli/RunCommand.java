package dev.podlab.cli;

import dev.podlab.api.client.AttachStream;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.client.RawTerminal;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.WaitContainerRequest;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
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
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        container.stdinOnce = !detach;
        var request = container.request(args);
        PodlabClient c = engine.client();
        Container created = c.containers().create(request).getContainer();
        created.getWarningsList().forEach(w -> System.err.println("podlab: warning: " + w));
        ContainerRef ref = ContainerRef.newBuilder().setId(created.getId()).build();
        // -i in the foreground: attached before start, so nothing it writes or reads first is missed.
        boolean attach = container.interactive && !detach;
        boolean raw = attach && container.tty && System.console() != null && RawTerminal.available();
        if (attach) {
            try (RawTerminal terminal = raw ? RawTerminal.enter() : null) {
                AttachStream a = AttachStream.open(c, created.getId(), System.out, System.err);
                start(c, ref, created);
                int[] size = raw ? RawTerminal.size() : null;
                if (size != null) {
                    a.resize(size[0], size[1]);
                }
                Thread.ofPlatform().daemon(true).name("run-stdin")
                        .start(() -> AttachCommand.pump(System.in, AttachCommand.input(a)));
                try (RawTerminal.Subscription resizes = raw ? RawTerminal.onResize(n -> a.resize(n[0], n[1])) : null) {
                    if (a.await().isEmpty()) {
                        System.err.println("podlab: detached from " + created.getId().substring(0, 12)
                                + " (it keeps running: podlab attach, podlab logs)");
                        return 0;
                    }
                }
            }
            return finish(c, created);
        }
        start(c, ref, created);
        if (detach) {
            System.out.println(created.getId());
            return 0;
        }
        LogsCommand.print(c, created.getId(), true, false);
        return finish(c, created);
    }

    private void start(PodlabClient c, ContainerRef ref, Container created) {
        try {
            c.containers().start(ref);
        } catch (RuntimeException ex) {
            if (remove) {
                c.containers().remove(RemoveContainerRequest.newBuilder().setId(created.getId()).setForce(true).build());
            }
            throw ex;
        }
    }

    /** Waits for the exit, says so when it was an OOM kill, removes the container with --rm. */
    private int finish(PodlabClient c, Container created) {
        Container done = c.containers().waitExit(WaitContainerRequest.newBuilder().setId(created.getId()).build())
                .getContainer();
        if (done.getExit().getOomKilled()) {
            System.err.println("podlab: container " + (done.getName().isEmpty() ? done.getId().substring(0, 12)
                    : done.getName()) + " was killed by the kernel's OOM killer (memory limit reached)");
        }
        if (remove) {
            c.containers().remove(RemoveContainerRequest.newBuilder().setId(created.getId()).setForce(true).build());
        }
        return done.getExit().getExitCode();
    }
}
