package dev.podlab.gui;

import dev.podlab.core.PodlabException;

/** A failure of the desktop workbench itself (toolkit start, screenshot), not of the engine. */
public class GuiException extends PodlabException {
    public GuiException(String action, String object, Throwable cause) {
        super(failed(action, object, cause), cause);
    }

    public GuiException(String message) {
        super(message);
    }
}
