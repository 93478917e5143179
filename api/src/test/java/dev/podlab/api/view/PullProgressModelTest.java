package dev.podlab.api.view;

import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.PullProgress;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PullProgressModelTest {
    private final PullProgressModel model = new PullProgressModel(Dispatcher.direct());

    private static PullProgress p(String layer, long done, long total, String phase) {
        return PullProgress.newBuilder().setLayer(layer).setDoneBytes(done).setTotalBytes(total).setPhase(phase).build();
    }

    @Test
    void bytesOfEveryLayerMakeTheBarAndTheImageEndsIt() {
        model.start("localhost:5000/demo:1");
        assertThat(model.active()).isTrue();
        assertThat(model.fraction()).isZero();
        model.apply(PullProgress.newBuilder().setPhase("resolving").setMessage("manifest").build());
        model.apply(p("sha256:a", 0, 300, "downloading"));
        model.apply(p("sha256:b", 100, 100, "exists"));
        model.apply(p("sha256:a", 150, 0, "downloading"));
        assertThat(model.totalBytes()).isEqualTo(400);
        assertThat(model.doneBytes()).isEqualTo(250);
        assertThat(model.finishedLayers()).isEqualTo(1);
        assertThat(model.bar(8)).isEqualTo("█████░░░");
        // A verified layer counts whole even when the last message carried no byte count.
        model.apply(p("sha256:a", 0, 0, "verified"));
        assertThat(model.doneBytes()).isEqualTo(400);
        assertThat(model.finishedLayers()).isEqualTo(2);
        model.apply(PullProgress.newBuilder().setPhase("stored").setImage(Image.newBuilder().setDigest("sha256:m")).build());
        assertThat(model.active()).isFalse();
        assertThat(model.image().getDigest()).isEqualTo("sha256:m");
        assertThat(model.fraction()).isEqualTo(1.0);
        assertThat(model.bar(4)).isEqualTo("████");
        assertThat(model.error()).isNull();
    }

    @Test
    void aFailureEndsThePullAndANewStartForgetsIt() {
        model.start("nowhere/x");
        model.apply(p("sha256:a", 10, 100, "downloading"));
        model.fail("failed to pull nowhere/x: connection refused");
        assertThat(model.active()).isFalse();
        assertThat(model.error()).contains("connection refused");
        model.start("again/y");
        assertThat(model.error()).isNull();
        assertThat(model.layers()).isEmpty();
        assertThat(model.reference()).isEqualTo("again/y");
        assertThat(model.phase()).isEqualTo("resolving");
    }
}
