package dev.podlab.core.cgroup;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The kernel file that counts OOM kills of a cgroup: memory.oom_control (V1, key {@code oom_kill}) or
 * memory.events (V2, key {@code oom_kill}). A supervisor reads it before and after a container exits to tell
 * an OOM kill from any other SIGKILL.
 */
public record OomCounter(Path file, CgroupVersion format) {

    public OomCounter {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
    }

    /** Reads the current number of OOM kills (0 when the kernel does not report the key). */
    public long oomKills() {
        return ControlFiles.parseFlatKeyed(ControlFiles.read(file, "read OOM counter of", "cgroup")).getOrDefault("oom_kill", 0L);
    }
}
