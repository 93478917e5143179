package dev.podlab.core.oci;

import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host's device nodes a privileged container gets, chosen as runc's and containerd's host-device scan does:
 * every character and block device under {@code /dev}, recursively, except the directories {@code pts}, {@code shm},
 * {@code fd}, {@code mqueue}, {@code .lxc}, {@code .lxd-mounts}, {@code .udev} and the node {@code console}; symlinks,
 * fifos and other files are not devices. Each keeps its host mode, owner and numbers.
 */
public final class HostDevices {
    private static final Set<String> SKIPPED_DIRS = Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    private HostDevices() {}

    /**
     * The device nodes under {@code devRoot} (the host's {@code /dev}), named as paths under {@code /dev} in the
     * container.
     */
    public static List<RuntimeSpec.Device> scan(Path devRoot) {
        List<RuntimeSpec.Device> out = new ArrayList<>();
        try {
            walk(devRoot, devRoot, out);
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("list host devices in", devRoot.toString(), e), e);
        }
        return List.copyOf(out);
    }

    private static void walk(Path root, Path dir, List<RuntimeSpec.Device> out) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(entries::add);
        }
        entries.sort(null); // a stable plan for the same host
        for (Path p : entries) {
            String name = p.getFileName().toString();
            Map<String, Object> a;
            try {
                a = Files.readAttributes(p, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                continue; // removed while we listed (udev at work)
            }
            int mode = (Integer) a.get("mode");
            int type = mode & S_IFMT;
            if (type == 0040000) {
                if (!SKIPPED_DIRS.contains(name)) {
                    walk(root, p, out);
                }
                continue;
            }
            if ((type != S_IFCHR && type != S_IFBLK) || (dir.equals(root) && name.equals("console"))) {
                continue;
            }
            long rdev = (Long) a.get("rdev");
            // Linux's encoding of dev_t (glibc's gnu_dev_major/minor).
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
            out.add(new RuntimeSpec.Device("/dev/" + root.relativize(p), type == S_IFCHR ? "c" : "b", major, minor,
                    mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid")));
        }
    }
}
