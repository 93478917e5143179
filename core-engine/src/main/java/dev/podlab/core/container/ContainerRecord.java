package dev.podlab.core.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;

/**
 * What the engine remembers about one container ({@code state.json}). Immutable; every
 * change produces a new record that the store writes atomically.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerRecord(
        String id,
        String name,
        String runtime,
        ContainerStatus status,
        ContainerConfig config,
        long createdAt,
        int shimPid,
        int initPid,
        String cgroupPath,
        String logPath,
        ExitRecord exit,
        String reason,
        List<String> warnings) {

    public ContainerRecord {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    public String shortId() {
        return id.substring(0, 12);
    }

    public ContainerRecord withStatus(ContainerStatus s) {
        return new ContainerRecord(id, name, runtime, s, config, createdAt, shimPid, initPid, cgroupPath, logPath,
                exit, reason, warnings);
    }

    public ContainerRecord withProcesses(int shim, int init) {
        return new ContainerRecord(id, name, runtime, status, config, createdAt, shim, init, cgroupPath, logPath,
                exit, reason, warnings);
    }

    public ContainerRecord withExit(ExitRecord e, String why) {
        return new ContainerRecord(id, name, runtime, ContainerStatus.EXITED, config, createdAt, shimPid, initPid,
                cgroupPath, logPath, e, why, warnings);
    }

    public ContainerRecord withUnknown(String why) {
        return new ContainerRecord(id, name, runtime, ContainerStatus.UNKNOWN, config, createdAt, shimPid, initPid,
                cgroupPath, logPath, exit, why, warnings);
    }
}
