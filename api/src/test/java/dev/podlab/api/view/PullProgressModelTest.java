package dev.podlab.api.view;

import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.PullProgress;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PullProgressModelTest {
    private static PullProgress p(String layer, long done, long total, String phase) {
        return PullProgress.newBuilder().setLayer(layer).setDoneBytes(done).setTotalBytes(total).setPhase(phase).build();
    }

    @Test
    void bytesOfAllLayersMakeOneFractionAndTheImageEndsThePull() {
        var m = new PullProgressModel(Dispatcher.direct());
        m.start("localhost:5000/busybox:1");
        assertThat(m.active()).isTrue();
        assertThat(m.fraction()).as("nothing known yet").isEqualTo(-1);
        m.apply(PullProgress.newBuilder().setPhase("resolving").setMessage("manifest").build());
        m.apply(p("sha256:aaaaaaaaaaaaaaaa", 0, 300, "downloading"));
        m.apply(p("sha256:bbbbbbbbbbbbbbbb", 50, 100, "downloading"));
        assertThat(m.fraction()).isEqualTo(50.0 / 400);
        assertThat(m.line()).isEqualTo("downloading bbbbbbbbbbbb");
        m.apply(p("sha256:aaaaaaaaaaaaaaaa", 300, 300, "verified"));
        assertThat(m.fraction()).isEqualTo(350.0 / 400);
        m.apply(p("sha256:bbbbbbbbbbbbbbbb", 0, 100, "exists"));
        assertThat(m.fraction()).isEqualTo(1.0);
        assertThat(m.layerCount()).isEqualTo(2);
        m.apply(PullProgress.newBuilder().setPhase("stored").setImage(Image.newBuilder().setId("sha256:c").setLayers(2)).build());
        assertThat(m.active()).isFalse();
        assertThat(m.image().getId()).isEqualTo("sha256:c");
        assertThat(m.line()).isEqualTo("pulled localhost:5000/busybox:1 (2 layers)");
    }

    @Test
    void aFailureEndsThePullWithItsMessageAndANewPullForgetsIt() {
        var m = new PullProgressModel(Dispatcher.direct());
        m.start("nope:1");
        m.failed("failed to pull nope:1: no such host");
        assertThat(m.active()).isFalse();
        assertThat(m.error()).contains("no such host");
        assertThat(m.image()).isNull();
        m.start("other:1");
        assertThat(m.error()).isEmpty();
        assertThat(m.layerCount()).isZero();
    }
}
