package dev.podlab.core.cgroup;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/** What both managers do the same way: path checks, listing and killing processes, waiting, removing. */
final class CgroupSupport {

    /** How long {@link CgroupManager#killAll} waits for the processes to be gone. */
    static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

    private CgroupSupport() {
    }

    /** "podlab/abc" from "podlab/abc", "/podlab/abc/" ...; refuses empty, "." and ".." components. */
    static String normalize(String relativePath) {
        if (relativePath == null) {
            throw new CgroupException("use", "cgroup path null", "a relative path such as podlab/abc is required");
        }
        String trimmed = relativePath.strip();
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            throw new CgroupException("use", "cgroup path \"" + relativePath + "\"",
                    "the hierarchy root itself cannot be managed; give a relative path such as podlab/abc");
        }
        for (String part : trimmed.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new CgroupException("use", "cgroup path \"" + relativePath + "\"",
                        "empty, \".\" and \"..\" components are not allowed");
            }
        }
        return trimmed;
    }

    /** The directory levels from the first component below {@code mount} down to the cgroup itself. */
    static List<Path> levels(Path mount, String relativePath) {
        List<Path> levels = new ArrayList<>();
        Path current = mount;
        for (String part : relativePath.split("/")) {
            current = current.resolve(part);
            levels.add(current);
        }
        return levels;
    }

    /** The distinct directories of a cgroup (co-mounted V1 controllers share one), keyed by real path. */
    static Map<Path, Path> distinct(Collection<Path> dirs) {
        Map<Path, Path> byReal = new LinkedHashMap<>();
        for (Path dir : dirs) {
            byReal.putIfAbsent(realOrSelf(dir), dir);
        }
        return byReal;
    }

    static Path realOrSelf(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** Pids in the given directories and all their sub-cgroups, sorted. */
    static List<Integer> pidsUnder(Collection<Path> dirs, String object) {
        Set<Integer> pids = new TreeSet<>();
        for (Path dir : distinct(dirs).values()) {
            try {
                for (Path sub : ControlFiles.subtreeLeafFirst(dir)) {
                    pids.addAll(ControlFiles.readPids(sub.resolve("cgroup.procs"), object));
                }
            } catch (IOException e) {
                throw new CgroupException("list processes of", object, "walk " + dir + ": " + ControlFiles.describe(e), e);
            }
        }
        return List.copyOf(pids);
    }

    /** Refuses to go on when the engine's own process is among {@code pids}: killing it would kill the engine. */
    static void refuseSelf(Collection<Integer> pids, String object) {
        long self = ProcessHandle.current().pid();
        if (pids.contains((int) self)) {
            throw new CgroupException("kill processes of", object,
                    "the engine itself (pid " + self + ") is in it; refusing to kill it");
        }
    }

    /** SIGKILLs each pid (ProcessHandle.destroyForcibly is SIGKILL on Linux). */
    static void sigkill(Collection<Integer> pids) {
        for (int pid : pids) {
            // A pid that exited since it was listed simply has no handle (ESRCH): nothing to do.
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** True while cgroup.events says "populated 1", or (no cgroup.events) while processes are listed. */
    static boolean populated(Path dir, String object) {
        var events = ControlFiles.readIfExists(dir.resolve("cgroup.events"), "read events of", object);
        if (events.isPresent()) {
            return ControlFiles.parseFlatKeyed(events.get()).getOrDefault("populated", 0L) != 0;
        }
        return !pidsUnder(List.of(dir), object).isEmpty();
    }

    /**
     * Waits until the V2 cgroup at {@code dir} is empty or {@code deadlineNanos} (System.nanoTime) passes.
     * The kernel signals changes of cgroup.events through inotify, so this blocks on a WatchService; each
     * wait is capped at 100 ms and followed by a re-read, so a missed event costs at most that, never a hang.
     *
     * @return true when empty
     */
    static boolean awaitUnpopulated(Path dir, long deadlineNanos, String object) {
        WatchService watch = null;
        try {
            try {
                watch = dir.getFileSystem().newWatchService();
                dir.register(watch, StandardWatchEventKinds.ENTRY_MODIFY);
            } catch (IOException | UnsupportedOperationException e) {
                // No inotify here (or the directory just went away): fall back to the capped sleeps below.
                closeQuietly(watch);
                watch = null;
            }
            while (populated(dir, object)) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                long waitMillis = Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100));
                if (watch != null) {
                    WatchKey key = watch.poll(waitMillis, TimeUnit.MILLISECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                } else {
                    Thread.sleep(waitMillis);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("wait for the processes of", object, "interrupted", e);
        } finally {
            closeQuietly(watch);
        }
    }

    /** Sleeps between V1 kill rounds: 5, 10, 20 ... at most 100 ms, never past the deadline. */
    static void pause(int round, long deadlineNanos, String object) {
        long millis = Math.min(100, 5L << Math.min(round, 5));
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        try {
            Thread.sleep(Math.max(0, Math.min(millis, left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("wait for the processes of", object, "interrupted", e);
        }
    }

    static CgroupException stillAlive(String object, List<Integer> pids) {
        return new CgroupException("kill processes of", object,
                pids.size() + " process(es) still alive after " + KILL_TIMEOUT.toSeconds() + "s: " + pids);
    }

    private static void closeQuietly(WatchService watch) {
        if (watch != null) {
            try {
                watch.close();
            } catch (IOException ignored) {
                // closing a watch service cannot lose anything we need
            }
        }
    }

    /**
     * Removes each directory's subtree leaf first. Keeps going after a failure so that one busy hierarchy does
     * not leave the others behind; throws the first failure with the rest suppressed.
     */
    static void destroy(Collection<Path> dirs, ControlFiles files, String object) {
        CgroupException failure = null;
        for (Path dir : distinct(dirs).values()) {
            try {
                for (Path sub : ControlFiles.subtreeLeafFirst(dir)) {
                    rmdirWithRetry(sub, files, object);
                }
            } catch (CgroupException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            } catch (IOException e) {
                CgroupException wrapped = new CgroupException("remove", object,
                        "walk " + dir + ": " + ControlFiles.describe(e), e);
                if (failure == null) {
                    failure = wrapped;
                } else {
                    failure.addSuppressed(wrapped);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void rmdirWithRetry(Path dir, ControlFiles files, String object) {
        for (int attempt = 0; ; attempt++) {
            try {
                // false means ENOENT: already removed (an earlier destroy, a reconcile, or a concurrent
                // cleanup). Destroy is idempotent, so that is success.
                files.rmdir(dir);
                return;
            } catch (IOException e) {
                String reason = ControlFiles.describe(e);
                List<Integer> left = ControlFiles.readPids(dir.resolve("cgroup.procs"), object);
                boolean busy = e instanceof FileSystemException && reason.equals("Device or resource busy");
                if (busy && left.isEmpty() && attempt < 5) {
                    // Exited processes leave the cgroup a moment after they are gone from cgroup.procs.
                    pause(attempt, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100), object);
                    continue;
                }
                String detail = "rmdir " + dir + ": " + reason;
                if (!left.isEmpty()) {
                    detail += " (processes still in it: " + left + ")";
                }
                throw new CgroupException("remove", object, detail, e);
            }
        }
    }

    static Set<String> union(Collection<String> a, Collection<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }
}
