package dev.podlab.core.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerRecord;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Container records under {@code <root>/containers/<id>/state.json}. Writes are atomic;
 * a process-wide lock file serialises mutations between concurrent podlab processes.
 */
public final class ContainerStore {
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.INDENT_OUTPUT, true);

    private final Path root;
    private final Path containers;

    public ContainerStore(Path root) {
        this.root = root;
        this.containers = root.resolve("containers");
        StateDirs.secure(root);
    }

    public Path root() {
        return root;
    }

    public Path containerDir(String id) {
        return containers.resolve(id);
    }

    /**
     * Saves a record atomically. {@code durable} (fsync) is for the first record of a
     * container, which says it exists and must be cleaned up; later changes are derived
     * from the shim and the kernel again on every read, so losing one to a machine crash
     * loses nothing.
     */
    public void save(ContainerRecord record, boolean durable) {
        try {
            AtomicFiles.write(containerDir(record.id()).resolve("state.json"), JSON.writeValueAsBytes(record), durable);
        } catch (IOException e) {
            throw new StateException(PodlabException.failed("save state of container", record.shortId(), e), e);
        }
    }

    public void save(ContainerRecord record) {
        save(record, false);
    }

    /** True when a container directory with this exact id exists. */
    public boolean exists(String id) {
        return id.length() == 32 && id.chars().allMatch(c -> Character.digit(c, 16) >= 0)
                && Files.isDirectory(containerDir(id));
    }

    public Optional<ContainerRecord> load(String id) {
        Path file = containerDir(id).resolve("state.json");
        try {
            return Optional.of(JSON.readValue(file.toFile(), ContainerRecord.class));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StateException(PodlabException.failed("read state of container", id, e), e);
        }
    }

    /** Ids of every container directory, including half-made ones without a state file. */
    public List<String> ids() {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(containers, Files::isDirectory)) {
            for (Path p : ds) {
                ids.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new StateException(PodlabException.failed("list containers in", containers.toString(), e), e);
        }
        ids.sort(null);
        return ids;
    }

    /**
     * Holds the state root's lock until closed; blocks while another podlab process or thread
     * holds it. File locks are per process, so threads of this JVM also share an in-process lock.
     */
    public Lock lock() {
        ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(root.toAbsolutePath().normalize(), k -> new ReentrantLock());
        local.lock();
        if (local.getHoldCount() > 1) {
            // Re-entered by the thread that holds the file lock already: the outer holder releases it.
            return new Lock(null, null, local);
        }
        try {
            FileChannel ch = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new Lock(ch, ch.lock(), local);
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw new StateException(PodlabException.failed("lock state root", root.toString(), e), e);
        }
    }

    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

    public record Lock(FileChannel channel, FileLock lock, ReentrantLock local) implements AutoCloseable {
        @Override
        public void close() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // Closing releases the lock; nothing useful to do if the close itself fails.
            } finally {
                local.unlock();
            }
        }
    }
}
