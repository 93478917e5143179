package dev.podlab.core.runtime.kvm;

import dev.podlab.core.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The guest kernel in the form QEMU boots fastest. A distribution's {@code vmlinuz} is a bzImage:
 * real-mode setup, a decompressor and the compressed kernel ELF. Booted as it is, the guest spends
 * seconds under TCG inflating itself (Debian's XZ payload: ~3.5 s of a 6 s boot here). The ELF inside
 * has a PVH entry point (an ELF note Xen defined, type 18, which QEMU's microvm honours), so podlab
 * takes the payload out once, inflates it natively and caches it; QEMU then loads the ELF's segments
 * straight into guest memory and enters the kernel already decompressed, as Firecracker and Kata's
 * own kernels do. The price: no KASLR in the guest (the decompressor is what randomises the base),
 * and the ELF (~60 MiB) lives in the host's page cache, mapped by every QEMU and shared between them.
 *
 * <p>Payload location and formats follow the x86 boot protocol (Documentation/x86/boot.rst):
 * {@code setup_sects} at 0x1f1, the {@code HdrS} magic at 0x202, {@code payload_offset} and
 * {@code payload_length} at 0x248 (protocol 2.08+); the payload ends with the inflated size as 4
 * little-endian bytes.
 */
public final class BootImage {
    /** What the VM boots: {@code image} is the cached ELF ({@code pvh}) or the bzImage itself. */
    public record Prepared(GuestKernel kernel, boolean pvh, boolean reused, String detail) {}

    private static final int PVH_NOTE_TYPE = 18; // XEN_ELFNOTE_PHYS32_ENTRY
    private static final Map<String, Prepared> KNOWN = new ConcurrentHashMap<>();

    private BootImage() {}

    /**
     * The kernel to boot: with {@code direct}, the cached ELF of {@code kernel}'s bzImage (extracted
     * now when missing); the bzImage when {@code direct} is false or the image cannot be entered
     * through PVH ({@code detail} says why).
     */
    public static Prepared prepare(GuestKernel kernel, Path cacheDir, boolean direct) {
        if (!direct) {
            return new Prepared(kernel, false, true, kernel.image() + " as a bzImage (the guest decompresses itself;"
                    + " option boot: bzimage)");
        }
        String key;
        try {
            key = kernel.image().toRealPath() + ":" + Files.size(kernel.image()) + ":"
                    + Files.getLastModifiedTime(kernel.image()).toMillis();
        } catch (IOException e) {
            return fallback(kernel, "cannot read it: " + e.getMessage());
        }
        // Remembered per kernel file, the verdicts "no direct boot" included: a kernel without a PVH entry
        // is not inflated again at every VM boot.
        Prepared known = KNOWN.get(cacheDir + " " + key);
        if (known != null && (known.kernel().equals(kernel) || Files.isRegularFile(known.kernel().image()))) {
            return known;
        }
        Prepared first = prepareUncached(kernel, cacheDir, key);
        KNOWN.put(cacheDir + " " + key, first.reused() ? first : new Prepared(first.kernel(), first.pvh(), true,
                first.kernel().image() + ", entered through PVH (cached)"));
        return first;
    }

    private static Prepared prepareUncached(GuestKernel kernel, Path cacheDir, String key) {
        try {
            if (hasPvhEntry(kernel.image())) {
                return new Prepared(kernel, true, true, kernel.image() + ", an ELF kernel already, entered through PVH");
            }
            Path elf = cacheDir.resolve("vmlinux-" + kernel.release() + "-"
                    + Digest.sha256(key.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 16));
            if (Files.isRegularFile(elf)) {
                return new Prepared(withImage(kernel, elf), true, true, elf + ", entered through PVH (cached)");
            }
            Files.createDirectories(cacheDir);
            String how = extract(kernel.image(), elf);
            prune(cacheDir, kernel.release(), elf);
            return new Prepared(withImage(kernel, elf), true, false, elf + " taken out of " + kernel.image() + " ("
                    + how + "), entered through PVH: the guest skips its own decompression");
        } catch (IOException e) {
            return fallback(kernel, e.getMessage());
        }
    }

    private static Prepared fallback(GuestKernel kernel, String why) {
        return new Prepared(kernel, false, true, kernel.image() + " as a bzImage (no direct boot: " + why + ")");
    }

    private static GuestKernel withImage(GuestKernel k, Path image) {
        return new GuestKernel(image, k.release(), k.modules());
    }

    /** Inflates the bzImage's payload into {@code elf} (atomically); returns how, for the trace. */
    static String extract(Path bzImage, Path elf) throws IOException {
        long started = System.nanoTime();
        Payload payload = payload(bzImage);
        Path tmp = Files.createTempFile(elf.getParent(), elf.getFileName() + ".", ".tmp");
        try {
            inflate(bzImage, payload, tmp);
            long size = Files.size(tmp);
            if (size != payload.inflatedSize()) {
                throw new IOException("failed to take the kernel out of " + bzImage + ": inflated to " + size
                        + " bytes, the header says " + payload.inflatedSize());
            }
            if (!hasPvhEntry(tmp)) {
                throw new IOException("the kernel in " + bzImage + " has no PVH entry point (CONFIG_PVH)");
            }
            Files.move(tmp, elf, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return payload.format() + ", " + Files.size(bzImage) / 1024 + " KiB to " + size / 1024 + " KiB in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms, once";
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Where the compressed kernel sits in a bzImage, its format and its inflated size. */
    record Payload(long offset, long length, String format, long inflatedSize) {}

    static Payload payload(Path bzImage) throws IOException {
        try (FileChannel ch = FileChannel.open(bzImage, StandardOpenOption.READ)) {
            ByteBuffer hdr = ByteBuffer.allocate(0x250).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(hdr, 0);
            if (hdr.position() < 0x250 || hdr.getInt(0x202) != 0x53726448) { // "HdrS"
                throw new IOException(bzImage + " is not a bzImage (no HdrS header)");
            }
            if ((hdr.getShort(0x206) & 0xffff) < 0x208) {
                throw new IOException(bzImage + " uses boot protocol " + Integer.toHexString(hdr.getShort(0x206))
                        + ", which does not say where its payload is (2.08 or newer does)");
            }
            int setupSects = hdr.get(0x1f1) & 0xff;
            long offset = (long) ((setupSects == 0 ? 4 : setupSects) + 1) * 512 + (hdr.getInt(0x248) & 0xffffffffL);
            long length = hdr.getInt(0x24c) & 0xffffffffL;
            if (length < 16 || offset + length > ch.size()) {
                throw new IOException(bzImage + ": payload at " + offset + " of " + length + " bytes lies outside the"
                        + " file");
            }
            ByteBuffer magic = ByteBuffer.allocate(6);
            ch.read(magic, offset);
            ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(tail, offset + length - 4);
            return new Payload(offset, length - 4, format(magic.array(), bzImage),
                    tail.getInt(0) & 0xffffffffL);
        }
    }

    private static String format(byte[] m, Path bzImage) throws IOException {
        int b0 = m[0] & 0xff;
        int b1 = m[1] & 0xff;
        if (b0 == 0x1f && (b1 == 0x8b || b1 == 0x9e)) {
            return "gzip";
        }
        if (b0 == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z') {
            return "xz";
        }
        if (b0 == 0x28 && b1 == 0xb5 && (m[2] & 0xff) == 0x2f && (m[3] & 0xff) == 0xfd) {
            return "zstd";
        }
        if (b0 == 0x02 && b1 == 0x21 && m[2] == 0x4c && m[3] == 0x18) {
            return "lz4";
        }
        throw new IOException(bzImage + ": payload compressed in a format podlab does not inflate (magic "
                + HexFormat.of().formatHex(m, 0, 4) + "; gzip, xz, zstd and lz4 are known)");
    }

    private static void inflate(Path bzImage, Payload p, Path out) throws IOException {
        try (InputStream in = slice(bzImage, p); OutputStream o = Files.newOutputStream(out)) {
            Inflater.inflate(p.format(), in, o, "the " + p.format() + " kernel payload of " + bzImage);
        }
    }

    private static InputStream slice(Path file, Payload p) throws IOException {
        InputStream in = Files.newInputStream(file);
        in.skipNBytes(p.offset());
        return new java.io.FilterInputStream(in) {
            private long left = p.length();

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(buf, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    /** Whether the ELF64 file carries a Xen note of type 18 (the PVH entry) in a PT_NOTE segment. */
    static boolean hasPvhEntry(Path elf) throws IOException {
        try (FileChannel ch = FileChannel.open(elf, StandardOpenOption.READ)) {
            ByteBuffer eh = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(eh, 0);
            if (eh.position() < 64 || eh.getInt(0) != 0x464c457f || eh.get(4) != 2 || eh.get(5) != 1) {
                return false; // not a little-endian ELF64
            }
            long phoff = eh.getLong(0x20);
            int phentsize = eh.getShort(0x36) & 0xffff;
            int phnum = eh.getShort(0x38) & 0xffff;
            for (int i = 0; i < phnum; i++) {
                ByteBuffer ph = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(ph, phoff + (long) i * phentsize);
                if (ph.getInt(0) != 4) { // PT_NOTE
                    continue;
                }
                long off = ph.getLong(8);
                long size = ph.getLong(32);
                if (size > 1 << 20) {
                    continue;
                }
                ByteBuffer notes = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(notes, off);
                int pos = 0;
                while (pos + 12 <= size) {
                    int namesz = notes.getInt(pos);
                    int descsz = notes.getInt(pos + 4);
                    int type = notes.getInt(pos + 8);
                    boolean xen = namesz == 4 && pos + 16 <= size && notes.get(pos + 12) == 'X'
                            && notes.get(pos + 13) == 'e' && notes.get(pos + 14) == 'n';
                    if (xen && type == PVH_NOTE_TYPE) {
                        return true;
                    }
                    pos += 12 + align4(namesz) + align4(descsz);
                    if (namesz < 0 || descsz < 0) {
                        break;
                    }
                }
            }
            return false;
        }
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    /** Older extractions of the same release (a kernel package update replaced the bzImage). */
    private static void prune(Path cacheDir, String release, Path keep) {
        try (Stream<Path> s = Files.list(cacheDir)) {
            for (Path p : s.filter(x -> x.getFileName().toString().startsWith("vmlinux-" + release + "-")
                    && !x.equals(keep) && !x.getFileName().toString().endsWith(".tmp")).toList()) {
                // A running QEMU keeps its mapping of a deleted file.
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Pruning is tidiness only.
        }
    }
}
