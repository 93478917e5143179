package dev.podlab.tui;

import dev.podlab.api.v1.DownRequest;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.PlayResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.StopContainerRequest;
import dev.podlab.api.v1.SwapPodRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the pods and pod views do to pods: play, delete, swap, compare, restart a container, pull an image.
 * Every engine call runs on a feeds worker; the destructive ones ask first; failures go to the status line.
 */
final class PodActions {
    private PodActions() {}

    /** A file picker over the filesystem (from the current directory, *.yaml and *.yml), then Pods.Play. */
    static void play(PodlabTui app) {
        app.push(new FilePickerView(app, "play", Path.of("").toAbsolutePath(), file -> {
            app.info("playing " + file + "...");
            app.feeds().call(() -> app.feeds().client().pods().play(PlayRequest.newBuilder().setSource(file.toString())
                    .setManifest(Files.readString(file)).build()), (PlayResponse r) -> app.info("played "
                    + r.getPodsList().stream().map(p -> "pod/" + p.getName()).collect(Collectors.joining(", "))
                    + (r.getReportCount() == 0 ? "" : " (" + r.getReportCount() + " report entries: open the pod to read them)")));
        }));
    }

    /** Pods.Down after confirmation: preStop, SIGTERM, the grace period, SIGKILL, then the sandbox. */
    static void down(PodlabTui app, String id, String ref) {
        app.confirm("delete pod " + ref + " (preStop, SIGTERM, grace period, SIGKILL)?", () -> {
            app.info("deleting pod " + ref + "...");
            app.feeds().call(() -> app.feeds().client().pods().down(DownRequest.newBuilder().addPods(id).build()),
                    r -> app.info("deleted pod " + String.join(", ", r.getRemovedList())));
        });
    }

    /** Picks one of the engine's runtimes, asks, then Pods.Swap: the pod is recreated on it with the same spec. */
    static void swap(PodlabTui app, String ref, String current) {
        List<Runtime> runtimes = app.info.runtimes();
        if (runtimes.isEmpty()) {
            app.error("failed to swap " + ref + ": the engine has not said which runtimes it has yet");
            return;
        }
        app.push(new PickView(app, "swap " + ref + " to", runtimes.stream().map(r -> r.getName()
                + (r.getName().equals(current) ? " (current)" : "") + (r.getWorks() ? "" : "  ✗ " + r.getReason())).toList(),
                index -> {
                    Runtime r = runtimes.get(index);
                    if (r.getName().equals(current)) {
                        app.error("failed to swap " + ref + ": it already runs on " + current);
                        return;
                    }
                    app.confirm("swap " + ref + " from " + current + " to " + r.getName()
                            + " (the pod is deleted and created again)?", () -> {
                                app.info("swapping " + ref + " to " + r.getName() + "...");
                                app.feeds().call(() -> app.feeds().client().pods().swap(SwapPodRequest.newBuilder()
                                        .setPod(ref).setRuntime(r.getName()).build()), s -> app.info("swapped " + ref
                                        + " to " + s.getAfter().getRuntime() + " in " + s.getTookMillis() + " ms"));
                            });
                }));
    }

    /** A manifest from the file picker, run on every runtime that works here, side by side (as podlab compare). */
    static void compare(PodlabTui app) {
        List<String> works = app.info.runtimes().stream().filter(Runtime::getWorks).map(Runtime::getName).toList();
        if (works.isEmpty()) {
            app.error("failed to compare runtimes: no runtime works on this host (see :runtimes)");
            return;
        }
        app.push(new FilePickerView(app, "compare", Path.of("").toAbsolutePath(), file ->
                app.confirm("compare " + file.getFileName() + " on " + String.join(", ", works)
                        + " (runs its first pod " + CompareView.ROUNDS + " times on each)?",
                        () -> app.push(new CompareView(app, file, works)))));
    }

    /** Stops a pod's container after confirmation; the pod's kubelet starts it again (restartPolicy). */
    static void restart(PodlabTui app, String pod, String container, String containerId, String restartPolicy) {
        if (containerId.isEmpty()) {
            app.error("failed to restart " + pod + "/" + container + ": it has not been created yet");
            return;
        }
        if (restartPolicy.equals("Never")) {
            app.error("failed to restart " + pod + "/" + container + ": restartPolicy Never, the pod would not start it again");
            return;
        }
        app.confirm("restart " + pod + "/" + container + " (stopped, then started again by the pod: restartPolicy "
                + restartPolicy + ")?", () -> {
                    app.info("stopping " + container + "; the pod restarts it...");
                    app.feeds().call(() -> app.feeds().client().containers().stop(StopContainerRequest.newBuilder()
                            .setId(containerId).build()), r -> app.info("stopped " + pod + "/" + container
                            + "; the pod starts it again (after its restart back-off)"));
                });
    }

    /** Asks for a reference, then Images.Pull with a progress bar above the status line. */
    static void pull(PodlabTui app) {
        app.prompt("pull image: ", "", null, ref -> {
            if (!ref.isBlank()) {
                app.startPull(ref.trim());
            }
        }, () -> { });
    }
}
