package dev.podlab.gui;

import javafx.application.Platform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxToolkit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The FX dispatcher: tasks run later on the FX application thread, which alone counts as the UI thread. */
class GuiDispatcherTest {
    @BeforeAll
    static void toolkit() throws Exception {
        FxToolkit.registerPrimaryStage();
    }

    @Test
    void dispatchedTasksRunOnTheFxThreadAndNotInline() throws Exception {
        FxDispatcher d = FxDispatcher.INSTANCE;
        assertThat(d.isUiThread()).isFalse();
        CompletableFuture<String> ran = new CompletableFuture<>();
        d.dispatch(() -> ran.complete(Thread.currentThread().getName() + " ui=" + d.isUiThread()));
        assertThat(ran.get(10, TimeUnit.SECONDS)).isEqualTo("JavaFX Application Thread ui=true");

        // From the FX thread itself a task still waits its turn: dispatch is never inline.
        CompletableFuture<String> order = new CompletableFuture<>();
        Platform.runLater(() -> {
            StringBuilder sb = new StringBuilder();
            d.dispatch(() -> order.complete(sb.append("task").toString()));
            sb.append("caller,");
        });
        assertThat(order.get(10, TimeUnit.SECONDS)).isEqualTo("caller,task");
    }

    @Test
    void viewNamesParseCaseInsensitivelyAndUnknownOnesFail() {
        assertThat(Workbench.View.parse("Images")).isEqualTo(Workbench.View.IMAGES);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Workbench.View.parse("hosts"))
                .isInstanceOf(GuiException.class).hasMessageContaining("failed to show view hosts");
    }
}
