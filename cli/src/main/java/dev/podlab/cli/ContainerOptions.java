package dev.podlab.cli;

import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.image.run.ImageDefaults;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options that describe a container, shared by run (and later create). */
final class ContainerOptions {
    @Option(names = "--rootfs", paramLabel = "DIR",
            description = "Run from a root filesystem directory instead of an image (then every argument is the command).")
    Path rootfs;

    @Option(names = "--name", description = "Name of the container.")
    String name;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = {"-v", "--volume"}, paramLabel = "SRC:DST[:ro]", description = "Bind a host path (repeatable).")
    List<String> volumes = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR",
            description = "Working directory inside the container (default: the image's, or /).")
    String workdir;

    @Option(names = "--entrypoint", paramLabel = "CMD", description = "Replace the image's entrypoint.")
    String entrypoint;

    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "Numeric user (and group) to run as.")
    String user;

    @Option(names = "--hostname", description = "Hostname (default: the short container id).")
    String hostname;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", description = "Memory limit, e.g. 64m.")
    String memory;

    @Option(names = "--memory-swap", paramLabel = "SIZE",
            description = "Memory plus swap limit (-1 for unlimited swap).")
    String memorySwap;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU quota in CPUs, e.g. 0.5.")
    String cpus;

    @Option(names = "--cpu-shares", paramLabel = "N", description = "Relative CPU weight (v1 shares, 2-262144).")
    Long cpuShares;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes.")
    Long pidsLimit;

    @Option(names = "--read-only", description = "Mount the root filesystem read-only.")
    boolean readOnly;

    @Option(names = {"-t", "--tty"}, description = "Give the container a terminal (pty).")
    boolean tty;

    /** A container from a plain root filesystem directory. */
    ContainerConfig fromRootfs(List<String> command) {
        if (command.isEmpty()) {
            throw new InvalidConfigException("failed to create container: no command given (podlab run --rootfs DIR -- CMD)");
        }
        var b = ContainerConfig.builder(rootfs.toAbsolutePath().normalize(), command)
                .workingDir(workdir != null ? workdir : "/");
        if (user != null) {
            int[] ug = numericUser();
            b.user(ug[0], ug[1]);
        }
        return common(b).build();
    }

    /** A container from a stored image: its config first, then these options on top. */
    ContainerConfig fromImage(ImageService images, ImageRecord record, List<String> command) {
        var overrides = new ImageDefaults.Overrides(entrypoint == null ? null : List.of(entrypoint),
                command.isEmpty() ? null : command, workdir, user);
        return common(images.containerFrom(record, overrides)).build();
    }

    private int[] numericUser() {
        String[] ug = user.split(":", 2);
        try {
            int uid = Integer.parseInt(ug[0]);
            int gid = ug.length > 1 ? Integer.parseInt(ug[1]) : uid;
            if (uid < 0 || gid < 0) {
                throw new NumberFormatException();
            }
            return new int[] {uid, gid};
        } catch (NumberFormatException e) {
            throw new InvalidConfigException("failed to parse --user \"" + user
                    + "\": expected UID[:GID] as numbers (names need an image's /etc/passwd)");
        }
    }

    private ContainerConfig.Builder common(ContainerConfig.Builder b) {
        b.name(name).env(env).hostname(hostname).terminal(tty).readOnlyRootfs(readOnly);
        volumes.forEach(v -> b.volume(VolumeMount.parse(v)));
        var r = CgroupResources.builder();
        if (memory != null) {
            r.memoryLimitBytes(Sizes.bytes("--memory", memory));
        }
        if (memorySwap != null) {
            r.memorySwapLimitBytes(memorySwap.equals("-1") ? -1L : Sizes.bytes("--memory-swap", memorySwap));
        }
        if (cpus != null) {
            r.cpuQuotaMicros(Sizes.cpuQuota(cpus)).cpuPeriodMicros(100_000L);
        }
        r.cpuShares(cpuShares);
        r.pidsLimit(pidsLimit);
        return b.resources(r.build());
    }
}
