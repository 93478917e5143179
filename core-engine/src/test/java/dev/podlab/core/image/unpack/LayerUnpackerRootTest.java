package dev.podlab.core.image.unpack;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What needs root: overlay whiteouts (mknod, trusted.* xattrs), ownership, device nodes. */
@Tag("root")
class LayerUnpackerRootTest {
    private static final Digest LAYER = Digest.sha256("root-layer".getBytes());

    @TempDir
    Path tmp;
    Path target;

    @BeforeEach
    void setUp() throws IOException {
        HostRequirements.requireRoot();
        target = Files.createDirectory(tmp.resolve("t"));
    }

    @Test
    void whiteoutsBecomeOverlayWhiteoutsAndOpaqueAnXattr() throws IOException {
        UnpackResult r = LayerUnpacker.unpack(new LayerTar()
                .dir("etc/").whiteout("etc/passwd")
                .dir("opt/").opaque("opt").file("opt/new", "n")
                .whiteout("deep/er/gone") // parents missing from the tar
                .stream(), Compression.NONE, target, UnpackOptions.defaults(LAYER));
        assertThat(r.overlayReady()).isTrue();
        assertThat(Trees.line(target.resolve("etc/passwd"), false)).isEqualTo("chr 0000 rdev=0");
        assertThat(Trees.line(target.resolve("deep/er/gone"), false)).startsWith("chr");
        assertThat(target.resolve(".wh.passwd")).doesNotExist();
        assertThat(target.resolve("opt/.wh..wh..opq")).doesNotExist();
        assertThat(Xattrs.get(target.resolve("opt"), "trusted.overlay.opaque")).isEqualTo("y");
        assertThat(target.resolve("opt/new")).hasContent("n");
    }

    @Test
    void directoryReplacingASameLayerWhiteoutIsOpaque() throws IOException {
        LayerUnpacker.unpack(new LayerTar().whiteout("d").dir("d/").file("d/x", "x").stream(), Compression.NONE, target,
                UnpackOptions.defaults(LAYER));
        assertThat(Files.isDirectory(target.resolve("d"))).isTrue();
        assertThat(Xattrs.get(target.resolve("d"), "trusted.overlay.opaque")).isEqualTo("y");
    }

    @Test
    void ownershipIsKeptIncludingSymlinks() throws IOException {
        LayerUnpacker.unpack(new LayerTar()
                .dir("home/").owner(1000, 1000)
                .file("home/f", "x").owner(1234, 5678).mode(04755)
                .symlink("home/l", "f").owner(4321, 8765)
                .fifo("home/p").owner(7, 8)
                .stream(), Compression.NONE, target, UnpackOptions.defaults(LAYER));
        assertThat(Trees.line(target.resolve("home"), true)).endsWith("1000:1000");
        assertThat(Trees.line(target.resolve("home/f"), true)).startsWith("file 4755").endsWith("1234:5678");
        assertThat(Trees.line(target.resolve("home/l"), true)).endsWith("4321:8765");
        assertThat(Trees.line(target.resolve("home/p"), true)).endsWith("7:8");
    }

    @Test
    void trustedXattrsAndXattrsOnSymlinks() throws IOException {
        UnpackResult r = LayerUnpacker.unpack(new LayerTar()
                .file("f", "x").xattr("trusted.podlab", "t")
                .symlink("l", "f").xattr("trusted.podlab", "s")
                .stream(), Compression.NONE, target, UnpackOptions.defaults(LAYER));
        assertThat(r.notes()).isEmpty();
        assertThat(Xattrs.get(target.resolve("f"), "trusted.podlab")).isEqualTo("t");
        assertThat(Xattrs.lget(target.resolve("l"), "trusted.podlab")).isEqualTo("s");
    }

    @Test
    void devicesAreCreatedWhenAllowed() throws IOException {
        UnpackResult r = LayerUnpacker.unpack(new LayerTar().dir("dev/").charDevice("dev/null", 1, 3).mode(0666)
                .blockDevice("dev/loop9", 7, 9).stream(), Compression.NONE, target,
                UnpackOptions.defaults(LAYER).withDevices(UnpackOptions.DevicePolicy.CREATE));
        assertThat(r.skippedDevices()).isEmpty();
        assertThat(Trees.line(target.resolve("dev/null"), false)).isEqualTo("chr 0666 rdev=259");
        assertThat(Trees.line(target.resolve("dev/loop9"), false)).isEqualTo("blk 0660 rdev=1801");
        assertThat(Files.isSymbolicLink(target.resolve("dev/null"))).isFalse();
        assertThat(Files.exists(target.resolve("dev"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
