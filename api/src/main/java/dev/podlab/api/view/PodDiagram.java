package dev.podlab.api.view;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.InspectContainerResponse;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.VirtualMachine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a pod diagram draws, computed from Pods.Get and each container's Containers.Inspect: which namespaces
 * the containers share (grouped by inode), the cgroup path tree with the containers at its leaves, and the
 * network (namespace file, interface, IP, bridge, CNI network, published ports), and for a kvm pod its micro-VM
 * (QEMU on the host, the guest kernel and agent inside). A container outside any pod
 * is a pod of one. Plain data: the GUI draws it on a Canvas, a test reads it.
 *
 * @param title      "pod default/web (builtin)" or "container NAME"
 * @param containers the container names, in the pod's order
 * @param namespaces one row per namespace type (net, ipc, uts, pid, mnt, ...), in a fixed order
 * @param cgroups    the cgroup tree (one controller's paths), depth-first
 * @param network    facts, one per line, as label and value
 * @param vm         the micro-VM of a kvm pod (host and guest side), or null when the containers run on the host's kernel
 */
public record PodDiagram(String title, List<String> containers, List<NamespaceRow> namespaces, List<CgroupNode> cgroups,
                         String cgroupController, List<Fact> network, VmSides vm) {
    private static final List<String> ORDER = List.of("net", "ipc", "uts", "pid", "mnt", "cgroup", "user", "time");
    private static final Pattern INODE = Pattern.compile("\\[(\\d+)]");

    /** The containers that see the same namespace of one type. */
    public record NamespaceGroup(String inode, List<String> containers) {}

    /**
     * One namespace type and how the containers split over its instances.
     *
     * @param shared whether every container is in one and the same namespace (and there is more than one)
     */
    public record NamespaceRow(String type, List<NamespaceGroup> groups, boolean shared) {}

    /** One directory of the cgroup tree; {@code containers} are the ones whose cgroup is exactly here. */
    public record CgroupNode(int depth, String name, String path, List<String> containers) {}

    public record Fact(String label, String value) {}

    /**
     * A kvm pod's micro-VM: what runs it on the host and what runs inside it.
     *
     * @param host       QEMU's pid, accelerator, cgroup and memory on the host
     * @param guest      the guest kernel and the agent
     * @param containers the containers inside the VM
     */
    public record VmSides(List<Fact> host, List<Fact> guest, List<String> containers) {
        public VmSides {
            host = List.copyOf(host);
            guest = List.copyOf(guest);
            containers = List.copyOf(containers);
        }
    }

    /** A diagram of containers on the host's kernel (no VM). */
    public PodDiagram(String title, List<String> containers, List<NamespaceRow> namespaces, List<CgroupNode> cgroups,
                      String cgroupController, List<Fact> network) {
        this(title, containers, namespaces, cgroups, cgroupController, network, null);
    }

    public PodDiagram {
        containers = List.copyOf(containers);
        namespaces = List.copyOf(namespaces);
        cgroups = List.copyOf(cgroups);
        network = List.copyOf(network);
    }

    /**
     * @param pod        the pod, or null for a container outside any pod
     * @param inspected  container name -> its Inspect answer, in display order
     */
    public static PodDiagram of(Pod pod, Map<String, InspectContainerResponse> inspected) {
        String title = pod == null
                ? "container " + String.join(", ", inspected.keySet())
                : "pod " + pod.getNamespace() + "/" + pod.getName() + " (" + pod.getRuntime() + ")";
        List<String> names = new ArrayList<>(inspected.keySet());

        // Namespaces: type -> inode -> containers.
        Map<String, Map<String, List<String>>> ns = new TreeMap<>((a, b) -> Integer.compare(rank(a), rank(b)) != 0
                ? Integer.compare(rank(a), rank(b)) : a.compareTo(b));
        inspected.forEach((name, r) -> r.getNamespacesMap().forEach((type, value) ->
                ns.computeIfAbsent(type, t -> new LinkedHashMap<>()).computeIfAbsent(inode(value), i -> new ArrayList<>())
                        .add(name)));
        List<NamespaceRow> rows = new ArrayList<>();
        ns.forEach((type, groups) -> {
            List<NamespaceGroup> g = new ArrayList<>();
            groups.forEach((inode, cs) -> g.add(new NamespaceGroup(inode, List.copyOf(cs))));
            rows.add(new NamespaceRow(type, g, g.size() == 1 && g.get(0).containers().size() > 1));
        });

        // Cgroups: one controller's paths as a tree (memory on v1 and hybrid hosts, where the unified tree is
        // empty of controllers; the unified hierarchy on v2).
        String controller = pickController(inspected);
        Map<String, List<String>> at = new TreeMap<>();
        inspected.forEach((name, r) -> {
            String p = r.getCgroupPathsMap().getOrDefault(controller, r.getContainer().getCgroupPath());
            if (!p.isEmpty()) {
                at.computeIfAbsent(relative(trimSlash(p), controller), k -> new ArrayList<>()).add(name);
            }
        });
        if (pod != null && !pod.getCgroupParent().isEmpty()) {
            at.putIfAbsent(trimSlash(pod.getCgroupParent()), new ArrayList<>());
        }
        List<CgroupNode> tree = tree(at);

        List<Fact> net = new ArrayList<>();
        if (pod != null) {
            if (!pod.getNetns().isEmpty()) {
                net.add(new Fact("netns", pod.getNetns()));
            }
            String ifc = pod.getInterface().isEmpty() ? "lo" : pod.getInterface();
            net.add(new Fact("interface", ifc + (pod.getPodIp().isEmpty() ? " (loopback only)" : " " + pod.getPodIp())));
            if (!pod.getBridge().isEmpty()) {
                net.add(new Fact("host side", "veth pair -> bridge " + pod.getBridge()));
            }
            if (!pod.getNetwork().isEmpty()) {
                net.add(new Fact("CNI network", pod.getNetwork()));
            }
            pod.getPortsList().forEach(p -> net.add(new Fact("port", p)));
        } else {
            inspected.values().stream().findFirst().ifPresent(r -> {
                String n = r.getNamespacesMap().getOrDefault("net", "");
                net.add(new Fact("network", n.isEmpty() ? "unknown" : "its own namespace " + n + ", no pod network"));
            });
        }
        return new PodDiagram(title, names, rows, tree, controller, net, vm(inspected));
    }

    /** The VM sides from the first container that runs in one; null when none does. */
    private static VmSides vm(Map<String, InspectContainerResponse> inspected) {
        VirtualMachine vm = inspected.values().stream().filter(InspectContainerResponse::hasVm)
                .map(InspectContainerResponse::getVm).findFirst().orElse(null);
        if (vm == null) {
            return null;
        }
        List<String> inside = new ArrayList<>();
        inspected.forEach((name, r) -> {
            if (r.hasVm() && r.getVm().getKey().equals(vm.getKey())) {
                inside.add(name);
            }
        });
        return sides(vm, inside);
    }

    /**
     * One VM as host and guest facts (the diagram's and {@code podlab inspect}'s): QEMU, its
     * accelerator, cgroup and memory on the host; the guest kernel, the agent, and how the guest
     * came up (booted, or restored from a template).
     */
    public static VmSides sides(VirtualMachine vm, List<String> containers) {
        List<Fact> host = new ArrayList<>();
        host.add(new Fact("QEMU pid", Long.toString(vm.getQemuPid())));
        host.add(new Fact("accelerator", vm.getAccelerator()));
        host.add(new Fact("cgroup", vm.getQemuCgroup().isEmpty() ? "(the engine's)" : "/" + vm.getQemuCgroup()));
        if (vm.getQemuRssBytes() > 0) {
            host.add(new Fact("memory (RSS)", Bytes.human(vm.getQemuRssBytes())));
        }
        host.add(new Fact("VM", vm.getKey()));
        List<Fact> guest = List.of(new Fact("kernel", vm.getGuestKernel()), new Fact("agent", vm.getAgent()),
                vm.getTemplate().isEmpty() ? new Fact("booted in", vm.getBootMillis() + " ms")
                        : new Fact("restored from", "template " + vm.getTemplate().substring(0,
                        Math.min(12, vm.getTemplate().length())) + " (frozen at " + vm.getBootMillis() + " ms)"));
        return new VmSides(host, guest, containers);
    }

    private static String pickController(Map<String, InspectContainerResponse> inspected) {
        for (String c : List.of("memory", "unified", "pids", "cpu")) {
            for (InspectContainerResponse r : inspected.values()) {
                if (r.getCgroupPathsMap().containsKey(c)) {
                    return c;
                }
            }
        }
        return inspected.values().stream().flatMap(r -> r.getCgroupPathsMap().keySet().stream()).findFirst().orElse("");
    }

    private static List<CgroupNode> tree(Map<String, List<String>> at) {
        // Every prefix directory of every path becomes a node; sorted paths give depth-first order.
        Map<String, List<String>> all = new TreeMap<>();
        at.forEach((path, cs) -> {
            String[] parts = path.split("/");
            StringBuilder p = new StringBuilder();
            for (String part : parts) {
                if (part.isEmpty()) {
                    continue;
                }
                p.append('/').append(part);
                all.putIfAbsent(p.toString(), new ArrayList<>());
            }
            all.computeIfAbsent(p.isEmpty() ? "/" : p.toString(), k -> new ArrayList<>()).addAll(cs);
        });
        List<CgroupNode> out = new ArrayList<>();
        all.forEach((path, cs) -> {
            int depth = (int) path.chars().filter(ch -> ch == '/').count() - 1;
            String name = path.substring(path.lastIndexOf('/') + 1);
            out.add(new CgroupNode(Math.max(0, depth), name.isEmpty() ? "/" : name, path, List.copyOf(cs)));
        });
        return out;
    }

    /**
     * A directory under the cgroup mount as a path from the hierarchy's root, as the pod's cgroup parent is
     * given: "/sys/fs/cgroup/memory/podlab/x" -> "/podlab/x" on v1, "/sys/fs/cgroup/podlab/x" as "/podlab/x" on v2.
     */
    static String relative(String p, String controller) {
        String mount = "/sys/fs/cgroup";
        if (!p.startsWith(mount + "/")) {
            return p;
        }
        String rest = p.substring(mount.length());
        String[] parts = rest.split("/", 3);
        if (parts.length > 1 && (parts[1].equals(controller) || parts[1].equals("unified")
                || parts[1].contains(",") && java.util.Arrays.asList(parts[1].split(",")).contains(controller))) {
            rest = parts.length > 2 ? "/" + parts[2] : "/";
        }
        return rest;
    }

    private static String trimSlash(String p) {
        String s = p.startsWith("/") ? p : "/" + p;
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** "net:[4026532001]" -> "4026532001"; anything else as it is. */
    static String inode(String value) {
        Matcher m = INODE.matcher(value);
        return m.find() ? m.group(1) : value;
    }

    private static int rank(String type) {
        int i = ORDER.indexOf(type);
        return i < 0 ? ORDER.size() : i;
    }
}
