package dev.podlab.core.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a CRI log file and, when following, waits for the shim to append more. Waiting
 * uses inotify (WatchService) on the log's directory, with a long safety timeout in case
 * an event is coalesced away, so an idle follow costs nothing.
 */
public final class LogFollower {
    private LogFollower() {}

    /**
     * Emits every record of {@code log}; when {@code follow}, keeps emitting new ones until
     * {@code finished} says the writer is done and the file is drained.
     */
    public static void read(Path log, boolean follow, BooleanSupplier finished, Consumer<CriLogLine> sink)
            throws IOException, InterruptedException {
        if (!follow) {
            if (Files.exists(log)) {
                try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
                    lines.filter(l -> !l.isEmpty()).map(CriLogLine::parse).forEach(sink);
                }
            }
            return;
        }
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            log.getParent().register(watch, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
            long offset = 0;
            StringBuilder pending = new StringBuilder();
            while (true) {
                boolean done = finished.getAsBoolean();
                offset = drain(log, offset, pending, sink);
                if (done) {
                    return;
                }
                try {
                    WatchKey key = watch.poll(2, TimeUnit.SECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                } catch (ClosedWatchServiceException e) {
                    return;
                }
            }
        }
    }

    private static long drain(Path log, long offset, StringBuilder pending, Consumer<CriLogLine> sink)
            throws IOException {
        if (!Files.exists(log)) {
            return offset;
        }
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            if (len <= offset) {
                return offset;
            }
            f.seek(offset);
            byte[] buf = new byte[(int) Math.min(len - offset, 1 << 20)];
            f.readFully(buf);
            pending.append(new String(buf, StandardCharsets.UTF_8));
            int nl;
            while ((nl = pending.indexOf("\n")) >= 0) {
                String line = pending.substring(0, nl);
                pending.delete(0, nl + 1);
                if (!line.isEmpty()) {
                    sink.accept(CriLogLine.parse(line));
                }
            }
            return offset + buf.length;
        }
    }
}
