package dev.podlab.core.container;

import dev.podlab.core.runtime.ResizeFifo;

/**
 * An extra process started in a container, and the size control of its terminal ({@code null}
 * without one: then {@link #resize} does nothing).
 */
public record ExecSession(Process process, ResizeFifo terminal) {
    /** Gives the process's terminal a new size (it gets SIGWINCH); ignored without a terminal or after exit. */
    public void resize(int rows, int columns) {
        if (terminal != null) {
            terminal.resize(rows, columns);
        }
    }
}
