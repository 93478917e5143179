package dev.podlab.core.image.archive;

/**
 * Receives the {@link ImportEvent}s of an import, on the importing thread, in order. An exception thrown here is
 * ignored and does not fail the import.
 */
@FunctionalInterface
public interface ImportListener {
    ImportListener NONE = event -> {};

    void onEvent(ImportEvent event);
}
