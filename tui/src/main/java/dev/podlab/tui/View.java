package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;

/** One screen of the workbench: draws its body from view models and handles the keys it owns. */
interface View {
    /** The name in the title bar ("containers", "logs tui-web"...). */
    String title();

    /** The short key reminder under the body. */
    String hints();

    void draw(Canvas body);

    /** Whether the key was this view's; unhandled keys fall through to the global ones. */
    boolean onKey(KeyStroke key);

    /**
     * A mouse click at {@code row} (0 = the body's first row) and {@code column}; {@code twice} for a
     * double click. Whether the click was this view's.
     */
    default boolean onClick(int row, int column, boolean twice) {
        return false;
    }

    /** Shown (pushed, or uncovered): a view opens its streams here. */
    default void shown() {}

    /** Closed for good (popped): a view cancels its streams here. */
    default void closed() {}
}
