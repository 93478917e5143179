package dev.podlab.core.testing;

import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.EngineConfig;
import dev.podlab.core.rootfs.BusyboxRootfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * A real engine on a throw-away state root and a throw-away cgroup parent, for root tests.
 * {@link #close()} force-removes every container it made and then the cgroup parent, so a
 * failing test leaks no process, mount or cgroup.
 */
public final class TestEngine implements AutoCloseable {
    private static Path sharedRootfs;

    public final Path root;
    public final ContainerEngine engine;
    public final CgroupManager cgroups;
    public final String cgroupParent;

    private TestEngine(Path root, CgroupManager cgroups, String parent,
                       java.util.Map<String, dev.podlab.core.config.EngineSettings.RuntimeClass> classes) {
        this.root = root;
        this.cgroups = cgroups;
        this.cgroupParent = parent;
        this.engine = new ContainerEngine(new EngineConfig(root, cgroups, parent, classes));
    }

    /** Checks the host (root, cgroups, busybox), then opens an engine on a fresh temporary root. */
    public static TestEngine open() throws IOException {
        return open(java.util.Map.of());
    }

    /** As {@link #open()}, with these runtime classes configured. */
    public static TestEngine open(java.util.Map<String, dev.podlab.core.config.EngineSettings.RuntimeClass> classes)
            throws IOException {
        HostRequirements.requireRoot();
        HostRequirements.require(Files.isExecutable(BusyboxRootfs.HOST_BUSYBOX),
                "needs " + BusyboxRootfs.HOST_BUSYBOX + " (apt-get install busybox-static)");
        HostRequirements.require(Files.exists(Path.of("/proc/filesystems"))
                && Files.readString(Path.of("/proc/filesystems")).contains("overlay"), "needs overlayfs");
        // Short paths: the shim's control socket path must fit in sun_path (108 bytes).
        Path root = Files.createTempDirectory(Path.of("/tmp"), "plt");
        String parent = "podlab-test-" + UUID.randomUUID().toString().substring(0, 8);
        return new TestEngine(root, CgroupManagers.host(), parent, classes);
    }

    /**
     * Engine-service settings on this engine's root and cgroup parent: socket {@code <root>/podlab.sock},
     * runtime files in {@code <root>/run}, metrics every 200 ms.
     */
    public EngineSettings serviceSettings() {
        return EngineSettings.defaults().withOverrides(EngineSettings.Overrides.builder()
                .stateRoot(root)
                .runRoot(root.resolve("run"))
                .socket(root.resolve("podlab.sock"))
                .cgroupParent(cgroupParent)
                .metricsInterval("200ms")
                .metricsHistory("1m")
                .build());
    }

    /** The busybox rootfs, built once per test JVM and shared read-only (containers get overlays). */
    public static synchronized Path rootfs() throws IOException {
        if (sharedRootfs == null) {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "plrootfs");
            sharedRootfs = BusyboxRootfs.ensure(dir.resolve("busybox"));
        }
        return sharedRootfs;
    }

    public static ContainerConfig.Builder busybox(String... command) throws IOException {
        return ContainerConfig.builder(rootfs(), List.of(command));
    }

    @Override
    public void close() throws IOException {
        List<Throwable> problems = new ArrayList<>();
        for (ContainerRecord r : engine.list()) {
            try {
                engine.remove(r.id(), true);
            } catch (RuntimeException e) {
                problems.add(e);
            }
        }
        try {
            if (cgroups.exists(cgroupParent)) {
                cgroups.destroy(cgroups.open(cgroupParent));
            }
            // runc also makes the path in the named systemd hierarchy (v1): destroy must take it along.
            Path named = cgroups.layout().root().resolve("systemd").resolve(cgroupParent);
            if (Files.isDirectory(named)) {
                problems.add(new IllegalStateException("the cgroup stayed in the systemd hierarchy: " + named));
            }
        } catch (RuntimeException e) {
            problems.add(e);
        }
        try {
            // Pods played on this root pinned their namespaces under private directory mounts: those go with it.
            dev.podlab.core.net.PodNamespaces.open(root.resolve("run")).releaseDirectories();
        } catch (RuntimeException e) {
            problems.add(e);
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        if (!problems.isEmpty()) {
            var e = new IllegalStateException("test engine cleanup failed: " + problems.get(0).getMessage());
            problems.forEach(e::addSuppressed);
            throw e;
        }
    }
}
