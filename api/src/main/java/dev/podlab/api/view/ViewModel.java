package dev.podlab.api.view;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Base of the UI-free view models: state changes only on the dispatcher's UI thread, and listeners (the
 * views) hear about every change there too.
 */
public abstract class ViewModel {
    private final Dispatcher ui;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    protected ViewModel(Dispatcher ui) {
        this.ui = ui;
    }

    public final Dispatcher dispatcher() {
        return ui;
    }

    /** Calls {@code listener} on the UI thread after every change; closing the handle removes it. */
    public final AutoCloseable addListener(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    protected final void changed() {
        for (Runnable l : listeners) {
            l.run();
        }
    }

    /** Fails fast when a worker thread touches UI state: such a bug otherwise shows up as a torn frame. */
    protected final void checkUiThread() {
        if (!ui.isUiThread()) {
            throw new IllegalStateException("failed to update " + getClass().getSimpleName()
                    + ": called from " + Thread.currentThread().getName() + ", not the UI thread");
        }
    }
}
