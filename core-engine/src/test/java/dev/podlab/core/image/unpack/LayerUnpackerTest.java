package dev.podlab.core.image.unpack;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerUnpackerTest {
    private static final Digest LAYER = Digest.sha256("layer".getBytes());

    @TempDir
    Path tmp;

    static LayerTar sample() {
        return new LayerTar()
                .dir("bin/").mtime(1_600_000_000L)
                .file("bin/tool", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), 04755).mtime(1_500_000_000L)
                .file("bin/sgid", new byte[] {1, 2, 3}, 02711)
                .dir("tmp/", 01777)
                .symlink("bin/sh", "/bin/busybox")
                .hardlink("bin/tool2", "bin/tool")
                .fifo("run-fifo")
                .dir("etc/", 0750).mtime(1_400_000_000L)
                .file("etc/os-release", "NAME=podlab\n");
    }

    private static byte[] blob(LayerTar tar, Compression c) {
        return switch (c) {
            case NONE -> tar.tar();
            case GZIP -> tar.gzip();
            case ZSTD -> tar.zstd();
        };
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void unpacksEveryCompression(Compression c) throws IOException {
        LayerTar tar = sample();
        byte[] blob = blob(tar, c);
        Path target = Files.createDirectory(tmp.resolve("t"));
        UnpackResult r = LayerUnpacker.unpack(new ByteArrayInputStream(blob), c, target, UnpackOptions.defaults(LAYER));

        assertThat(r.diffId()).isEqualTo(tar.diffId());
        assertThat(r.entries()).isEqualTo(9);
        assertThat(r.compressedBytes()).isEqualTo(blob.length);
        assertThat(r.bytesWritten()).isEqualTo(18 + 3 + 12);
        assertThat(r.overlayReady()).isTrue();
        assertThat(Trees.line(target.resolve("bin/tool"), false)).startsWith("file 4755 size=18");
        assertThat(Trees.line(target.resolve("bin/sgid"), false)).startsWith("file 2711");
        assertThat(Trees.line(target.resolve("tmp"), false)).isEqualTo("dir 1777");
        assertThat(Trees.line(target.resolve("etc"), false)).isEqualTo("dir 0750");
        assertThat(Trees.line(target.resolve("run-fifo"), false)).isEqualTo("fifo 0644");
        assertThat(Files.readSymbolicLink(target.resolve("bin/sh"))).isEqualTo(Path.of("/bin/busybox"));
        assertThat(Files.getAttribute(target.resolve("bin/tool2"), "unix:ino"))
                .isEqualTo(Files.getAttribute(target.resolve("bin/tool"), "unix:ino"));
        assertThat(Files.getLastModifiedTime(target.resolve("bin/tool"))).isEqualTo(FileTime.fromMillis(1_500_000_000_000L));
        // directory times are set after their contents were written
        assertThat(Files.getLastModifiedTime(target.resolve("bin"))).isEqualTo(FileTime.fromMillis(1_600_000_000_000L));
        assertThat(Files.getLastModifiedTime(target.resolve("etc"))).isEqualTo(FileTime.fromMillis(1_400_000_000_000L));
        assertThat(Files.getLastModifiedTime(target.resolve("bin/sh"), LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(FileTime.fromMillis(1_700_000_000_000L));
    }

    @Test
    void diffIdCoversPaddingAfterTheEndMarker() throws IOException {
        byte[] tar = sample().tar();
        byte[] padded = Arrays.copyOf(tar, tar.length + 8192); // docker pads to 10 KiB records
        Path target = Files.createDirectory(tmp.resolve("t"));
        UnpackResult r = LayerUnpacker.unpack(new ByteArrayInputStream(padded), Compression.NONE, target,
                UnpackOptions.defaults(LAYER));
        assertThat(r.diffId()).isEqualTo(Digest.sha256(padded));
    }

    @Test
    void targetMustBeEmpty() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        Files.writeString(target.resolve("x"), "");
        assertThatThrownBy(() -> LayerUnpacker.unpack(sample().stream(), Compression.NONE, target,
                UnpackOptions.defaults(LAYER))).isInstanceOf(ImageException.class).hasMessageContaining("not empty");
    }

    @Test
    void corruptGzipFailsCleanly() throws IOException {
        byte[] gz = sample().gzip();
        gz[gz.length / 2] ^= 0x55;
        gz[gz.length / 2 + 1] ^= 0x55;
        Path target = Files.createDirectory(tmp.resolve("t"));
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(gz), Compression.GZIP, target,
                UnpackOptions.defaults(LAYER)))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to unpack layer " + LAYER);
    }

    @Test
    void notGzipAtAllFailsCleanly() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        assertThatThrownBy(() -> LayerUnpacker.unpack(sample().stream(), Compression.GZIP, target,
                UnpackOptions.defaults(LAYER)))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to unpack layer " + LAYER)
                .hasMessageContaining("GZIP");
    }

    @Test
    void corruptZstdFailsCleanly() throws IOException {
        byte[] z = sample().zstd();
        for (int i = 12; i < z.length - 4; i += 7) {
            z[i] ^= 0x5a;
        }
        Path target = Files.createDirectory(tmp.resolve("t"));
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(z), Compression.ZSTD, target,
                UnpackOptions.defaults(LAYER)))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to unpack layer " + LAYER);
    }

    @Test
    void truncatedZstdFailsCleanly() throws IOException {
        byte[] z = sample().zstd();
        byte[] cut = Arrays.copyOf(z, z.length / 2);
        Path target = Files.createDirectory(tmp.resolve("t"));
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(cut), Compression.ZSTD, target,
                UnpackOptions.defaults(LAYER)))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to unpack layer " + LAYER);
    }

    @Test
    void truncatedTarFailsCleanlyNamingTheEntry() throws IOException {
        LayerTar tar = new LayerTar().file("a", "x".repeat(2000)).file("b", "y".repeat(3000));
        int cut = 512 + 2048 + 512 + 1000; // inside b's data
        Path target = Files.createDirectory(tmp.resolve("t"));
        assertThatThrownBy(() -> LayerUnpacker.unpack(tar.truncateTo(cut).stream(), Compression.NONE, target,
                UnpackOptions.defaults(LAYER)))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to unpack layer " + LAYER)
                .hasMessageContaining("\"b\"");
    }

    @Test
    void truncatedGzipTarFailsCleanly() throws IOException {
        byte[] gz = new LayerTar().file("a", "x".repeat(100_000)).gzip();
        byte[] cut = Arrays.copyOf(gz, gz.length - 20);
        Path target = Files.createDirectory(tmp.resolve("t"));
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(cut), Compression.GZIP, target,
                UnpackOptions.defaults(LAYER)))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("failed to unpack layer " + LAYER);
    }

    @Test
    void userXattrsFromSchilyAndLibarchiveRecords() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        UnpackResult r = LayerUnpacker.unpack(new LayerTar()
                .file("f", "x").xattr("user.color", "blue")
                .pax("LIBARCHIVE.xattr.user.bin", java.util.Base64.getEncoder().withoutPadding()
                        .encodeToString(new byte[] {0, (byte) 0xff, 7}))
                .dir("d/").xattr("user.kind", "dir")
                .stream(), Compression.NONE, target, UnpackOptions.defaults(LAYER));
        assertThat(r.notes()).isEmpty();
        var view = Files.getFileAttributeView(target.resolve("f"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        assertThat(read(view, "color")).isEqualTo("blue".getBytes());
        assertThat(read(view, "bin")).isEqualTo(new byte[] {0, (byte) 0xff, 7});
        var dview = Files.getFileAttributeView(target.resolve("d"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        assertThat(read(dview, "kind")).isEqualTo("dir".getBytes());
    }

    private static byte[] read(java.nio.file.attribute.UserDefinedFileAttributeView v, String name) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.size(name));
        v.read(name, b);
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void applyDeletesWhiteoutsAndClearsOpaqueDirectories() throws IOException {
        Path rootfs = Files.createDirectory(tmp.resolve("rootfs"));
        UnpackOptions o = UnpackOptions.defaults(LAYER);
        LayerUnpacker.applyTo(new LayerTar()
                .dir("etc/").file("etc/a", "a").file("etc/b", "b")
                .dir("opt/").dir("opt/sub/").file("opt/sub/old", "old").file("opt/old", "old")
                .dir("var/").file("var/gone", "x").dir("var/dir/").file("var/dir/x", "x")
                .file("replaced", "was a file")
                .stream(), Compression.NONE, rootfs, o);
        LayerUnpacker.applyTo(new LayerTar()
                .whiteout("etc/a")
                .dir("opt/").dir("opt/sub/").file("opt/sub/new", "new").opaque("opt") // opaque after siblings
                .whiteout("var/gone").whiteout("var/dir")
                .dir("replaced/").file("replaced/inside", "now a dir")
                .file("etc/.wh.c", "") .file("etc/c", "same layer wins")
                .stream(), Compression.NONE, rootfs, o);
        assertThat(Trees.describe(rootfs, null, false).keySet()).containsExactly(
                ".", "etc", "etc/b", "etc/c", "opt", "opt/sub", "opt/sub/new", "replaced", "replaced/inside", "var");
        assertThat(rootfs.resolve("etc/c")).hasContent("same layer wins");
    }

    @Test
    void applyReplacesADirectoryByAFile() throws IOException {
        Path rootfs = Files.createDirectory(tmp.resolve("rootfs"));
        UnpackOptions o = UnpackOptions.defaults(LAYER);
        LayerUnpacker.applyTo(new LayerTar().dir("d/").dir("d/e/").file("d/e/f", "x").stream(), Compression.NONE, rootfs, o);
        LayerUnpacker.applyTo(new LayerTar().file("d", "file now").stream(), Compression.NONE, rootfs, o);
        assertThat(rootfs.resolve("d")).isRegularFile().hasContent("file now");
    }

    @Test
    void rootEntryCarriesTheLayerRootsMode() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        LayerUnpacker.unpack(new LayerTar().dir("./", 0711).file("x", "1").stream(), Compression.NONE, target,
                UnpackOptions.defaults(LAYER));
        assertThat(Trees.line(target, false)).isEqualTo("dir 0711");
    }

    @Test
    void longNamesAndLinkTargetsViaPax() throws IOException {
        String deep = "a".repeat(80) + "/" + "b".repeat(80) + "/" + "c".repeat(60);
        String link = "/" + "x".repeat(150);
        Path target = Files.createDirectory(tmp.resolve("t"));
        LayerUnpacker.unpack(new LayerTar().file(deep, "deep").symlink("l", link).stream(), Compression.NONE, target,
                UnpackOptions.defaults(LAYER));
        assertThat(target.resolve(deep)).hasContent("deep");
        assertThat(Files.readSymbolicLink(target.resolve("l")).toString()).isEqualTo(link);
    }
}
