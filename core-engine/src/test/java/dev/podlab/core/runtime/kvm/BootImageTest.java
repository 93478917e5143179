package dev.podlab.core.runtime.kvm;

import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class BootImageTest {
    /** A minimal ELF64 with one PT_NOTE segment holding a Xen note of {@code noteType}. */
    private static byte[] elf(int noteType) {
        ByteBuffer b = ByteBuffer.allocate(64 + 56 + 20 + 4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putLong(0x20, 64).putShort(0x36, (short) 56).putShort(0x38, (short) 1);
        b.putInt(64, 4).putLong(64 + 8, 120).putLong(64 + 32, 20);
        b.putInt(120, 4).putInt(124, 4).putInt(128, noteType);
        b.put(132, (byte) 'X').put(133, (byte) 'e').put(134, (byte) 'n');
        b.putInt(136, 0x1000000);
        for (int i = 140; i < b.capacity(); i++) {
            b.put(i, (byte) i); // something to compress that is not all zeros
        }
        return b.array();
    }

    /** A bzImage header (protocol 2.15, one setup sector) around {@code payload}, inflating to {@code size}. */
    private static byte[] bzImage(byte[] payload, int size) {
        ByteBuffer b = ByteBuffer.allocate(1024 + 16 + payload.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) 1).putInt(0x202, 0x53726448).putShort(0x206, (short) 0x20f);
        b.putInt(0x248, 16).putInt(0x24c, payload.length + 4);
        b.put(1024 + 16, payload).putInt(1024 + 16 + payload.length, size);
        return b.array();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static GuestKernel kernel(Path dir, byte[] image) throws IOException {
        Path vmlinuz = Files.write(dir.resolve("vmlinuz-6.1.0-test"), image);
        return new GuestKernel(vmlinuz, "6.1.0-test", dir.resolve("modules"));
    }

    @Test
    void aGzipPayloadWithAPvhNoteIsTakenOutOnceAndThenReused(@TempDir Path dir) throws IOException {
        byte[] elf = elf(18);
        GuestKernel k = kernel(dir, bzImage(gzip(elf), elf.length));
        BootImage.Prepared first = BootImage.prepare(k, dir.resolve("cache"), true);
        assertThat(first.pvh()).isTrue();
        assertThat(first.reused()).isFalse();
        assertThat(first.detail()).contains("gzip").contains("entered through PVH");
        assertThat(first.kernel().release()).isEqualTo("6.1.0-test");
        assertThat(first.kernel().image().getParent()).isEqualTo(dir.resolve("cache"));
        assertThat(Files.readAllBytes(first.kernel().image())).isEqualTo(elf);
        BootImage.Prepared again = BootImage.prepare(k, dir.resolve("cache"), true);
        assertThat(again.reused()).isTrue();
        assertThat(again.kernel().image()).isEqualTo(first.kernel().image());
        assertThat(BootImage.prepare(k, dir.resolve("cache"), false).kernel()).isEqualTo(k);
        // A kernel given as the ELF itself is booted as it is.
        GuestKernel asElf = new GuestKernel(first.kernel().image(), "6.1.0-test", k.modules());
        BootImage.Prepared direct = BootImage.prepare(asElf, dir.resolve("cache"), true);
        assertThat(direct.pvh()).isTrue();
        assertThat(direct.kernel()).isEqualTo(asElf);
        assertThat(direct.detail()).contains("an ELF kernel already");
    }

    @Test
    void anXzPayloadIsInflatedWithXz(@TempDir Path dir) throws Exception {
        HostRequirements.requireCommand("xz");
        byte[] elf = elf(18);
        Path raw = Files.write(dir.resolve("elf"), elf);
        Process p = new ProcessBuilder("xz", "--check=crc32", "--stdout", raw.toString()).start();
        byte[] xz = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        BootImage.Prepared prepared = BootImage.prepare(kernel(dir, bzImage(xz, elf.length)), dir.resolve("cache"), true);
        assertThat(prepared.pvh()).as(prepared.detail()).isTrue();
        assertThat(prepared.detail()).contains("xz");
        assertThat(Files.readAllBytes(prepared.kernel().image())).isEqualTo(elf);
    }

    @Test
    void aKernelWithoutAPvhEntryBootsAsABzImageAndLeavesNothingBehind(@TempDir Path dir) throws IOException {
        byte[] elf = elf(5);
        GuestKernel k = kernel(dir, bzImage(gzip(elf), elf.length));
        BootImage.Prepared p = BootImage.prepare(k, dir.resolve("cache"), true);
        assertThat(p.pvh()).isFalse();
        assertThat(p.kernel()).isEqualTo(k);
        assertThat(p.detail()).contains("as a bzImage").contains("no PVH entry point");
        try (var left = Files.list(dir.resolve("cache"))) {
            assertThat(left).isEmpty();
        }
        // The verdict is remembered per kernel file: the next VM boot does not inflate it again (a damaged
        // header of the same size and mtime would give another reason if it did).
        var mtime = Files.getLastModifiedTime(k.image());
        byte[] damaged = Files.readAllBytes(k.image());
        damaged[0x202] = 0;
        Files.write(k.image(), damaged);
        Files.setLastModifiedTime(k.image(), mtime);
        assertThat(BootImage.prepare(k, dir.resolve("cache"), true).detail()).contains("no PVH entry point");
    }

    @Test
    void aDamagedImageSaysWhatIsWrongAndBootsAsItIs(@TempDir Path dir) throws IOException {
        BootImage.Prepared notBz = BootImage.prepare(kernel(dir, new byte[4096]), dir.resolve("cache"), true);
        assertThat(notBz.pvh()).isFalse();
        assertThat(notBz.detail()).contains("is not a bzImage");
        byte[] elf = elf(18);
        byte[] truncated = bzImage(gzip(elf), elf.length + 1); // the header promises a byte more
        Path other = Files.createDirectories(dir.resolve("other"));
        BootImage.Prepared wrongSize = BootImage.prepare(kernel(other, truncated), dir.resolve("cache2"), true);
        assertThat(wrongSize.pvh()).isFalse();
        assertThat(wrongSize.detail()).contains("the header says " + (elf.length + 1));
    }
}
