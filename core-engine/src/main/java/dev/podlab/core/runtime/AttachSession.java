package dev.podlab.core.runtime;

import dev.podlab.core.container.ExitRecord;

import java.util.Optional;

/**
 * A client attached to a container's stdio through its shim (docs/shim.md, {@code attach}). Input goes through
 * these methods; output arrives at the {@link Listener} on a thread of the session. Closing detaches: the container
 * keeps running (with {@code stdinOnce} its stdin is closed).
 */
public interface AttachSession extends AutoCloseable {

    /** Where output goes; called on the session's reader thread, in order. */
    interface Listener {
        /** {@code stderr} false for stdout (and for a terminal's single stream). */
        void output(boolean stderr, byte[] data);

        /** The end: the container's exit record when it exited, empty when the session was detached or broke. */
        void closed(Optional<ExitRecord> exit);
    }

    /** Bytes for the container's stdin (dropped when the container has no open stdin). */
    void write(byte[] data, int offset, int length);

    /** This client's stdin has ended; with stdinOnce the container's stdin closes. */
    void closeStdin();

    /** The terminal's new size (ignored without a terminal). */
    void resize(int rows, int columns);

    /** Detaches. */
    @Override
    void close();
}
