package dev.podlab.core.runtime;

import com.sun.jna.LastErrorException;
import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.sys.LibC;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The size channel of an exec's terminal: a FIFO next to the container that the exec shim reads
 * (docs/shim.md, exec). The exec shim's stdio are the engine's pipes, which carry no window size,
 * so sizes travel beside them as 4-byte records (rows, columns, big-endian 16-bit each).
 */
public final class ResizeFifo implements AutoCloseable {
    private final Path path;
    private RandomAccessFile out;

    private ResizeFifo(Path path, RandomAccessFile out) {
        this.path = path;
        this.out = out;
    }

    /**
     * Makes the FIFO in {@code dir} and holds it open read-write (that open never blocks, and the
     * shim sees a writer from its first read on); a first size other than 0x0 is written at once, so
     * the process starts with it.
     */
    public static ResizeFifo create(Path dir, int rows, int columns) {
        Path path = dir.resolve("exec-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())
                + ".winsz");
        try {
            LibC.INSTANCE.mkfifo(path.toString(), 0600);
        } catch (LastErrorException e) {
            throw new ContainerException("failed to create the terminal size FIFO " + path + ": "
                    + LibC.describe(e), e);
        }
        try {
            ResizeFifo fifo = new ResizeFifo(path, new RandomAccessFile(path.toFile(), "rw"));
            if (rows > 0 && columns > 0) {
                fifo.resize(rows, columns);
            }
            return fifo;
        } catch (IOException e) {
            deleteQuietly(path);
            throw new ContainerException(PodlabException.failed("open the terminal size FIFO", path.toString(), e), e);
        }
    }

    public Path path() {
        return path;
    }

    /** Sends a new size; sizes outside 1..65535 are clamped, and after close nothing happens. */
    public synchronized void resize(int rows, int columns) {
        if (out == null) {
            return;
        }
        int r = Math.clamp(rows, 1, 0xffff);
        int c = Math.clamp(columns, 1, 0xffff);
        try {
            // One write of 4 bytes: under PIPE_BUF, so the shim never reads half a record.
            out.write(new byte[] {(byte) (r >> 8), (byte) r, (byte) (c >> 8), (byte) c});
        } catch (IOException e) {
            // The exec ended and its shim with it: a late resize has nowhere to go.
        }
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // Closing a FIFO we only wrote to cannot lose anything.
            }
            out = null;
        }
        deleteQuietly(path);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // A leftover FIFO is harmless; it goes with the container directory.
        }
    }
}
