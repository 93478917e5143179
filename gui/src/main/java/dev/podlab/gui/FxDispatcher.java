package dev.podlab.gui;

import dev.podlab.api.view.Dispatcher;
import javafx.application.Platform;

/** The view models' {@link Dispatcher} on the JavaFX application thread. */
public final class FxDispatcher implements Dispatcher {
    public static final FxDispatcher INSTANCE = new FxDispatcher();

    private FxDispatcher() {}

    @Override
    public void dispatch(Runnable task) {
        Platform.runLater(task);
    }

    @Override
    public boolean isUiThread() {
        return Platform.isFxApplicationThread();
    }
}
