package dev.podlab.cri;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * What the CRI knows of a container beyond the engine's record ({@code <stateRoot>/cri/containers/<id>.json}):
 * its sandbox, CRI metadata, image as asked, labels and annotations verbatim, log path and mounts. The id is the
 * engine container's id; state, times and exit come from the engine.
 *
 * @param image     the image as the client named it
 * @param imageRef  the image id (sha256:...) it resolved to
 * @param startedAt nanoseconds when StartContainer succeeded, 0 before
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CriContainer(String id, String sandboxId, String name, int attempt, String image, String imageRef,
                           Map<String, String> labels, Map<String, String> annotations, String logPath,
                           List<MountSpec> mounts, long createdAt, long startedAt) {

    /** A host path bound into the container. */
    public record MountSpec(String containerPath, String hostPath, boolean readonly) {}

    public CriContainer {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        logPath = logPath == null ? "" : logPath;
    }

    CriContainer started(long at) {
        return new CriContainer(id, sandboxId, name, attempt, image, imageRef, labels, annotations, logPath, mounts,
                createdAt, at);
    }
}
