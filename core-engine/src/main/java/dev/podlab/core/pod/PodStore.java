package dev.podlab.core.pod;

import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.state.FileTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Pod records under {@code <stateRoot>/pods/<id>/}: pod.json plus the pod's volumes and network files. */
public final class PodStore {
    private final Path root;

    public PodStore(Path stateRoot) {
        this.root = stateRoot.resolve("pods");
    }

    public Path podDir(String id) {
        return root.resolve(id);
    }

    public void save(PodRecord r) {
        try {
            Files.createDirectories(podDir(r.id()));
            AtomicFiles.write(podDir(r.id()).resolve("pod.json"), ContainerStore.JSON.writeValueAsBytes(r));
        } catch (IOException e) {
            throw new UncheckedIOException("failed to save pod " + r.namespace() + "/" + r.name() + ": " + e.getMessage(), e);
        }
    }

    public Optional<PodRecord> load(String id) {
        try {
            return Optional.of(ContainerStore.JSON.readValue(Files.readAllBytes(podDir(id).resolve("pod.json")),
                    PodRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("failed to read pod record " + podDir(id) + ": " + e.getMessage(), e);
        }
    }

    public List<PodRecord> list() {
        List<PodRecord> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                load(d.getFileName().toString()).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("failed to list pods in " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    public void delete(String id) {
        try {
            FileTrees.deleteRecursively(podDir(id));
        } catch (IOException e) {
            throw new UncheckedIOException("failed to delete pod directory " + podDir(id) + ": " + e.getMessage(), e);
        }
    }
}
