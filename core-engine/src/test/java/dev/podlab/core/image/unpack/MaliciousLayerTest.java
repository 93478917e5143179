package dev.podlab.core.image.unpack;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Layers that try to write outside their target. Each test unpacks into {@code sentinel/target}
 * next to {@code sentinel/outside} and checks, after the attempt, that the sentinel tree outside
 * the target is exactly as before, and that a refusal names the layer and the entry.
 */
class MaliciousLayerTest {
    private static final Digest LAYER = Digest.sha256("malicious".getBytes());

    @TempDir
    Path sentinel;
    Path target;
    Path outside;
    Map<String, String> before;

    @BeforeEach
    void setUp() throws IOException {
        target = Files.createDirectory(sentinel.resolve("target"));
        outside = Files.createDirectory(sentinel.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "original");
        Files.createDirectories(outside.resolve("sub"));
        Files.writeString(outside.resolve("sub/keep"), "keep");
        Files.writeString(sentinel.resolve("victim"), "top");
        before = Trees.describe(sentinel, target, true);
    }

    @AfterEach
    void nothingEscaped() {
        assertThat(Trees.describe(sentinel, target, true)).isEqualTo(before);
        assertThat(Path.of("/pwned-podlab")).doesNotExist();
        assertThat(Path.of("/etc/pwned-podlab")).doesNotExist();
    }

    private UnpackResult unpack(LayerTar tar) {
        return LayerUnpacker.unpack(tar.stream(), Compression.NONE, target, UnpackOptions.defaults(LAYER));
    }

    private UnpackResult apply(LayerTar tar) {
        return LayerUnpacker.applyTo(tar.stream(), Compression.NONE, target, UnpackOptions.defaults(LAYER));
    }

    private void rejected(Runnable attempt, String entry, String why) {
        assertThatThrownBy(attempt::run)
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to unpack layer " + LAYER)
                .hasMessageContaining("entry \"" + entry + "\"")
                .hasMessageContaining(why);
    }

    @Test
    void dotDotAtTheStartIsRefused() {
        rejected(() -> unpack(new LayerTar().file("../pwned", "x")), "../pwned", "climbs above the layer root");
    }

    @Test
    void dotDotInTheMiddleIsRefused() {
        rejected(() -> unpack(new LayerTar().dir("a/").file("a/../../outside/victim", "evil")),
                "a/../../outside/victim", "climbs above");
    }

    @Test
    void absolutePathsAreStrippedLikeTarDoes() throws IOException {
        unpack(new LayerTar().file("/pwned-podlab", "x").file("/etc/pwned-podlab", "y"));
        assertThat(target.resolve("pwned-podlab")).hasContent("x");
        assertThat(target.resolve("etc/pwned-podlab")).hasContent("y");
    }

    @Test
    void absoluteDotDotIsRefused() {
        rejected(() -> unpack(new LayerTar().file("/../victim", "evil")), "/../victim", "climbs above");
    }

    @Test
    void writeThroughAbsoluteSymlinkIsRefused() {
        rejected(() -> unpack(new LayerTar().symlink("link", outside.toString()).file("link/pwned", "evil")),
                "link/pwned", "goes through the symlink \"link\"");
    }

    @Test
    void writeThroughRelativeSymlinkIsRefused() {
        rejected(() -> unpack(new LayerTar().symlink("link", "../../..").file("link/pwned", "evil")),
                "link/pwned", "symlink \"link\"");
    }

    @Test
    void writeThroughSymlinkChainIsRefused() {
        rejected(() -> unpack(new LayerTar().dir("d/").symlink("d/a", "../b").symlink("b", outside.toString())
                .file("d/a/pwned", "evil")), "d/a/pwned", "symlink \"d/a\"");
    }

    @Test
    void directoryThroughSymlinkIsRefused() {
        rejected(() -> unpack(new LayerTar().symlink("link", "../outside").dir("link/newdir/")),
                "link/newdir/", "symlink \"link\"");
    }

    @Test
    void fileOverSymlinkReplacesTheLinkNotItsTarget() throws IOException {
        unpack(new LayerTar().symlink("victim", outside.resolve("victim").toString()).file("victim", "inside"));
        assertThat(Files.isSymbolicLink(target.resolve("victim"))).isFalse();
        assertThat(target.resolve("victim")).hasContent("inside");
    }

    @Test
    void hardlinkClimbingOutIsRefused() {
        rejected(() -> unpack(new LayerTar().hardlink("h", "../outside/victim")), "h", "climbs above");
    }

    @Test
    void hardlinkThroughSymlinkIsRefused() {
        rejected(() -> unpack(new LayerTar().symlink("link", outside.toString()).hardlink("h", "link/victim")),
                "h", "symlink \"link\"");
    }

    @Test
    void hardlinkToAbsoluteHostFileStaysInsideAndIsRefused() {
        rejected(() -> unpack(new LayerTar().hardlink("passwd", "/etc/passwd")), "passwd", "is not in the layer");
    }

    @Test
    void hardlinkToASymlinkLinksTheSymlinkItself() throws IOException {
        unpack(new LayerTar().symlink("s", outside.resolve("victim").toString()).hardlink("h", "s").file("h", "x"));
        // writing "h" replaced the hard link; the symlink and its target are untouched
        assertThat(Files.readSymbolicLink(target.resolve("s"))).isEqualTo(outside.resolve("victim"));
        assertThat(target.resolve("h")).hasContent("x");
    }

    @Test
    void directoryReplacedBySymlinkThenWrittenThroughIsRefused() {
        rejected(() -> unpack(new LayerTar().dir("d/").file("d/a", "1").symlink("d", outside.toString())
                .file("d/pwned", "evil")), "d/pwned", "symlink \"d\"");
    }

    @Test
    void symlinkReplacedByDirectoryIsARealDirectory() throws IOException {
        unpack(new LayerTar().symlink("d", outside.toString()).dir("d/").file("d/victim", "inside"));
        assertThat(Files.isSymbolicLink(target.resolve("d"))).isFalse();
        assertThat(target.resolve("d/victim")).hasContent("inside");
    }

    @Test
    void lowerLayerSymlinkIsNotFollowedWhenApplying() throws IOException {
        Files.createSymbolicLink(target.resolve("etc"), outside);
        rejected(() -> apply(new LayerTar().file("etc/victim", "evil")), "etc/victim", "symlink \"etc\"");
    }

    @Test
    void whiteoutClimbingOutIsRefused() {
        rejected(() -> apply(new LayerTar().file("../.wh.victim", "")), "../.wh.victim", "climbs above");
    }

    @Test
    void whiteoutThroughSymlinkIsRefused() {
        rejected(() -> apply(new LayerTar().symlink("link", outside.toString()).whiteout("link/victim")),
                "link/.wh.victim", "symlink \"link\"");
    }

    @Test
    void whiteoutThroughLowerSymlinkIsRefusedInOverlayFormToo() throws IOException {
        rejected(() -> unpack(new LayerTar().symlink("link", "../outside").whiteout("link/sub")),
                "link/.wh.sub", "symlink \"link\"");
    }

    @Test
    void whiteoutOfDotDotIsRefused() {
        rejected(() -> apply(new LayerTar().dir("a/").file("a/.wh...", "")), "a/.wh...", "whiteout of '..'");
    }

    @Test
    void whiteoutOfDotIsRefused() {
        rejected(() -> apply(new LayerTar().file(".wh..", "")), ".wh..", "whiteout of '.'");
    }

    @Test
    void opaqueMarkerThroughSymlinkIsRefused() {
        rejected(() -> apply(new LayerTar().symlink("link", outside.toString()).opaque("link")),
                "link/.wh..wh..opq", "symlink \"link\"");
    }

    @Test
    void whiteoutOfASymlinkDeletesTheLinkNotItsTarget() throws IOException {
        Files.createSymbolicLink(target.resolve("victim"), outside.resolve("victim"));
        Files.createSymbolicLink(target.resolve("dirlink"), outside);
        apply(new LayerTar().whiteout("victim").whiteout("dirlink"));
        assertThat(target.resolve("victim")).doesNotExist();
        assertThat(Files.exists(target.resolve("dirlink"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void deviceNodesAreRefusedWhenAskedTo() {
        assertThatThrownBy(() -> LayerUnpacker.unpack(new LayerTar().charDevice("mem", 1, 1).stream(), Compression.NONE,
                target, UnpackOptions.defaults(LAYER).withDevices(UnpackOptions.DevicePolicy.REJECT)))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("entry \"mem\"")
                .hasMessageContaining("device nodes are not allowed");
    }

    @Test
    void deviceNodesAreSkippedByDefault() {
        UnpackResult r = unpack(new LayerTar().charDevice("mem", 1, 1).blockDevice("sda", 8, 0).file("ok", "1"));
        assertThat(r.skippedDevices()).containsExactly("mem", "sda");
        assertThat(r.notes()).anyMatch(n -> n.contains("device nodes skipped"));
        assertThat(target.resolve("mem")).doesNotExist();
        assertThat(target.resolve("ok")).exists();
    }

    @Test
    void nulInNameIsRefused() {
        assertThatThrownBy(() -> unpack(new LayerTar().file("a\0/../../pwned", "x").paxName()))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to unpack layer " + LAYER)
                .hasMessageContaining("NUL");
    }

    @Test
    void emptyNameIsRefused() {
        assertThatThrownBy(() -> unpack(new LayerTar().file("", "x")))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to unpack layer " + LAYER)
                .hasMessageContaining("empty name");
    }

    @Test
    void declaredSizeLargerThanTheDataIsRefused() {
        assertThatThrownBy(() -> unpack(new LayerTar().file("big", "tiny").declaredSize(1L << 40)))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to unpack layer " + LAYER)
                .hasMessageContaining("\"big\"");
    }

    @Test
    void overlayXattrsFromTheTarAreIgnored() {
        UnpackResult r = unpack(new LayerTar().dir("d/").xattr("trusted.overlay.redirect", "/etc"));
        assertThat(r.notes()).anyMatch(n -> n.contains("overlay extended attributes from the tar ignored"));
    }

    @Test
    void symlinkAsLayerRootIsRefused() {
        rejected(() -> unpack(new LayerTar().symlink("./", outside.toString())), "./", "names the layer root");
    }

    @Test
    void targetThatIsASymlinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(sentinel.resolve("target/link-to-outside"), outside);
        before = Trees.describe(sentinel, target, true);
        assertThatThrownBy(() -> LayerUnpacker.applyTo(new LayerTar().file("pwned", "x").stream(), Compression.NONE,
                link, UnpackOptions.defaults(LAYER))).isInstanceOf(ImageException.class).hasMessageContaining("symlink");
    }
}
