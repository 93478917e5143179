package dev.podlab.cli;

import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.PlayResponse;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.ReportEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "play", description = {"Run the pods of a Kubernetes manifest (Pod, ConfigMap, Secret; a workload's "
        + "pod template once), with CNI networking.", "Every field podlab ignores or cannot honour is reported by its path."})
final class PlayCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--strict", description = "Treat the report's warnings as errors (nothing runs).")
    boolean strict;

    @Option(names = "--replace", description = "Delete running pods of the same name first.")
    boolean replace;

    @Option(names = "--runtime", paramLabel = "NAME", description = "Runtime class for every pod (overrides runtimeClassName).")
    String runtime;

    @Option(names = "--no-wait", description = "Return once the sandboxes exist, without waiting for the containers.")
    boolean noWait;

    @Parameters(paramLabel = "FILE", description = "The manifest, or - for standard input.")
    String file;

    @Override
    public Integer call() throws IOException {
        String text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : read(file);
        var req = PlayRequest.newBuilder().setSource(file.equals("-") ? "<stdin>" : file).setManifest(text)
                .setStrict(strict).setReplace(replace).setWait(!noWait);
        if (runtime != null) {
            req.setRuntime(runtime);
        }
        PlayResponse r = engine.client().pods().play(req.build());
        for (ReportEntry e : r.getReportList()) {
            System.err.println(e.getSeverity().toLowerCase() + ": " + e.getLocation() + ": "
                    + (e.getPath().isEmpty() ? "" : e.getPath() + ": ") + e.getMessage());
        }
        for (Pod p : r.getPodsList()) {
            System.out.println("pod/" + p.getName() + " " + p.getPhase().toLowerCase() + " (" + p.getReady()
                    + " ready) on " + p.getRuntime() + (p.getPodIp().isEmpty() ? "" : ", IP " + p.getPodIp()));
            // The report's lines were printed above; these are what the engine itself could not honour.
            p.getWarningsList().stream().filter(w -> !w.startsWith("warning: ") && !w.startsWith("note: ")
                    && !w.startsWith("error: ")).forEach(w -> System.err.println("warning: pod/" + p.getName() + ": " + w));
        }
        return 0;
    }

    /** The manifest's text; a missing or unreadable file is one line naming it (the JDK's message is the path alone). */
    private static String read(String file) {
        try {
            return Files.readString(Invocation.path(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new dev.podlab.core.container.InvalidConfigException("failed to read manifest " + file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new dev.podlab.core.container.InvalidConfigException("failed to read manifest " + file + ": permission denied");
        } catch (IOException e) {
            throw new dev.podlab.core.container.InvalidConfigException(
                    dev.podlab.core.PodlabException.failed("read manifest", file, e));
        }
    }
}
