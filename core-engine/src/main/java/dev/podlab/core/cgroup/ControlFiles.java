package dev.podlab.core.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads, writes and parses cgroup control files.
 *
 * <p>A manager either drives the kernel's cgroupfs or a plain directory tree laid out like one (tests point
 * managers at such trees). The two differ in exactly two places, both handled here: on cgroupfs every control
 * file exists once its directory does, so writes never create files (opening a missing cgroupfs file with
 * O_CREAT fails with a misleading "Permission denied"); and rmdir of a cgroupfs directory removes its control
 * files with it, while a plain directory must be emptied first.
 */
final class ControlFiles {

    private static final OpenOption[] KERNEL_WRITE = {StandardOpenOption.WRITE};
    private static final OpenOption[] PLAIN_WRITE = {
        StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING
    };

    private final boolean plainTree;

    ControlFiles(boolean plainTree) {
        this.plainTree = plainTree;
    }

    /** For the hierarchy that holds {@code dir}: cgroupfs or a plain stand-in tree. */
    static ControlFiles forHierarchy(Path dir) {
        return new ControlFiles(!isCgroupFs(dir));
    }

    static boolean isCgroupFs(Path dir) {
        try {
            String type = Files.getFileStore(dir).type();
            return type.equals("cgroup") || type.equals("cgroup2");
        } catch (IOException e) {
            return false;
        }
    }

    boolean plainTree() {
        return plainTree;
    }

    /**
     * Writes {@code value} in one write(2), as the kernel expects.
     *
     * @throws CgroupException "failed to {action} {object}: write {value} to {file}: {errno text}"
     */
    void write(Path file, String value, String action, String object) {
        try {
            Files.write(file, value.getBytes(StandardCharsets.US_ASCII), plainTree ? PLAIN_WRITE : KERNEL_WRITE);
        } catch (IOException e) {
            throw new CgroupException(action, object, "write " + value + " to " + file + ": " + describe(e), e);
        }
    }

    /** The file's content, or empty when it does not exist (a controller or kernel feature is missing). */
    static Optional<String> readIfExists(Path file, String action, String object) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CgroupException(action, object, "read " + file + ": " + describe(e), e);
        }
    }

    static String read(Path file, String action, String object) {
        return readIfExists(file, action, object).orElseThrow(
                () -> new CgroupException(action, object, "read " + file + ": No such file or directory"));
    }

    /** Pids listed in a cgroup.procs (or tasks) file; empty when the file is gone. */
    static List<Integer> readPids(Path procsFile, String object) {
        List<Integer> pids = new ArrayList<>();
        for (String line : readIfExists(procsFile, "list processes of", object).orElse("").split("\n")) {
            String trimmed = line.trim();
            if (!trimmed.isEmpty()) {
                pids.add(Integer.parseInt(trimmed));
            }
        }
        return pids;
    }

    /** Creates one directory level; returns false when it already existed. */
    static boolean mkdir(Path dir, String object) {
        try {
            Files.createDirectory(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(dir)) {
                return false;
            }
            throw new CgroupException("create", object, "mkdir " + dir + ": File exists (not a directory)", e);
        } catch (IOException e) {
            throw new CgroupException("create", object, "mkdir " + dir + ": " + describe(e), e);
        }
    }

    /**
     * Removes one cgroup directory (its children must be gone already).
     *
     * @return false when it did not exist
     * @throws IOException the rmdir error, e.g. EBUSY while processes remain
     */
    boolean rmdir(Path dir) throws IOException {
        try {
            Files.delete(dir);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (DirectoryNotEmptyException e) {
            if (!plainTree) {
                throw e;
            }
            // A plain stand-in tree keeps the control files we wrote; cgroupfs drops them with the directory.
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.toList()) {
                    if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        throw e; // a child cgroup: really not empty
                    }
                }
            }
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.toList()) {
                    Files.delete(entry);
                }
            }
            Files.delete(dir);
            return true;
        }
    }

    /** Child cgroup directories of {@code dir}, deepest first, {@code dir} itself last. */
    static List<Path> subtreeLeafFirst(Path dir) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try {
            collectDirectories(dir, dirs);
        } catch (NoSuchFileException e) {
            if (dirs.isEmpty()) {
                return List.of();
            }
            // A sub-cgroup vanished while listing (removed concurrently): what is left is still right.
        }
        dirs.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return dirs;
    }

    /**
     * Adds {@code dir} and every directory below it. A directory whose link count is 2 has
     * no subdirectories (cgroupfs, ext4 and tmpfs all keep the classic count), so the usual
     * case, a leaf cgroup with dozens of control files, costs one stat instead of one per file.
     */
    private static void collectDirectories(Path dir, List<Path> out) throws IOException {
        Object nlink = Files.getAttribute(dir, "unix:nlink", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        out.add(dir);
        if (nlink instanceof Integer n && n == 2) {
            return;
        }
        try (var entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    collectDirectories(p, out);
                }
            }
        }
    }

    /** The errno text of an I/O failure, e.g. "Invalid argument", "Device or resource busy". */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    // ---- parsing the kernel's formats -------------------------------------------------------------

    /**
     * Parses a flat keyed file ("key value" per line: cpu.stat, memory.stat, memory.events, cpuacct.stat,
     * memory.oom_control). Lines whose value is not a number are skipped.
     */
    static Map<String, Long> parseFlatKeyed(String content) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : content.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2) {
                try {
                    values.put(parts[0], Long.parseLong(parts[1]));
                } catch (NumberFormatException notANumber) {
                    // e.g. a future key with a non-numeric value: not ours to interpret
                }
            }
        }
        return values;
    }

    /**
     * Sums the "Read" and "Write" lines of a V1 blkio rwstat file (blkio.throttle.io_service_bytes,
     * io_serviced and their _recursive forms): "MAJ:MIN Op value" per device and operation. The Sync, Async,
     * Discard and Total lines and the closing "Total N" are skipped: they count the same IO split another way.
     *
     * @return {read, write}
     */
    static long[] parseBlkioReadWrite(String content) {
        long[] sums = new long[2];
        for (String line : content.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 3) {
                continue; // the closing "Total N" line, or blank
            }
            int slot = parts[1].equals("Read") ? 0 : parts[1].equals("Write") ? 1 : -1;
            if (slot >= 0) {
                try {
                    sums[slot] += Long.parseLong(parts[2]);
                } catch (NumberFormatException notANumber) {
                    // not a counter line: nothing to add
                }
            }
        }
        return sums;
    }

    /**
     * Sums a V2 io.stat over its devices: one line per device, "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ...".
     *
     * @return {rbytes, wbytes, rios, wios}
     */
    static long[] parseIoStat(String content) {
        long[] sums = new long[4];
        List<String> keys = List.of("rbytes", "wbytes", "rios", "wios");
        for (String line : content.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                int slot = eq < 0 ? -1 : keys.indexOf(parts[i].substring(0, eq));
                if (slot >= 0) {
                    try {
                        sums[slot] += Long.parseLong(parts[i].substring(eq + 1));
                    } catch (NumberFormatException notANumber) {
                        // a key we know with a value we do not: leave the sum alone
                    }
                }
            }
        }
        return sums;
    }

    /** Parses a single-value file such as memory.current or cpuacct.usage. */
    static long parseSingle(String content, Path file) {
        String trimmed = content.trim();
        try {
            return Long.parseLong(trimmed);
        } catch (NumberFormatException e) {
            throw new CgroupException("parse", file.toString(), "expected a number, got \"" + trimmed + "\"", e);
        }
    }

    /** Parses a limit: "max" (V2) and V1's page-rounded 2^63 sentinel mean unlimited and give -1. */
    static long parseLimit(String content, Path file) {
        String trimmed = content.trim();
        if (trimmed.equals("max")) {
            return -1;
        }
        long value = parseSingle(trimmed, file);
        return value >= V1_UNLIMITED_THRESHOLD ? -1 : value;
    }

    /**
     * V1 reports "no memory limit" as PAGE_COUNTER_MAX in bytes: 9223372036854771712 with 4 KiB pages, less
     * with larger pages. Anything at or above 2^62 is far beyond any real machine and treated as unlimited.
     */
    static final long V1_UNLIMITED_THRESHOLD = 1L << 62;

    /** Tokens of a space-separated list such as cgroup.controllers; tolerates "+name" as written to plain trees. */
    static List<String> parseList(String content) {
        List<String> tokens = new ArrayList<>();
        for (String token : content.trim().split("\\s+")) {
            if (!token.isEmpty()) {
                tokens.add(token.startsWith("+") ? token.substring(1) : token);
            }
        }
        return tokens;
    }
}
