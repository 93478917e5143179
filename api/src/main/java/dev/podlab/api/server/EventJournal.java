package dev.podlab.api.server;

import dev.podlab.api.v1.Event;
import dev.podlab.core.PodlabException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The engine's events on disk, so that a restarted engine still shows what happened before it (replay,
 * {@code podlab events}, the TUI and GUI event views). Length-delimited {@code Event} messages appended to
 * {@code <stateRoot>/events/events.pb}; past {@code maxBytes} the file becomes {@code events.pb.1} (the
 * previous one is dropped), so the journal holds between one and two files' worth. Not fsync'd: events are
 * a diagnostic record, and a crash loses at most the tail. A torn last record (a crash mid-write) is cut off
 * when the journal is opened.
 */
final class EventJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);
    static final String FILE = "events.pb";

    private final Path file;
    private final Path previous;
    private final long maxBytes;
    private final ByteArrayOutputStream scratch = new ByteArrayOutputStream(512);
    private FileChannel out;
    private long size;

    private EventJournal(Path dir, long maxBytes) {
        this.file = dir.resolve(FILE);
        this.previous = dir.resolve(FILE + ".1");
        this.maxBytes = maxBytes;
    }

    /**
     * Opens (creating) the journal in {@code dir} and returns it with the newest {@code keep} events it holds,
     * oldest first.
     */
    static Opened open(Path dir, long maxBytes, int keep) {
        EventJournal j = new EventJournal(dir, maxBytes);
        ArrayDeque<Event> tail = new ArrayDeque<>(Math.min(keep, 4096));
        try {
            Files.createDirectories(dir);
            readInto(j.previous, tail, keep);
            long good = readInto(j.file, tail, keep);
            j.out = FileChannel.open(j.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (j.out.size() > good) {
                LOG.warn("cut a torn event record off the end of {} ({} bytes)", j.file, j.out.size() - good);
                j.out.truncate(good);
            }
            j.out.position(good);
            j.size = good;
        } catch (IOException e) {
            j.close();
            throw new PodlabException(PodlabException.failed("open the event journal", dir.toString(), e), e);
        }
        return new Opened(j, List.copyOf(tail));
    }

    /** The journal and the events it held. */
    record Opened(EventJournal journal, List<Event> events) {}

    /** Appends one event; a failure to write is logged, not thrown (events must not stop the engine). */
    synchronized void append(Event e) {
        if (out == null) {
            return;
        }
        try {
            scratch.reset();
            e.writeDelimitedTo(scratch);
            if (size + scratch.size() > maxBytes && size > 0) {
                rotate();
            }
            ByteBuffer b = ByteBuffer.wrap(scratch.toByteArray());
            while (b.hasRemaining()) {
                out.write(b);
            }
            size += scratch.size();
        } catch (IOException ex) {
            LOG.warn("failed to append to the event journal {}: {}", file, ex.toString());
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.move(file, previous, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        size = 0;
    }

    /** Reads whole records into {@code tail} (keeping the newest {@code keep}); returns the bytes they span. */
    private static long readInto(Path path, ArrayDeque<Event> tail, int keep) throws IOException {
        long good = 0;
        try (InputStream in = new CountingInput(Files.newInputStream(path))) {
            CountingInput counting = (CountingInput) in;
            while (true) {
                Event e;
                try {
                    e = Event.parseDelimitedFrom(counting);
                } catch (IOException torn) {
                    break;
                }
                if (e == null) {
                    break;
                }
                good = counting.count;
                if (tail.size() == keep) {
                    tail.removeFirst();
                }
                tail.addLast(e);
            }
        } catch (NoSuchFileException e) {
            return 0;
        }
        return good;
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.debug("closing {}: {}", file, e.toString());
            }
            out = null;
        }
    }

    /** Counts the bytes read, so that the end of the last whole record is known. */
    private static final class CountingInput extends java.io.FilterInputStream {
        long count;

        CountingInput(InputStream in) {
            super(new java.io.BufferedInputStream(in, 64 * 1024));
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            count += k;
            return k;
        }
    }
}
