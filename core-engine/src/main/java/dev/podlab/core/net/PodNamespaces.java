package dev.podlab.core.net;

import com.sun.jna.LastErrorException;
import dev.podlab.core.PodlabException;
import dev.podlab.core.sys.LibC;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shared network, IPC and UTS namespaces of pod sandboxes, pinned by bind mounts instead of a pause process:
 * {@code <runRoot>/netns/<podId>}, {@code <runRoot>/ipcns/<podId>}, {@code <runRoot>/utsns/<podId>}.
 *
 * <p>A JVM cannot switch namespaces for the whole process, but namespaces belong to threads: {@link #create}
 * starts a short-lived platform thread that unshares the three namespaces, sets the pod's hostname in the new UTS
 * namespace, bind-mounts {@code /proc/thread-self/ns/{net,ipc,uts}} onto the files and ends. Only that thread ever
 * lived in the new namespaces; the mounts (made in the engine's mount namespace) keep them alive until
 * {@link #remove}.
 *
 * <p>Mount propagation: each of the three directories is made a private bind mount of itself once (iproute2
 * likewise turns {@code /run/netns} into a mount point of its own, though it marks it shared). When the run root
 * sits on a shared mount, as {@code /run} does under systemd, a bind mount made there would otherwise be copied
 * into every peer and slave mount namespace (services with private /tmp, containers created earlier) and pin the
 * pod's namespaces there. Copies made when another mount namespace is created later are dropped by the kernel when
 * {@link #remove} unlinks the file (since Linux 3.18, unlinking a mount point detaches it in other namespaces).
 */
public final class PodNamespaces {

    public static final Path DEFAULT_RUN_ROOT = Path.of("/run/podlab");

    private static final Pattern POD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    /** HOST_NAME_MAX on Linux. */
    private static final int HOSTNAME_MAX = 64;
    private static final List<String> KINDS = List.of("net", "ipc", "uts");

    private final Path runRoot;

    private PodNamespaces(Path runRoot) {
        this.runRoot = runRoot.toAbsolutePath().normalize();
    }

    /** Pod namespaces under {@code runRoot} ({@link #DEFAULT_RUN_ROOT} in production, a temp dir in tests). */
    public static PodNamespaces open(Path runRoot) {
        return new PodNamespaces(runRoot);
    }

    public Path runRoot() {
        return runRoot;
    }

    /** Where the namespaces of {@code podId} are (or would be) pinned; does not check that they exist. */
    public PodNamespacePaths paths(String podId) {
        checkId(podId);
        return new PodNamespacePaths(podId, dir("net").resolve(podId), dir("ipc").resolve(podId),
                dir("uts").resolve(podId));
    }

    /** True when the pod's network namespace file is a mounted namespace. */
    public boolean exists(String podId) {
        Path net = paths(podId).net();
        try {
            return Files.exists(net) && !MountInfo.at(net.toRealPath()).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Ids of pods that have a network namespace file (for reconciling after a restart). */
    public List<String> list() {
        Path netns = dir("net");
        if (!Files.isDirectory(netns)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(netns)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> POD_ID.matcher(n).matches()).sorted().toList();
        } catch (IOException e) {
            throw new NetworkException("list", "pod namespaces in " + netns, e.toString(), e);
        }
    }

    /**
     * Creates and pins new network, IPC and UTS namespaces for {@code podId}, with {@code hostname} set in the UTS
     * one. On failure nothing is left behind.
     *
     * @throws NetworkException when the pod already has namespaces, or a step fails
     */
    public PodNamespacePaths create(String podId, String hostname) {
        PodNamespacePaths paths = paths(podId);
        String object = "namespaces of pod " + podId;
        byte[] name = hostname.getBytes(StandardCharsets.UTF_8);
        if (hostname.isEmpty() || name.length > HOSTNAME_MAX) {
            throw new NetworkException("create", object, "hostname \"" + hostname + "\" is empty or longer than "
                    + HOSTNAME_MAX + " bytes");
        }
        for (String kind : KINDS) {
            preparePrivateDir(dir(kind));
        }
        List<Path> targets = List.of(paths.net(), paths.ipc(), paths.uts());
        for (Path target : targets) {
            // Checked before anything is made, so the rollback below only ever removes what this call created.
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new NetworkException("create", object, target + " already exists");
            }
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // A platform thread of its own: the namespaces change for this thread only, and it ends right after, so no
        // pooled or carrier thread ever runs other work inside the pod's namespaces.
        Thread t = Thread.ofPlatform().name("podlab-netns-" + podId).unstarted(() -> {
            try {
                pin(targets, name);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            // The thread is short; wait it out so rollback does not race its mounts, then keep the interrupt.
            joinUninterruptibly(t);
            Thread.currentThread().interrupt();
        }
        Throwable e = failure.get();
        if (e != null) {
            removeQuietly(targets);
            String detail = switch (e) {
                case LastErrorException le -> LibC.describe(le);
                case FileAlreadyExistsException fe -> fe.getMessage() + " already exists";
                default -> PodlabException.describe(e);
            };
            throw new NetworkException("create", object, detail, e);
        }
        return paths;
    }

    /**
     * Unmounts and deletes the pod's namespace files. Idempotent: missing files and files that are no longer mounts
     * are fine. The namespaces themselves die once no container is left in them.
     */
    public void remove(String podId) {
        PodNamespacePaths paths = paths(podId);
        List<String> errors = new ArrayList<>();
        for (Path p : List.of(paths.net(), paths.ipc(), paths.uts())) {
            try {
                unpin(p);
            } catch (LastErrorException | IOException e) {
                errors.add(p + ": " + (e instanceof LastErrorException le ? LibC.describe(le) : e.toString()));
            }
        }
        if (!errors.isEmpty()) {
            throw new NetworkException("remove", "namespaces of pod " + podId, String.join("; ", errors));
        }
    }

    /**
     * Undoes the private directory mounts {@link #create} made, for directories that hold no namespace any more
     * (tests, uninstall). Returns the directories unmounted.
     */
    public List<Path> releaseDirectories() {
        List<Path> released = new ArrayList<>();
        for (String kind : KINDS) {
            Path d = dir(kind);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                if (s.findAny().isPresent()) {
                    continue;
                }
            } catch (IOException e) {
                continue;
            }
            try {
                Path real = d.toRealPath();
                while (!MountInfo.at(real).isEmpty()) {
                    LibC.INSTANCE.umount2(real.toString(), LibC.MNT_DETACH);
                    released.add(d);
                }
            } catch (IOException | LastErrorException e) {
                throw new NetworkException("release", "namespace directory " + d, e.toString(), e);
            }
        }
        return released;
    }

    private Path dir(String kind) {
        return runRoot.resolve(kind + "ns");
    }

    /** Runs on the dedicated thread: unshare, hostname, then one file + bind mount per namespace. */
    private static void pin(List<Path> targets, byte[] hostname) throws IOException {
        LibC libc = LibC.INSTANCE;
        try {
            libc.unshare(LibC.CLONE_NEWNET | LibC.CLONE_NEWIPC | LibC.CLONE_NEWUTS);
        } catch (LastErrorException e) {
            throw new IOException("unshare(CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWUTS): " + LibC.describe(e), e);
        }
        try {
            libc.sethostname(hostname, hostname.length);
        } catch (LastErrorException e) {
            throw new IOException("sethostname: " + LibC.describe(e), e);
        }
        for (int i = 0; i < targets.size(); i++) {
            Path target = targets.get(i);
            Files.createFile(target);
            String source = "/proc/thread-self/ns/" + KINDS.get(i);
            try {
                libc.mount(source, target.toString(), null, LibC.MS_BIND, null);
            } catch (LastErrorException e) {
                throw new IOException("mount " + source + " on " + target + ": " + LibC.describe(e), e);
            }
        }
    }

    private static void unpin(Path p) throws IOException {
        try {
            LibC.INSTANCE.umount2(p.toString(), LibC.MNT_DETACH);
        } catch (LastErrorException e) {
            // ENOENT: the file is already gone; EINVAL: it exists but is no longer a mount point (a remove that
            // stopped between umount and unlink). Both mean this step is done.
            if (e.getErrorCode() != LibC.ENOENT && e.getErrorCode() != LibC.EINVAL) {
                throw e;
            }
        }
        Files.deleteIfExists(p);
    }

    private static void removeQuietly(List<Path> targets) {
        for (Path p : targets) {
            try {
                unpin(p);
            } catch (LastErrorException | IOException ignored) {
                // Rollback after a failed create: the original error is the one worth reporting.
            }
        }
    }

    /** Makes {@code dir} a private mount of itself, once (see the class comment for why). */
    private static synchronized void preparePrivateDir(Path dir) {
        try {
            // mountinfo shows resolved paths: compare with the real one, or a symlinked run root would stack a new
            // bind mount on every call.
            Path real = Files.createDirectories(dir).toRealPath();
            if (MountInfo.at(real).isEmpty()) {
                LibC.INSTANCE.mount(real.toString(), real.toString(), null, LibC.MS_BIND, null);
            }
            // Also for a mount point that already exists (ours from an earlier run, or a tmpfs an admin made):
            // making a private mount private again is a no-op.
            LibC.INSTANCE.mount(null, real.toString(), null, LibC.MS_PRIVATE, null);
        } catch (IOException e) {
            throw new NetworkException("prepare", "namespace directory " + dir, e.toString(), e);
        } catch (LastErrorException e) {
            throw new NetworkException("prepare", "namespace directory " + dir, "mount: " + LibC.describe(e), e);
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean done = false;
        while (!done) {
            try {
                t.join();
                done = true;
            } catch (InterruptedException ignored) {
                // keep waiting; the caller restores the flag
            }
        }
    }

    private static void checkId(String podId) {
        if (podId == null || !POD_ID.matcher(podId).matches()) {
            throw new NetworkException("use", "pod id \"" + podId + "\"", "expected 1-128 of [A-Za-z0-9_.-], not starting with . _ or -");
        }
    }
}
