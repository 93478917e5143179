package dev.podlab.core.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Detects the cgroup layout under a root directory and returns the matching {@link CgroupManager}. */
public final class CgroupManagers {

    /** Where the kernel's cgroup hierarchies are mounted on systemd-era hosts. */
    public static final Path HOST_ROOT = Path.of("/sys/fs/cgroup");

    /** v1 controllers recognised in hierarchy directory names, in the order they are listed in layouts. */
    static final List<String> V1_CONTROLLERS = List.of("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio",
            "devices", "freezer", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc");

    private CgroupManagers() {
    }

    /** The manager for the host's /sys/fs/cgroup. */
    public static CgroupManager host() {
        return forRoot(HOST_ROOT);
    }

    /** The manager for the layout found under {@code root} (the host's or a test's stand-in tree). */
    public static CgroupManager forRoot(Path root) {
        CgroupLayout layout = detect(root);
        return layout.version() == CgroupVersion.V2 ? new CgroupV2Manager(layout) : new CgroupV1Manager(layout);
    }

    /**
     * V2 when {@code root/cgroup.controllers} exists. Otherwise V1: every subdirectory (symlinks followed) that
     * holds a cgroup.procs and whose name, or its real path's name, lists v1 controllers separated by commas
     * ("memory", "cpu,cpuacct"); co-mounted controllers map to the same real path. Hybrid when
     * {@code root/unified/cgroup.controllers} exists as well.
     */
    public static CgroupLayout detect(Path root) {
        String object = "cgroup layout at " + root;
        if (!Files.isDirectory(root)) {
            throw new CgroupException("detect", object, "not a directory");
        }
        Path realRoot = CgroupSupport.realOrSelf(root);
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            Map<String, Path> mounts = new LinkedHashMap<>();
            mounts.put(Cgroup.UNIFIED, realRoot);
            String controllers = ControlFiles.read(root.resolve("cgroup.controllers"), "detect", object);
            for (String controller : ControlFiles.parseList(controllers)) {
                mounts.put(controller, realRoot);
            }
            return new CgroupLayout(CgroupVersion.V2, false, realRoot, mounts);
        }

        Map<String, Path> found = new LinkedHashMap<>();
        Path unified = null;
        for (Path entry : entries(root, object)) {
            if (!Files.isDirectory(entry) || !Files.exists(entry.resolve("cgroup.procs"))) {
                continue; // a file, or an empty mount point whose hierarchy is not mounted
            }
            Path real = CgroupSupport.realOrSelf(entry);
            String name = entry.getFileName().toString();
            if (name.equals("unified") && Files.exists(entry.resolve("cgroup.controllers"))) {
                unified = real;
                continue;
            }
            Set<String> names = new LinkedHashSet<>(List.of(name.split(",")));
            names.addAll(List.of(real.getFileName().toString().split(",")));
            for (String controller : names) {
                if (V1_CONTROLLERS.contains(controller)) {
                    found.putIfAbsent(controller, real);
                }
            }
        }
        if (found.isEmpty()) {
            throw new CgroupException("detect", object,
                    "found neither cgroup.controllers (cgroup v2) nor cgroup v1 controller hierarchies");
        }
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (String controller : V1_CONTROLLERS) {
            if (found.containsKey(controller)) {
                mounts.put(controller, found.get(controller));
            }
        }
        if (unified != null) {
            mounts.put(Cgroup.UNIFIED, unified);
        }
        return new CgroupLayout(CgroupVersion.V1, unified != null, realRoot, mounts);
    }

    private static List<Path> entries(Path root, String object) {
        try (Stream<Path> list = Files.list(root)) {
            List<Path> entries = new ArrayList<>(list.toList());
            entries.sort(null);
            return entries;
        } catch (IOException e) {
            throw new CgroupException("detect", object, "list " + root + ": " + ControlFiles.describe(e), e);
        }
    }
}
