package dev.podlab.cli;

import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.rootfs.BusyboxRootfs;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options that describe a container, shared by run (and later create). */
final class ContainerOptions {
    @Option(names = "--rootfs", paramLabel = "DIR",
            description = "Root filesystem directory (default: the sample busybox rootfs, built on first use).")
    Path rootfs;

    @Option(names = "--name", description = "Name of the container.")
    String name;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = {"-v", "--volume"}, paramLabel = "SRC:DST[:ro]", description = "Bind a host path (repeatable).")
    List<String> volumes = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container.")
    String workdir = "/";

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

    ContainerConfig toConfig(Path stateRoot, List<String> command) {
        Path fs = rootfs != null ? rootfs.toAbsolutePath().normalize()
                : BusyboxRootfs.ensure(stateRoot.resolve("samples/busybox"));
        var b = ContainerConfig.builder(fs, command).name(name).env(env).workingDir(workdir).hostname(hostname)
                .terminal(tty).readOnlyRootfs(readOnly);
        volumes.forEach(v -> b.volume(VolumeMount.parse(v)));
        if (user != null) {
            String[] ug = user.split(":", 2);
            try {
                int uid = Integer.parseInt(ug[0]);
                int gid = ug.length > 1 ? Integer.parseInt(ug[1]) : uid;
                if (uid < 0 || gid < 0) {
                    throw new NumberFormatException();
                }
                b.user(uid, gid);
            } catch (NumberFormatException e) {
                throw new InvalidConfigException("failed to parse --user \"" + user + "\": expected UID[:GID] as numbers");
            }
        }
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
        b.resources(r.build());
        return b.build();
    }
}
