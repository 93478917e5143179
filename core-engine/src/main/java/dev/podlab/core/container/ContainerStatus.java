package dev.podlab.core.container;

import java.util.EnumSet;
import java.util.Set;

/**
 * Lifecycle of one container, as an explicit state machine. Every engine operation asks
 * {@link #check(Operation, String)} first, so an illegal call fails with a message that
 * says which state forbade it instead of half-running.
 */
public enum ContainerStatus {
    /** Namespaces, mounts and cgroups are set up; the init process waits for start. */
    CREATED,
    /** The init process has exec'd the user's command. */
    RUNNING,
    /** The init process has exited; an exit record exists. */
    EXITED,
    /** The record says running but neither a shim nor an exit record can be found. */
    UNKNOWN;

    /** What callers can do to a container. */
    public enum Operation { START, STOP, KILL, EXEC, REMOVE, FORCE_REMOVE, WAIT, LOGS, INSPECT, REOPEN_LOG }

    public boolean allows(Operation op) {
        return allowed().contains(op);
    }

    private Set<Operation> allowed() {
        return switch (this) {
            case CREATED -> EnumSet.of(Operation.START, Operation.STOP, Operation.KILL, Operation.FORCE_REMOVE,
                    Operation.WAIT, Operation.LOGS, Operation.INSPECT);
            case RUNNING -> EnumSet.of(Operation.STOP, Operation.KILL, Operation.EXEC, Operation.FORCE_REMOVE,
                    Operation.WAIT, Operation.LOGS, Operation.INSPECT, Operation.REOPEN_LOG);
            case EXITED -> EnumSet.of(Operation.STOP, Operation.REMOVE, Operation.FORCE_REMOVE, Operation.WAIT,
                    Operation.LOGS, Operation.INSPECT);
            case UNKNOWN -> EnumSet.of(Operation.STOP, Operation.REMOVE, Operation.FORCE_REMOVE, Operation.LOGS,
                    Operation.INSPECT);
        };
    }

    /** Throws when {@code op} is not allowed in this state. */
    public void check(Operation op, String container) {
        if (!allows(op)) {
            String hint = switch (op) {
                case REMOVE -> this == RUNNING || this == CREATED ? " (stop it first, or force)" : "";
                case START -> this == EXITED ? " (create a new one: exited containers are not restarted)" : "";
                default -> "";
            };
            throw new WrongStateException("failed to " + op.name().toLowerCase().replace('_', ' ') + " container "
                    + container + ": it is " + name().toLowerCase() + hint);
        }
    }

    public String display() {
        return name().toLowerCase();
    }
}
