package dev.podlab.core.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small ext4 file system on a loop device of its own, mounted under a directory the test owns: a real block
 * device for tests that need block IO accounted to a cgroup, without touching the host's disks. {@link #close()}
 * unmounts, detaches the loop device and deletes the image, in that order, also after a partial set-up.
 */
public final class LoopDisk implements AutoCloseable {
    private final Path image;
    private final Path mountPoint;
    private String device;
    private boolean mounted;

    private LoopDisk(Path image, Path mountPoint) {
        this.image = image;
        this.mountPoint = mountPoint;
    }

    /**
     * Creates a sparse {@code sizeBytes} image in {@code dir}, formats it ext4, attaches it to a free loop device and
     * mounts it at {@code dir/mnt}. Skips (fails on CI) without root, losetup, mkfs.ext4 or mount.
     */
    public static LoopDisk create(Path dir, long sizeBytes) throws IOException, InterruptedException {
        HostRequirements.requireRoot();
        for (String command : List.of("losetup", "mkfs.ext4", "mount", "umount")) {
            HostRequirements.requireCommand(command);
        }
        LoopDisk disk = new LoopDisk(dir.resolve("disk.img"), dir.resolve("mnt"));
        try {
            try (RandomAccessFile f = new RandomAccessFile(disk.image.toFile(), "rw")) {
                f.setLength(sizeBytes);
            }
            run("mkfs.ext4", "-q", "-F", disk.image.toString());
            disk.device = run("losetup", "--find", "--show", disk.image.toString()).trim();
            Files.createDirectories(disk.mountPoint);
            run("mount", disk.device, disk.mountPoint.toString());
            disk.mounted = true;
            return disk;
        } catch (IOException | InterruptedException | RuntimeException e) {
            try {
                disk.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Where the file system is mounted. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The loop device, e.g. {@code /dev/loop3}. */
    public String device() {
        return device;
    }

    /** The device's "MAJ:MIN", as cgroup files name devices. */
    public String majorMinor() throws IOException {
        return Files.readString(Path.of("/sys/block", Path.of(device).getFileName().toString(), "dev")).trim();
    }

    @Override
    public void close() throws IOException {
        List<String> problems = new ArrayList<>();
        try {
            if (mounted) {
                run("umount", mountPoint.toString());
                mounted = false;
            }
            if (device != null) {
                run("losetup", "-d", device);
                device = null;
            }
        } catch (IOException | RuntimeException e) {
            problems.add(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add("interrupted");
        }
        Files.deleteIfExists(mountPoint);
        Files.deleteIfExists(image);
        if (!problems.isEmpty()) {
            throw new IOException("failed to release loop disk " + image + ": " + String.join("; ", problems));
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("failed to run " + String.join(" ", command) + ": timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("failed to run " + String.join(" ", command) + ": exit " + p.exitValue() + ": " + text.trim());
        }
        return text;
    }
}
