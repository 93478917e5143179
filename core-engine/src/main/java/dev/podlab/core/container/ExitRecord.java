package dev.podlab.core.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * How a container's init process ended, as the shim recorded it in {@code exit.json}.
 *
 * @param exitCode the status, or 128 + signal when killed by a signal
 * @param signal   the terminating signal, 0 for a normal exit
 * @param sandboxCrashed the engine wrote this record because the container's sandbox died under it
 *                 (a VM runtime's guest panicked or its QEMU exited): exit code 255, reason
 *                 {@value #SANDBOX_CRASHED}; false in records the shim writes
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExitRecord(int pid, int exitCode, int signal, boolean oomKilled, long startedAt, long finishedAt,
                         String message, boolean sandboxCrashed) {
    /** The reason of a container whose sandbox (VM) died under it. */
    public static final String SANDBOX_CRASHED = "SandboxCrashed";
    /** The exit code of such a container, as containerd reports a task whose shim vanished. */
    public static final int SANDBOX_CRASHED_EXIT_CODE = 255;

    /** Kubernetes' reason vocabulary: Completed, Error, OOMKilled; and SandboxCrashed (see above). */
    public String reason() {
        if (sandboxCrashed) {
            return SANDBOX_CRASHED;
        }
        if (oomKilled) {
            return "OOMKilled";
        }
        return exitCode == 0 ? "Completed" : "Error";
    }
}
