package dev.podlab.cli;

import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.Resources;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.container.VolumeMount;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options that describe a container, shared by run (and later create). */
final class ContainerOptions {
    @Option(names = "--rootfs", paramLabel = "DIR",
            description = "Run from a root filesystem directory instead of an image (then every argument is the command).")
    Path rootfs;

    @Option(names = "--runtime", paramLabel = "NAME",
            description = "Runtime class to run on: builtin, runc, crun, youki... (default: the engine's; see podlab runtimes).")
    String runtime;

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

    @Option(names = {"-i", "--interactive"}, description = {"Keep the container's stdin open: podlab run -i feeds it "
            + "ours (closed when ours ends), with -d it waits for podlab attach."})
    boolean interactive;

    /** stdinOnce for a foreground run -i: our input's end is the container's, as docker run -i. */
    boolean stdinOnce;

    /**
     * The create request: an image with an optional command, or (with --rootfs) a directory and the command.
     * Image defaults (entrypoint, cmd, env, user) are applied by the engine.
     */
    CreateContainerRequest request(List<String> args) {
        var b = CreateContainerRequest.newBuilder();
        if (rootfs != null) {
            if (args.isEmpty()) {
                throw new InvalidConfigException("failed to create container: no command given (podlab run --rootfs DIR -- CMD)");
            }
            b.setRootfs(rootfs.toAbsolutePath().normalize().toString()).addAllCommand(args);
        } else {
            if (args.isEmpty()) {
                throw new InvalidConfigException(
                        "failed to create container: no image given (podlab run IMAGE [CMD...], or --rootfs DIR -- CMD)");
            }
            b.setImage(args.get(0)).addAllCommand(args.subList(1, args.size()));
        }
        if (entrypoint != null) {
            b.addEntrypoint(entrypoint);
        }
        if (name != null) {
            b.setName(name);
        }
        if (runtime != null) {
            b.setRuntime(runtime);
        }
        if (workdir != null) {
            b.setWorkingDir(workdir);
        }
        if (user != null) {
            b.setUser(user);
        }
        if (hostname != null) {
            b.setHostname(hostname);
        }
        b.addAllEnv(env).setTty(tty).setStdin(interactive).setStdinOnce(interactive && stdinOnce).setReadOnlyRootfs(readOnly);
        for (String v : volumes) {
            VolumeMount m = VolumeMount.parse(v);
            b.addVolumes(dev.podlab.api.v1.VolumeMount.newBuilder().setSource(m.source().toAbsolutePath().toString())
                    .setDestination(m.destination()).setReadOnly(m.readOnly()));
        }
        var r = Resources.newBuilder();
        if (memory != null) {
            r.setMemoryLimitBytes(Sizes.bytes("--memory", memory));
        }
        if (memorySwap != null) {
            r.setMemorySwapLimitBytes(memorySwap.equals("-1") ? -1L : Sizes.bytes("--memory-swap", memorySwap));
        }
        if (cpus != null) {
            r.setCpuQuotaMicros(Sizes.cpuQuota(cpus)).setCpuPeriodMicros(100_000L);
        }
        if (cpuShares != null) {
            r.setCpuShares(cpuShares);
        }
        if (pidsLimit != null) {
            r.setPidsLimit(pidsLimit);
        }
        return b.setResources(r).build();
    }
}
