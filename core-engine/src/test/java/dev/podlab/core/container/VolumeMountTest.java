package dev.podlab.core.container;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VolumeMountTest {
    @Test
    void parsesTheCliForms() {
        assertThat(VolumeMount.parse("/srv/data:/data")).isEqualTo(new VolumeMount(Path.of("/srv/data"), "/data", false));
        assertThat(VolumeMount.parse("/srv/data:/data:ro").readOnly()).isTrue();
        assertThat(VolumeMount.parse("/srv/data:/data:rw").readOnly()).isFalse();
    }

    @Test
    void badFormsNameTheProblem() {
        assertThatThrownBy(() -> VolumeMount.parse("/srv")).hasMessage("failed to parse volume \"/srv\": expected SRC:DST[:ro]");
        assertThatThrownBy(() -> VolumeMount.parse("/a:/b:rx")).hasMessageContaining("unknown mode \"rx\"");
        assertThatThrownBy(() -> VolumeMount.parse("/a:relative")).hasMessageContaining("must be an absolute path");
    }
}
