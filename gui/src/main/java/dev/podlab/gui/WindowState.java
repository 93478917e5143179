package dev.podlab.gui;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What the window remembers between runs: size, position, the view shown and the theme. Stored as JSON in
 * {@code ~/.config/podlab/gui.json} ({@link #defaultFile()}); the path is a parameter so tests use a temp dir.
 * A missing or unreadable file gives the defaults: a broken preferences file must never stop the GUI.
 *
 * @param x the window's left edge; NaN when never placed (the desktop decides)
 * @param y the window's top edge; NaN when never placed
 */
public record WindowState(double x, double y, double width, double height, boolean maximized, String view, boolean dark) {
    public static final WindowState DEFAULTS = new WindowState(Double.NaN, Double.NaN, PodlabGui.WIDTH, PodlabGui.HEIGHT,
            false, "pods", false);

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The file's wire shape (kept apart from the record so the file format can evolve on its own). */
    private record Wire(Double x, Double y, Double width, Double height, Boolean maximized, String view, Boolean dark) {}

    public WindowState {
        // Sizes too small to find the window again (a corrupt file, a vanished monitor) fall back to the default.
        width = width >= 400 ? width : PodlabGui.WIDTH;
        height = height >= 300 ? height : PodlabGui.HEIGHT;
        view = view == null || view.isBlank() ? "pods" : view;
    }

    /** {@code $XDG_CONFIG_HOME/podlab/gui.json}, else {@code ~/.config/podlab/gui.json}. */
    public static Path defaultFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("podlab").resolve("gui.json");
    }

    /** The state in {@code file}, or {@link #DEFAULTS} when there is none or it cannot be read. */
    public static WindowState load(Path file) {
        if (!Files.isRegularFile(file)) {
            return DEFAULTS;
        }
        try {
            Wire w = JSON.readValue(file.toFile(), Wire.class);
            return new WindowState(or(w.x(), Double.NaN), or(w.y(), Double.NaN), or(w.width(), DEFAULTS.width()),
                    or(w.height(), DEFAULTS.height()), w.maximized() != null && w.maximized(), w.view(),
                    w.dark() != null && w.dark());
        } catch (IOException | RuntimeException e) {
            return DEFAULTS;
        }
    }

    /** Writes the state atomically (temp file, rename), creating the directory. */
    public void save(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".gui", ".json");
            try {
                JSON.writeValue(tmp.toFile(), new Wire(Double.isNaN(x) ? null : x, Double.isNaN(y) ? null : y, width,
                        height, maximized, view, dark));
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new GuiException("save", "the window state to " + file, e);
        }
    }

    private static double or(Double v, double fallback) {
        return v == null || v.isNaN() || v.isInfinite() ? fallback : v;
    }
}
