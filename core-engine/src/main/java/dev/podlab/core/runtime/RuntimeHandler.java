package dev.podlab.core.runtime;

import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.container.HostInfo;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.metrics.StatsSource;
import dev.podlab.core.oci.RuntimeSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One way of running containers from the engine's config.json: the built-in namespace runtime,
 * an OCI runtime binary, or a QEMU micro-VM ({@code kvm}, where the shim runs inside the guest). Every handler keeps podlab-shim as the container's supervisor, so
 * the control socket, the CRI log and {@code exit.json} look the same whichever runs the
 * container; what differs is who sets the container up and how extra processes get in.
 */
public interface RuntimeHandler {

    /** Which container, where: the id the runtime knows it by, a display name, its directory (the bundle). */
    record Target(String id, String name, Path dir) {}

    /**
     * Everything the engine prepared for a container: the document (already written to
     * {@code dir/config.json}) and the host-side facts the shim needs; {@code stdin} keeps the container's stdin
     * open for attach ({@code stdinOnce}: until the first attach detaches), which config.json cannot say.
     */
    record Launch(Target target, RuntimeSpec spec, Path rootfs, List<Path> cgroupProcsFiles, Path oomCounterFile,
                  String oomCounterFormat, Path logFile, boolean stdin, boolean stdinOnce) {}

    /** What create reported: pids, step timings, warnings. */
    record Created(int initPid, int shimPid, List<TraceEvent> steps, List<String> warnings) {}

    /**
     * An extra process in a running container, with the container's seccomp profile and cgroups;
     * {@code resizeFifo}, for a terminal, carries its size ({@link ResizeFifo}), or is null.
     */
    record ExecSpec(RuntimeSpec.Process process, RuntimeSpec.Seccomp seccomp, List<Path> cgroupProcsFiles,
                    Path resizeFifo) {}

    RuntimeInfo info();

    /** Refuses, before anything is made, what this runtime cannot do (typed {@code InvalidConfigException}). */
    void check(ContainerConfig request);

    /** Creates the container, stopped before the user's command; the shim supervises it from here on. */
    Created create(Launch launch);

    /** Lets the container's command run; returns the steps the shim timed. */
    List<TraceEvent> start(Target target);

    void kill(Target target, int signal);

    /** Makes the supervisor open its log path again (after a log rotator renamed the file). */
    void reopenLog(Target target);

    /** Waits for the exit record; empty when {@code timeout} passes first. */
    Optional<ExitRecord> awaitExit(Target target, Duration timeout);

    /** The exit record when the container has exited. */
    Optional<ExitRecord> readExit(Target target);

    /**
     * Connects to the running (or created) container's stdio through its shim: output arrives at
     * {@code listener}, input goes through the returned session. The CRI log is written meanwhile.
     */
    AttachSession attach(Target target, AttachSession.Listener listener);

    /** Starts an extra process; the caller owns its stdio and lifetime. */
    Process exec(Target target, ExecSpec spec, ProcessBuilder.Redirect in, ProcessBuilder.Redirect out,
                 ProcessBuilder.Redirect err);

    /**
     * Whether the container's supervisor still runs (asked when no exit record exists yet): the
     * host podlab-shim with this pid by default; a VM runtime answers for its guest.
     */
    default boolean supervised(Target target, int shimPid) {
        return HostInfo.isProcess(shimPid, "podlab-shim");
    }

    /** The micro-VM the container runs in; empty for runtimes that run containers on the host's kernel. */
    default Optional<SandboxVm> vm(Target target) {
        return Optional.empty();
    }

    /**
     * Forgets the container in the runtime's own state (nothing for the built-in runtime);
     * idempotent, also after a failed create.
     */
    void delete(Target target);

    /**
     * Where the metrics sampler reads the container's counters when the runtime knows them better
     * than the host cgroup (a VM runtime: the guest's cgroup); empty, the default: the host cgroup.
     */
    default Optional<StatsSource> statsSource(Target target) {
        return Optional.empty();
    }

    /**
     * Removes what the runtime keeps running or on disk for containers whose records are gone
     * (a reconcile at engine start: the engine was killed, records were removed meanwhile).
     * {@code liveIds} are the containers that still have records. Returns one line per repair.
     */
    default List<String> reapOrphans(Set<String> liveIds) {
        return List.of();
    }

    /**
     * The engine is exiting: closes the runtime's own connections and threads, leaving the
     * containers running for the next engine.
     */
    default void detach() {
    }
}
