/**
 * The JavaFX desktop workbench ({@code podlab gui}): a client of the engine API over the UI-free view models of
 * {@code dev.podlab.api.view}, shared with the terminal workbench. {@link dev.podlab.gui.PodlabGui} starts it
 * (or renders one view to a PNG); {@link dev.podlab.gui.Workbench} is the main window.
 */
package dev.podlab.gui;
