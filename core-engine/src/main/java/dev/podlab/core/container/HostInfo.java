package dev.podlab.core.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small facts about the host read once: they do not change while the engine runs. */
public final class HostInfo {
    private HostInfo() {}

    /** The hard RLIMIT_NOFILE of this process, from /proc/self/limits; -1 when unreadable. */
    public static long nofileHardLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * A "Key:   N kB" line of a /proc file ({@code /proc/meminfo}, {@code /proc/PID/status}) in bytes; 0 when the
     * file or the key is missing (an exited process costs nothing).
     */
    public static long procKilobytes(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** Resident memory of a process (VmRSS), 0 when it is gone. */
    public static long rssBytes(long pid) {
        return procKilobytes(Path.of("/proc/" + pid + "/status"), "VmRSS:");
    }

    /** The host's memory (MemTotal). */
    public static long memTotalBytes() {
        return procKilobytes(Path.of("/proc/meminfo"), "MemTotal:");
    }

    /** True when {@code pid} is alive and runs the program named {@code exe} (guards against pid reuse). */
    public static boolean isProcess(int pid, String exe) {
        if (pid <= 0) {
            return false;
        }
        try {
            byte[] cmd = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            // Empty while the process is in execve (the shim becoming its monitor right after
            // "created"): look again shortly instead of calling a live shim gone.
            for (int i = 0; i < 20 && cmd.length == 0; i++) {
                Thread.sleep(5);
                cmd = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            }
            int end = 0;
            while (end < cmd.length && cmd[end] != 0) {
                end++;
            }
            String argv0 = new String(cmd, 0, end, java.nio.charset.StandardCharsets.UTF_8);
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // A zombie has exited already; only its parent's wait is missing.
            boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            return !zombie && argv0.contains(exe);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
