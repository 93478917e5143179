package dev.podlab.gui;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The remembered window state, without a toolkit. */
class WindowStateTest {
    @Test
    void roundTripsThroughAFileItCreates(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a/b/gui.json");
        WindowState s = new WindowState(12, 34, 1000, 650, true, "editor", true);
        s.save(f);
        assertThat(WindowState.load(f)).isEqualTo(s);
        assertThat(Files.readString(f)).contains("\"view\" : \"editor\"");
        try (var left = Files.list(f.getParent())) {
            assertThat(left.toList()).as("no temp files left").containsExactly(f);
        }
    }

    @Test
    void aMissingOrBrokenFileGivesTheDefaultsAndAnUnplacedWindowStaysUnplaced(@TempDir Path dir) throws Exception {
        assertThat(WindowState.load(dir.resolve("none.json"))).isEqualTo(WindowState.DEFAULTS);
        Path f = dir.resolve("gui.json");
        Files.writeString(f, "{ not json");
        assertThat(WindowState.load(f)).isEqualTo(WindowState.DEFAULTS);
        Files.writeString(f, "{\"width\": 10, \"height\": 5, \"view\": \"images\", \"future\": 1}");
        WindowState s = WindowState.load(f);
        assertThat(s.width()).as("too small to find again").isEqualTo(PodlabGui.WIDTH);
        assertThat(s.height()).isEqualTo(PodlabGui.HEIGHT);
        assertThat(s.view()).isEqualTo("images");
        assertThat(Double.isNaN(s.x())).isTrue();
        WindowState.DEFAULTS.save(f);
        assertThat(WindowState.load(f)).isEqualTo(WindowState.DEFAULTS);
    }
}
