package dev.podlab.cri;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.PodlabException;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.FileTrees;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The CRI bridge's records under {@code <stateRoot>/cri/}: {@code sandboxes/<id>/sandbox.json} (the directory also
 * holds the sandbox's hosts, hostname and resolv.conf) and {@code containers/<id>.json}. Every write is atomic
 * and durable. Ids are 32 (containers, the engine's) or 64 (sandboxes) hex digits; anything else is never turned into a path.
 */
public final class CriStore {
    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}|[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path root;

    private CriStore(Path root) {
        this.root = root;
    }

    /** The store of a state root ({@code <stateRoot>/cri}). */
    public static CriStore open(Path stateRoot) {
        return new CriStore(stateRoot.resolve("cri"));
    }

    public Path root() {
        return root;
    }

    static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public Path sandboxDir(String id) {
        require(id);
        return root.resolve("sandboxes").resolve(id);
    }

    // ---- sandboxes ----------------------------------------------------------------------------

    public synchronized void save(CriSandbox s) {
        write(sandboxDir(s.id()).resolve("sandbox.json"), s, "sandbox " + s.id());
    }

    public synchronized Optional<CriSandbox> sandbox(String id) {
        if (!validId(id)) {
            return Optional.empty();
        }
        return read(sandboxDir(id).resolve("sandbox.json"), CriSandbox.class);
    }

    public synchronized List<CriSandbox> sandboxes() {
        List<CriSandbox> out = new ArrayList<>();
        for (Path dir : children(root.resolve("sandboxes"))) {
            read(dir.resolve("sandbox.json"), CriSandbox.class).ifPresent(out::add);
        }
        out.sort(Comparator.comparingLong(CriSandbox::createdAt));
        return out;
    }

    /** Deletes the sandbox's directory (record and network files); absent is fine. */
    public synchronized void deleteSandbox(String id) {
        Path dir = sandboxDir(id);
        try {
            if (Files.exists(dir)) {
                FileTrees.deleteRecursively(dir);
            }
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("remove the CRI directory of sandbox", id, e), e);
        }
    }

    // ---- containers ---------------------------------------------------------------------------

    public synchronized void save(CriContainer c) {
        require(c.id());
        write(root.resolve("containers").resolve(c.id() + ".json"), c, "container " + c.id());
    }

    public synchronized Optional<CriContainer> container(String id) {
        if (!validId(id)) {
            return Optional.empty();
        }
        return read(root.resolve("containers").resolve(id + ".json"), CriContainer.class);
    }

    public synchronized List<CriContainer> containers() {
        List<CriContainer> out = new ArrayList<>();
        for (Path f : children(root.resolve("containers"))) {
            if (f.getFileName().toString().endsWith(".json")) {
                read(f, CriContainer.class).ifPresent(out::add);
            }
        }
        out.sort(Comparator.comparingLong(CriContainer::createdAt));
        return out;
    }

    public synchronized void deleteContainer(String id) {
        require(id);
        try {
            Files.deleteIfExists(root.resolve("containers").resolve(id + ".json"));
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("remove the CRI record of container", id, e), e);
        }
    }

    // ---- files --------------------------------------------------------------------------------

    private static void require(String id) {
        if (!validId(id)) {
            throw new IllegalArgumentException("failed to use id \"" + id + "\": not a 32 or 64 hex digit id");
        }
    }

    private static void write(Path file, Object value, String what) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value), true);
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("save the CRI record of", what, e), e);
        }
    }

    private static <T> Optional<T> read(Path file, Class<T> type) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), type));
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("read the CRI record", file.toString(), e), e);
        }
    }

    private static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (validId(p.getFileName().toString().replaceAll("\\.json$", ""))) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("list", dir.toString(), e), e);
        }
        return out;
    }
}
