package dev.podlab.api.view;

import dev.podlab.api.v1.FileChangeEntry;
import dev.podlab.api.v1.ImageLayersResponse;
import dev.podlab.api.v1.Layer;
import dev.podlab.api.view.ImageLayersModel.Mark;
import dev.podlab.api.view.ImageLayersModel.TreeLine;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ImageLayersModelTest {
    private static FileChangeEntry f(String path, String kind, long size, boolean dir) {
        return FileChangeEntry.newBuilder().setPath(path).setKind(kind).setSize(size).setDirectory(dir).build();
    }

    @Test
    void treePerLayerWithMarksAndSummary() {
        var response = ImageLayersResponse.newBuilder().setTotalSize(3000).setWastedBytes(1000).setEfficiency(0.75)
                .addLayers(Layer.newBuilder().setIndex(0).setCreatedBy("ADD rootfs")
                        .addChanges(f("/bin", "added", 0, true)).addChanges(f("/bin/sh", "added", 1000, false))
                        .addChanges(f("/etc/passwd", "added", 100, false)))
                .addLayers(Layer.newBuilder().setIndex(1).setCreatedBy("RUN edit")
                        .addChanges(f("/etc/passwd", "modified", 120, false))
                        .addChanges(f("/bin/sh", "removed", 0, false))
                        .addChanges(f("/usr/local/bin/app", "added", 900, false)))
                .build();
        var m = new ImageLayersModel(Dispatcher.direct());
        assertThat(m.loaded()).isFalse();
        m.load(response);
        assertThat(m.efficiency()).isEqualTo(0.75);
        assertThat(m.wastedBytes()).isEqualTo(1000);
        assertThat(m.selectedLayer()).isZero();
        assertThat(m.tree()).extracting(TreeLine::path).containsExactly("/bin", "/bin/sh", "/etc", "/etc/passwd");
        // /etc itself did not change: it is shown only to lead to passwd.
        assertThat(m.tree().get(2).mark()).isEqualTo(Mark.UNCHANGED);
        assertThat(m.tree().get(2).directory()).isTrue();
        assertThat(m.tree().get(1).depth()).isEqualTo(1);

        m.selectLayer(5);
        assertThat(m.selectedLayer()).isEqualTo(1);
        assertThat(m.tree()).extracting(t -> t.mark().symbol + t.path()).containsExactly(
                " /bin", "-/bin/sh", " /etc", "~/etc/passwd", " /usr", " /usr/local", " /usr/local/bin", "+/usr/local/bin/app");
        assertThat(m.tree().get(7).size()).isEqualTo(900);
        assertThat(m.tree().get(7).depth()).isEqualTo(3);
    }
}
