package dev.podlab.cli;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.LogEntry;
import dev.podlab.api.v1.LogsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.Callable;

@Command(name = "logs", description = "Print a container's log (stored in Kubernetes CRI format).")
final class LogsCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-f", "--follow"}, description = "Keep printing until the container exits.")
    boolean follow;

    @Option(names = {"-t", "--timestamps"}, description = "Show each line's timestamp.")
    boolean timestamps;

    @Option(names = {"-p", "--previous"}, description = "The previous instance of a pod container (after a restart).")
    boolean previous;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines (without --follow).")
    int tail;

    @Parameters(paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws Exception {
        print(engine.client(), LogsRequest.newBuilder().setId(container).setFollow(follow).setTail(tail)
                .setPrevious(previous).build(), timestamps);
        return 0;
    }

    static void print(PodlabClient c, String id, boolean follow, boolean timestamps) throws IOException {
        print(c, LogsRequest.newBuilder().setId(id).setFollow(follow).build(), timestamps);
    }

    static void print(PodlabClient c, LogsRequest request, boolean timestamps) throws IOException {
        Iterator<LogEntry> lines = c.containers().logs(request);
        while (lines.hasNext()) {
            LogEntry l = lines.next();
            PrintStream out = l.getStream().equals("stderr") ? System.err : System.out;
            if (timestamps) {
                out.print(Instant.ofEpochSecond(0, l.getTime()) + " ");
            }
            l.getData().writeTo(out);
            out.flush();
        }
        System.out.flush();
    }
}
