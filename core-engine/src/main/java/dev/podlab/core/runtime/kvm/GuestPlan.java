package dev.podlab.core.runtime.kvm;

import dev.podlab.core.runtime.builtin.LaunchPlan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a launch plan compiled for the host into the one the shim executes inside the guest.
 * The VM is the pod's sandbox, so namespaces the host plan joins by path (the pod's net, ipc,
 * uts) become the guest's own, and a pid namespace to join becomes a new one; the guest is
 * always cgroup v2, so the container gets its cgroup namespace and a cgroup2 mount; bind-mount
 * sources are host paths, so each is bound into the share and named by its guest path; the
 * seccomp cache path is a host path and is dropped (KvmRuntime names the share's copy instead).
 */
public record GuestPlan(LaunchPlan plan, List<ShareBind> binds) {
    /** A host path the engine binds at {@code <share>/<shareRelative>} before the agent creates the container. */
    public record ShareBind(Path hostSource, String shareRelative) {}

    public GuestPlan {
        binds = List.copyOf(binds);
    }

    /**
     * @param hostPlan compiled with guest paths for rootfs, cgroup, oom counter and log already
     * @param id       the container id (names the share directories of its binds)
     * @param guestShare where the share is mounted in the guest
     */
    public static GuestPlan translate(LaunchPlan hostPlan, String id, String guestShare) {
        return translate(hostPlan, id, guestShare, null);
    }

    /**
     * As {@link #translate(LaunchPlan, String, String)}; a pid namespace to join becomes
     * {@code guestPidNamespace} (a guest path, e.g. {@code /proc/GUEST_PID/ns/pid} of the pod's
     * first container: shareProcessNamespace), or a new one when that is null.
     */
    public static GuestPlan translate(LaunchPlan hostPlan, String id, String guestShare, String guestPidNamespace) {
        List<LaunchPlan.Directive> out = new ArrayList<>();
        List<ShareBind> binds = new ArrayList<>();
        boolean cgroupNs = false;
        boolean cgroupMount = hostPlan.all("mount").stream().anyMatch(a -> a.get(1).equals("/sys/fs/cgroup"));
        for (LaunchPlan.Directive d : hostPlan.directives()) {
            List<String> a = d.args();
            switch (d.keyword()) {
                case "namespace" -> {
                    cgroupNs |= a.get(0).equals("cgroup");
                    if (a.size() == 1) {
                        out.add(d);
                    } else if (a.get(0).equals("pid")) {
                        out.add(new LaunchPlan.Directive("namespace", guestPidNamespace == null ? List.of("pid")
                                : List.of("pid", guestPidNamespace)));
                    }
                    // Other namespaces given by path: the guest's own (the VM is the pod's sandbox).
                }
                case "mount" -> {
                    if (a.get(2).equals("bind")) {
                        String rel = "m/" + id + "/" + binds.size();
                        binds.add(new ShareBind(Path.of(a.get(0)), rel));
                        List<String> args = new ArrayList<>(a);
                        args.set(0, guestShare + "/" + rel);
                        out.add(new LaunchPlan.Directive("mount", args));
                    } else {
                        out.add(d);
                    }
                    if (!cgroupMount && a.get(1).equals("/sys")) {
                        out.add(new LaunchPlan.Directive("mount", List.of("cgroup", "/sys/fs/cgroup", "cgroup2",
                                "nosuid,nodev,noexec,relatime,ro")));
                        cgroupMount = true;
                    }
                }
                case "seccomp-bpf" -> {
                    // A host cache path: KvmRuntime adds the guest's own.
                }
                default -> out.add(d);
            }
            if (d.keyword().equals("rootfs") && !cgroupNs && hostPlan.all("namespace").stream()
                    .noneMatch(n -> n.get(0).equals("cgroup"))) {
                out.add(new LaunchPlan.Directive("namespace", List.of("cgroup")));
                cgroupNs = true;
            }
        }
        return new GuestPlan(new LaunchPlan(out), binds);
    }
}
