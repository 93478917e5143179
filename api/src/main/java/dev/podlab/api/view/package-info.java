/**
 * UI-free view models shared by the TUI and the GUI: plain Java state with listeners, changed only on the UI
 * thread of one {@link dev.podlab.api.view.Dispatcher}, and fed from the engine's API by {@link
 * dev.podlab.api.view.EngineFeeds} (engine calls on worker threads, streams pushed, results dispatched).
 */
package dev.podlab.api.view;
