package dev.podlab.api.server;

import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One engine service per state root: an fcntl lock on {@code <stateRoot>/engine.lock}, which holds the
 * owner's pid. The kernel drops the lock when the process dies, so a crash never leaves a stale lock.
 */
public final class EngineLock implements AutoCloseable {
    public static final String FILE = "engine.lock";
    private final FileChannel channel;
    private final FileLock lock;

    private EngineLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static EngineLock acquire(Path stateRoot) {
        Path file = stateRoot.resolve(FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(stateRoot);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this very process (a second service in one JVM, as in tests)
            }
            if (l == null) {
                String owner = readOwner(ch);
                ch.close();
                throw new EngineRunningException("failed to start the engine service: another one (pid " + owner
                        + ") already owns state root " + stateRoot + " (stop it, or use another --root)", owner);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new EngineLock(ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new PodlabException(PodlabException.failed("lock state root", stateRoot.toString(), e), e);
        }
    }

    /** Whether a live process holds the state root's lock (an engine is running, perhaps still starting). */
    public static boolean isHeld(Path stateRoot) {
        Path file = stateRoot.resolve(FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by this very process
        } catch (IOException e) {
            return false;
        }
    }

    /** The pid written by the lock's holder, or "unknown". */
    public static String owner(Path stateRoot) {
        try {
            return Files.readString(stateRoot.resolve(FILE)).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String readOwner(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        ch.read(b, 0);
        String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
        return s.isEmpty() ? "unknown" : s;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // Already failing; the first error is the one to report.
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The lock dies with the descriptor anyway.
        }
    }

    /** Another engine service owns the state root. */
    public static final class EngineRunningException extends PodlabException {
        private final String ownerPid;

        public EngineRunningException(String message, String ownerPid) {
            super(message);
            this.ownerPid = ownerPid;
        }

        public String ownerPid() {
            return ownerPid;
        }
    }
}
