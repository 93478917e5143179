package dev.podlab.core.image.registry;

/**
 * Receives the {@link PullEvent}s of a pull. Called from the download threads (several at once
 * when layers download in parallel), so implementations must be thread-safe and quick; an
 * exception thrown here is ignored and does not fail the pull.
 */
@FunctionalInterface
public interface PullListener {
    PullListener NONE = event -> {};

    void onEvent(PullEvent event);
}
