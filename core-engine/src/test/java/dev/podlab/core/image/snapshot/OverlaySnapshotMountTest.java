package dev.podlab.core.image.snapshot;

import com.sun.jna.LastErrorException;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.unpack.LayerTar;
import dev.podlab.core.sys.LibC;
import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Prepared snapshots really work as overlay lower layers. */
@Tag("root")
class OverlaySnapshotMountTest {
    @TempDir
    Path tmp;

    private static SnapshotStore.LayerSource source(LayerTar tar) {
        byte[] blob = tar.zstd();
        return new SnapshotStore.LayerSource(Digest.sha256(blob), MediaTypes.OCI_LAYER_ZSTD, tar.diffId(),
                () -> new ByteArrayInputStream(blob));
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesHideLowerFilesInTheMountedRootfs() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.require(Files.readString(Path.of("/proc/filesystems")).contains("overlay"), "needs overlayfs");
        SnapshotStore store = SnapshotStores.open(tmp.resolve("snapshots"));
        SnapshotStore.Prepared p = store.prepare(List.of(
                source(SnapshotStoreContract.base()),
                source(SnapshotStoreContract.middle()),
                source(new LayerTar().dir("bin/").whiteout("bin/sh").whiteout("etc").dir("etc/").file("etc/new", "new"))));
        assertThat(p.overlayReady()).isTrue();

        Path merged = Files.createDirectory(tmp.resolve("merged"));
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        OverlayMounts.Plan plan = OverlayMounts.plan(p.dirs(), upper, work);
        assertThat(plan.fits()).isTrue();
        LibC.INSTANCE.mount("overlay", merged.toString(), "overlay", LibC.MS_NODEV, plan.data());
        try {
            assertThat(merged.resolve("etc/shadow")).doesNotExist();     // whiteout in layer 2
            assertThat(merged.resolve("etc/passwd")).doesNotExist();     // etc whited out and recreated in layer 3
            assertThat(merged.resolve("etc/new")).hasContent("new");
            assertThat(merged.resolve("opt/a")).doesNotExist();          // opaque in layer 2
            assertThat(merged.resolve("opt/b")).hasContent("b");
            assertThat(merged.resolve("bin/sh")).doesNotExist();
            try (var s = Files.list(merged.resolve("bin"))) {
                assertThat(s).isEmpty();
            }
            Files.writeString(merged.resolve("opt/written"), "w");
            assertThat(upper.resolve("opt/written")).hasContent("w");
            assertThat(p.dirs().get(1).resolve("opt/written")).doesNotExist();
        } finally {
            try {
                LibC.INSTANCE.umount2(merged.toString(), 0);
            } catch (LastErrorException e) {
                LibC.INSTANCE.umount2(merged.toString(), LibC.MNT_DETACH);
            }
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(merged.toString());
    }
}
