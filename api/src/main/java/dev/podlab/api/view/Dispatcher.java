package dev.podlab.api.view;

/**
 * The one threading abstraction of the view models: every model mutation runs through it, on the UI thread.
 * The TUI implements it with its screen thread, the GUI with {@code Platform.runLater}; tests use
 * {@link #direct()}. Engine calls never run here: {@link EngineFeeds} makes them on worker threads and
 * dispatches only the results.
 */
public interface Dispatcher {
    /** Runs {@code task} on the UI thread, later (never inline from a worker). */
    void dispatch(Runnable task);

    /** Whether the calling thread is the UI thread. */
    boolean isUiThread();

    /** A dispatcher whose UI thread is whichever thread calls it: tasks run inline (tests, benchmarks). */
    static Dispatcher direct() {
        return new Dispatcher() {
            @Override
            public void dispatch(Runnable task) {
                task.run();
            }

            @Override
            public boolean isUiThread() {
                return true;
            }
        };
    }
}
