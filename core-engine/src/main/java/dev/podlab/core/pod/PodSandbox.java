package dev.podlab.core.pod;

import dev.podlab.core.PodlabException;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.events.StepTimer;
import dev.podlab.core.net.CniNetwork;
import dev.podlab.core.net.CniPluginNotFoundException;
import dev.podlab.core.net.CniResult;
import dev.podlab.core.net.PodNamespacePaths;
import dev.podlab.core.net.PodNamespaces;
import dev.podlab.core.net.PodNetworkFiles;
import dev.podlab.core.net.PodNetworkRequest;
import dev.podlab.core.pod.manifest.Container;
import dev.podlab.core.pod.manifest.PodManifest;
import dev.podlab.core.pod.manifest.PodSpec;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod's shared environment, made before its first container and removed after its last: network, IPC and
 * UTS namespaces pinned by bind mounts (no pause process), the CNI network with the pod's host ports, the
 * generated /etc/hosts, /etc/hostname and /etc/resolv.conf, and the pod cgroup with its QoS limits.
 */
public final class PodSandbox {
    /**
     * Recorded for a namespace the pod shares with the host. Resolved when each container is made, to the engine's
     * own namespace file: PID 1's are not always readable (here they are not), and a pid would go stale when the
     * engine restarts.
     */
    public static final String HOST = "host";
    static final String HOST_NETNS = HOST;
    static final String HOST_IPCNS = HOST;

    /** The namespace file for {@code type} ("net", "ipc", "uts", "pid"), host namespaces resolved now. */
    public static String resolve(String recorded, String type) {
        return HOST.equals(recorded) ? "/proc/" + ProcessHandle.current().pid() + "/ns/" + type : recorded;
    }

    private final PodNamespaces namespaces;
    private final CniNetwork network;
    private final CgroupManager cgroups;
    private final String cgroupParent;
    private final PodNetworkFiles files;

    public PodSandbox(PodNamespaces namespaces, CniNetwork network, CgroupManager cgroups, String cgroupParent,
                      PodNetworkFiles files) {
        this.namespaces = namespaces;
        this.network = network;
        this.cgroups = cgroups;
        this.cgroupParent = cgroupParent;
        this.files = files;
    }

    /** The sandbox and what it could not honour (warnings for the pod's report). */
    public record Made(PodRecord.Sandbox sandbox, List<String> warnings) {}

    /** Creates everything for a manifest pod; a failing step undoes the ones before it. */
    public Made create(String podId, PodManifest pod, Path podDir, StepTimer timer) {
        return create(podId, SandboxSpec.fromManifest(pod), podDir, timer, "spec");
    }

    /**
     * Creates everything for a sandbox described without a manifest (the CRI bridge); a failing step undoes the
     * ones before it. The pod cgroup is {@code <parent>/pod-<id12>}, the parent being the spec's or the engine's.
     */
    public Made create(String podId, SandboxSpec spec, Path podDir, StepTimer timer) {
        return create(podId, spec, podDir, timer, "sandbox");
    }

    /**
     * Creates a manifest pod's sandbox up to its network: the cgroup, the pinned namespaces and the network files
     * (/etc/hosts without the pod's address yet), so containers can be created in it while {@link Pending#attach}
     * runs CNI ADD on the caller's thread. A failing step undoes the ones before it.
     */
    public Pending begin(String podId, PodManifest pod, Path podDir, StepTimer timer) {
        return begin(podId, SandboxSpec.fromManifest(pod), podDir, timer, "spec", true);
    }

    /** The pod cgroup a sandbox of {@code spec} gets. */
    public String cgroupOf(String podId, SandboxSpec spec) {
        return (spec.cgroupParent() != null ? spec.cgroupParent() : cgroupParent) + "/pod-" + podId.substring(0, 12);
    }

    private Made create(String podId, SandboxSpec spec, Path podDir, StepTimer timer, String where) {
        Pending p = begin(podId, spec, podDir, timer, where, false);
        try {
            return p.attach();
        } catch (RuntimeException e) {
            p.abort(e);
            throw e;
        }
    }

    private Pending begin(String podId, SandboxSpec spec, Path podDir, StepTimer timer, String where,
                          boolean filesFirst) {
        Pending p = new Pending(podId, spec, podDir, timer, where);
        try {
            String cgroup = cgroupOf(podId, spec);
            timer.time("create pod cgroup", cgroup + " (" + spec.qos() + ")", () ->
                    cgroups.create(cgroup, spec.resources()));
            p.rollback.push(() -> cgroups.destroy(cgroups.open(cgroup)));
            p.cgroup = cgroup;
            if (spec.hostNetwork()) {
                p.netns = HOST_NETNS;
                p.utsns = HOST;
                p.ipcns = spec.hostIPC() ? HOST_IPCNS : null;
                p.podIp = "127.0.0.1";
                if (p.ipcns == null) {
                    PodNamespacePaths ns = timer.time("create namespaces", "ipc, pinned in " + namespaces.runRoot(),
                            () -> namespaces.create(podId, spec.hostname()));
                    p.rollback.push(() -> namespaces.remove(podId));
                    p.ipcns = ns.ipc().toString();
                }
                p.attached = true; // no CNI: the files are final now
                p.written = p.writeFiles();
            } else {
                PodNamespacePaths ns = timer.time("create namespaces", "net, ipc, uts pinned under "
                        + namespaces.runRoot() + " (hostname " + spec.hostname() + ")",
                        () -> namespaces.create(podId, spec.hostname()));
                p.rollback.push(() -> namespaces.remove(podId));
                p.netns = ns.net().toString();
                p.ipcns = spec.hostIPC() ? HOST_IPCNS : ns.ipc().toString();
                p.utsns = ns.uts().toString();
                if (filesFirst) {
                    p.written = p.writeFiles();
                }
            }
            return p;
        } catch (RuntimeException e) {
            p.abort(e);
            throw e;
        }
    }

    /**
     * A sandbox made up to its network ({@link #begin}). The caller either {@link #attach}es it, or, when that or
     * anything else fails, {@link #abort}s it once nothing runs in it any more.
     */
    public final class Pending {
        private final String podId;
        private final SandboxSpec spec;
        private final Path podDir;
        private final StepTimer timer;
        private final String where;
        private final Deque<Runnable> rollback = new ArrayDeque<>();
        private final List<String> warnings = new ArrayList<>();
        private String cgroup;
        private String netns;
        private String ipcns;
        private String utsns;
        private String podIp = "";
        private String networkName = "";
        private boolean attached;
        private PodNetworkFiles.Written written;

        private Pending(String podId, SandboxSpec spec, Path podDir, StepTimer timer, String where) {
            this.podId = podId;
            this.spec = spec;
            this.podDir = podDir;
            this.timer = timer;
            this.where = where;
        }

        /** The sandbox as it is so far: namespaces and files final, no pod IP until {@link #attach} returned. */
        public PodRecord.Sandbox sandbox() {
            Map<String, String> mounts = new LinkedHashMap<>();
            if (written != null) {
                written.bindMounts().forEach((dest, src) -> mounts.put(dest, src.toString()));
            }
            return new PodRecord.Sandbox(netns, ipcns, utsns, podIp, networkName, cgroup, mounts, List.of());
        }

        /**
         * Runs CNI ADD on this thread (or falls back to loopback only when plugins are missing, with a warning) and
         * writes the network files; /etc/hosts, if written already, is rewritten in place with the pod's address.
         * A failure leaves the undoing to {@link #abort}.
         */
        public Made attach() {
            if (!attached) {
                Path net = Path.of(netns);
                PodNetworkRequest req = request(podId, spec, net);
                try {
                    CniResult result = timer.time("CNI ADD", network.config().name() + " ("
                            + String.join(", ", network.config().types()) + ")", () -> network.setUp(req));
                    rollback.push(() -> network.tearDown(req));
                    podIp = result.podIp().orElse("");
                    networkName = network.config().name();
                } catch (CniPluginNotFoundException missing) {
                    String how = network.loopbackOnly(net);
                    warnings.add(where + ": no pod network: " + missing.getMessage() + "; the pod has only lo ("
                            + how + ")");
                }
                attached = true;
                if (written == null) {
                    written = writeFiles();
                } else {
                    written = timer.time("update /etc/hosts", "pod IP " + (podIp.isEmpty() ? "none" : podIp)
                            + ", in place (bind-mounted into created containers)", () ->
                            files.updateHosts(podDir, filesRequest()));
                }
            }
            written.warnings().forEach(w -> warnings.add(where + ".dnsPolicy: " + w));
            return new Made(sandbox(), warnings);
        }

        /** Undoes every step made so far (latest first); problems are added to {@code into} as suppressed. */
        public void abort(RuntimeException into) {
            while (!rollback.isEmpty()) {
                try {
                    rollback.pop().run();
                } catch (RuntimeException undo) {
                    into.addSuppressed(undo);
                }
            }
        }

        private PodNetworkFiles.Written writeFiles() {
            return timer.time("write network files", "hosts, hostname, resolv.conf"
                    + (attached ? "" : " (before CNI ADD: hosts gets the pod IP after it)"), () ->
                    files.write(podDir, filesRequest()));
        }

        private PodNetworkFiles.Request filesRequest() {
            return new PodNetworkFiles.Request(spec.namespace(), spec.hostname(), spec.subdomain(), null,
                    podIp.isEmpty() || spec.hostNetwork() ? List.of() : List.of(podIp), spec.hostAliases(),
                    spec.hostNetwork(), spec.dnsPolicy(), spec.dnsConfig());
        }
    }

    /** Removes what {@link #create} made for a manifest pod; every step is tried, problems are collected. */
    public void remove(String podId, PodManifest pod, PodRecord.Sandbox s) {
        remove(podId, SandboxSpec.fromManifest(pod), s);
    }

    /**
     * Removes what {@link #create} made; every step is tried, problems are collected. Idempotent: what is gone
     * already is skipped.
     */
    public void remove(String podId, SandboxSpec spec, PodRecord.Sandbox s) {
        List<String> problems = new ArrayList<>();
        if (!s.network().isEmpty()) {
            try {
                network.tearDown(request(podId, spec, Path.of(s.netns())));
            } catch (RuntimeException e) {
                problems.add(PodlabException.describe(e));
            }
        }
        try {
            namespaces.remove(podId);
        } catch (RuntimeException e) {
            problems.add(PodlabException.describe(e));
        }
        try {
            if (cgroups.exists(s.cgroupParent())) {
                var cg = cgroups.open(s.cgroupParent());
                cgroups.killAll(cg);
                cgroups.destroy(cg);
            }
        } catch (RuntimeException e) {
            problems.add(PodlabException.describe(e));
        }
        if (!problems.isEmpty()) {
            throw new PodException("failed to remove sandbox of pod " + spec.namespace() + "/" + spec.name()
                    + ": " + String.join("; ", problems));
        }
    }

    private static PodNetworkRequest request(String podId, SandboxSpec spec, Path netns) {
        return new PodNetworkRequest(spec.namespace(), spec.name(), podId, netns,
                PodNetworkRequest.DEFAULT_IFNAME, spec.portMappings());
    }

    /**
     * Pod-level limits as kubelet sets them: the sums of the containers' limits when every container has one
     * (otherwise the pod is unbounded in that resource), and cpu shares from the summed requests.
     */
    static CgroupResources podLimits(PodSpec spec) {
        long memory = 0;
        long cpuLimit = 0;
        long cpuRequest = 0;
        boolean allMemory = true;
        boolean allCpu = true;
        for (Container c : spec.containers()) {
            var r = c.resources();
            if (r.memoryLimitBytes().isPresent() && r.memoryLimitBytes().getAsLong() > 0) {
                memory += r.memoryLimitBytes().getAsLong();
            } else {
                allMemory = false;
            }
            if (r.cpuLimitMillis().isPresent() && r.cpuLimitMillis().getAsLong() > 0) {
                cpuLimit += r.cpuLimitMillis().getAsLong();
            } else {
                allCpu = false;
            }
            cpuRequest += r.cpuRequestMillis().orElse(0);
        }
        var b = CgroupResources.builder().cpuShares(ContainerSpecs.shares(cpuRequest));
        if (allMemory && memory > 0) {
            b.memoryLimitBytes(memory);
        }
        if (allCpu && cpuLimit > 0) {
            b.cpuQuotaMicros(cpuLimit * 100).cpuPeriodMicros(100_000L);
        }
        return b.build();
    }
}
