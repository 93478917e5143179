package dev.podlab.core.state;

import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Who may look into the state root. Containers' root filesystems, their upper directories and
 * the kvm sandboxes' 9p shares live below it, and a container's root (or a guest's, through the
 * share) can create setuid-root files and device nodes there: any host user who could reach them
 * would be root. So, as Docker and containerd keep their storage, the root is traversable but not
 * listable ({@code 0711}: tools and sockets below it stay reachable by path) and the directories
 * holding container and guest data are {@code 0700}.
 */
public final class StateDirs {
    /** Subdirectories only root may enter: container data, snapshots, images, VMs and templates. */
    public static final List<String> PRIVATE = List.of("containers", "snapshots", "images", "kvm", "runtimes",
            "pods", "events");
    private static final Set<PosixFilePermission> ROOT = PosixFilePermissions.fromString("rwx--x--x");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private StateDirs() {}

    /**
     * Creates the state root and its private directories if needed and takes group and other
     * access away from them (never adds any: a stricter mode the admin set stays).
     */
    public static void secure(Path root) {
        try {
            Files.createDirectories(root);
            narrow(root, ROOT);
            for (String name : PRIVATE) {
                Path dir = root.resolve(name);
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                }
                narrow(dir, OWNER_ONLY);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new StateException(PodlabException.failed("restrict access to state root", root.toString(), e), e);
        }
    }

    /** Keeps only the permissions in {@code allowed}. */
    private static void narrow(Path dir, Set<PosixFilePermission> allowed) throws IOException {
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
        Set<PosixFilePermission> kept = EnumSet.noneOf(PosixFilePermission.class);
        kept.addAll(now);
        kept.retainAll(allowed);
        if (!kept.equals(now)) {
            Files.setPosixFilePermissions(dir, kept);
        }
    }
}
