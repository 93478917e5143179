package dev.podlab.core.cgroup;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link CgroupManagers#forRoot(Path)} found under a cgroup root.
 *
 * @param version          V2 when {@code root/cgroup.controllers} exists, else V1
 * @param hybrid           V1 only: a cgroup2 hierarchy is also mounted at {@code root/unified}
 * @param root             the directory the layout was detected under, e.g. /sys/fs/cgroup
 * @param controllerMounts controller name to the real path of the hierarchy that holds it. V1: one entry per
 *                         mounted controller; co-mounted controllers ("cpu,cpuacct") map to the same path.
 *                         The key {@value Cgroup#UNIFIED} names the cgroup2 hierarchy (pure V2: the root
 *                         itself; hybrid V1: root/unified). V2 also maps each controller listed in the root's
 *                         cgroup.controllers to the root.
 */
public record CgroupLayout(CgroupVersion version, boolean hybrid, Path root, Map<String, Path> controllerMounts) {

    public CgroupLayout {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(root, "root");
        controllerMounts = Map.copyOf(controllerMounts);
        if (hybrid && version != CgroupVersion.V1) {
            throw new IllegalArgumentException("only a V1 layout can be hybrid");
        }
    }

    /** True when the controller is available (V1: mounted; V2: listed in the root's cgroup.controllers). */
    public boolean has(String controller) {
        return controllerMounts.containsKey(controller);
    }
}
