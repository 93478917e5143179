package dev.podlab.core.cgroup;

import dev.podlab.core.PodlabException;

/**
 * A cgroup operation failed. Messages read {@code failed to <action> <object>: <cause>}, for example
 * {@code failed to set memory limit of cgroup podlab/abc: write 12x to
 * /sys/fs/cgroup/memory/podlab/abc/memory.limit_in_bytes: Invalid argument}.
 *
 * <p>Unchecked, like every {@link PodlabException}: callers cannot recover from most of these, and the engine reports them as the failed
 * step of a lifecycle trace. The original {@link java.io.IOException}, when there is one, is the cause.
 */
public class CgroupException extends PodlabException {

    private final String action;
    private final String object;

    /**
     * @param action what was attempted, e.g. {@code "set memory limit of"}
     * @param object what it was attempted on, e.g. {@code "cgroup podlab/abc"}
     * @param detail why it failed, e.g. {@code "write 12x to /sys/...: Invalid argument"}
     */
    public CgroupException(String action, String object, String detail) {
        this(action, object, detail, null);
    }

    public CgroupException(String action, String object, String detail, Throwable cause) {
        super("failed to " + action + " " + object + ": " + detail, cause);
        this.action = action;
        this.object = object;
    }

    /** What was attempted, e.g. {@code "set memory limit of"}. */
    public String action() {
        return action;
    }

    /** What it was attempted on, e.g. {@code "cgroup podlab/abc"}. */
    public String object() {
        return object;
    }
}
