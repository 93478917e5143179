package dev.podlab.core.net;

import dev.podlab.core.PodlabException;

/**
 * A pod namespace or pod network step failed. Messages read {@code failed to <action> <object>: <cause>}, for
 * example {@code failed to create namespaces of pod abc: mount /proc/thread-self/ns/net on ...: Operation not
 * permitted (errno 1)}.
 */
public class NetworkException extends PodlabException {

    private final String action;
    private final String object;

    public NetworkException(String action, String object, String detail) {
        this(action, object, detail, null);
    }

    public NetworkException(String action, String object, String detail, Throwable cause) {
        super("failed to " + action + " " + object + ": " + detail, cause);
        this.action = action;
        this.object = object;
    }

    /** What was attempted, e.g. {@code "add"}. */
    public String action() {
        return action;
    }

    /** What it was attempted on, e.g. {@code "pod default/web to network podlab"}. */
    public String object() {
        return object;
    }
}
