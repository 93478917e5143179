package dev.podlab.core.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * How a container's init process ended, as the shim recorded it in {@code exit.json}.
 *
 * @param exitCode the status, or 128 + signal when killed by a signal
 * @param signal   the terminating signal, 0 for a normal exit
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExitRecord(int pid, int exitCode, int signal, boolean oomKilled, long startedAt, long finishedAt,
                         String message) {

    /** Kubernetes' reason vocabulary: Completed, Error, OOMKilled. */
    public String reason() {
        if (oomKilled) {
            return "OOMKilled";
        }
        return exitCode == 0 ? "Completed" : "Error";
    }
}
