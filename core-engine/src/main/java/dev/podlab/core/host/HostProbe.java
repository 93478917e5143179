package dev.podlab.core.host;

import dev.podlab.core.cgroup.CgroupLayout;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything {@link HostDoctor} reads from the machine, one primitive per kind of fact, so tests can feed a
 * fake host. {@link LinuxHostProbe} is the real one.
 */
public interface HostProbe {

    /** The kernel release, e.g. "6.1.0-18-amd64" (/proc/sys/kernel/osrelease). */
    String kernelRelease();

    /** The cgroup layout under /sys/fs/cgroup; throws {@link dev.podlab.core.cgroup.CgroupException} if none. */
    CgroupLayout cgroupLayout();

    /** A text file's content ({@code /proc/self/status}, {@code /proc/filesystems}...), empty if unreadable. */
    Optional<String> readFile(Path file);

    /** Up to {@code max} first bytes of a file, empty if unreadable (to look at ELF headers). */
    Optional<byte[]> readHead(Path file, int max);

    /** Names in a directory, sorted; empty if it does not exist or cannot be listed. */
    List<String> list(Path dir);

    boolean exists(Path path);

    boolean isReadable(Path path);

    boolean isWritable(Path path);

    boolean isExecutable(Path path);

    /** The command's path on PATH, if any. */
    Optional<Path> which(String command);

    /** Runs a command with a timeout; never throws (a failure to start gives exit code -1). */
    CommandResult run(List<String> argv);

    /** Free bytes usable by this process on the filesystem holding {@code path}, if it can be found. */
    OptionalLong usableSpace(Path path);

    /** The effective uid of this process. */
    int euid();
}
