/**
 * The Lanterna terminal workbench ({@code podlab tui}, issue 9), a client of the engine API: {@link
 * dev.podlab.tui.PodlabTui} owns the screen thread, which is the {@link dev.podlab.api.view.Dispatcher} of
 * the shared view models in {@code dev.podlab.api.view}; the views only draw those models and handle keys.
 */
package dev.podlab.tui;
