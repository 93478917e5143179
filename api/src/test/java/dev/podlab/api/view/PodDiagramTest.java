package dev.podlab.api.view;

import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.InspectContainerResponse;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.VirtualMachine;
import dev.podlab.api.view.PodDiagram.CgroupNode;
import dev.podlab.api.view.PodDiagram.Fact;
import dev.podlab.api.view.PodDiagram.NamespaceRow;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PodDiagramTest {
    private static InspectContainerResponse inspect(String cgroup, String net, String pid, String mnt) {
        return InspectContainerResponse.newBuilder().setContainer(Container.newBuilder().setCgroupPath(cgroup))
                .putCgroupPaths("memory", "/sys/fs/cgroup/memory" + cgroup).putCgroupPaths("cpu,cpuacct", "/x")
                .putNamespaces("net", "net:[" + net + "]").putNamespaces("pid", "pid:[" + pid + "]")
                .putNamespaces("mnt", "mnt:[" + mnt + "]").build();
    }

    @Test
    void aPodsContainersShareTheNetworkButNotTheirMountsAndSitUnderThePodCgroup() {
        Pod pod = Pod.newBuilder().setName("web").setNamespace("default").setRuntime("builtin")
                .setCgroupParent("podlab/pod-1").setNetns("/run/podlab/netns/pod-1").setPodIp("10.88.0.5")
                .setInterface("eth0").setBridge("podlab0").setNetwork("podlab").addPorts("0.0.0.0:8080->80/tcp (app)")
                .build();
        Map<String, InspectContainerResponse> in = new LinkedHashMap<>();
        in.put("app", inspect("/podlab/pod-1/c1", "4026532001", "4026532010", "4026532020"));
        in.put("side", inspect("/podlab/pod-1/c2", "4026532001", "4026532011", "4026532021"));
        PodDiagram d = PodDiagram.of(pod, in);

        assertThat(d.title()).isEqualTo("pod default/web (builtin)");
        assertThat(d.containers()).containsExactly("app", "side");
        assertThat(d.namespaces()).extracting(NamespaceRow::type).containsExactly("net", "pid", "mnt");
        NamespaceRow net = d.namespaces().get(0);
        assertThat(net.shared()).isTrue();
        assertThat(net.groups().get(0).inode()).isEqualTo("4026532001");
        assertThat(net.groups().get(0).containers()).containsExactly("app", "side");
        NamespaceRow mnt = d.namespaces().get(2);
        assertThat(mnt.shared()).isFalse();
        assertThat(mnt.groups()).hasSize(2);

        assertThat(d.cgroupController()).isEqualTo("memory");
        assertThat(d.cgroups()).extracting(CgroupNode::path)
                .containsExactly("/podlab", "/podlab/pod-1", "/podlab/pod-1/c1", "/podlab/pod-1/c2");
        assertThat(d.cgroups()).extracting(CgroupNode::depth).containsExactly(0, 1, 2, 2);
        assertThat(d.cgroups().get(2).containers()).containsExactly("app");
        assertThat(d.cgroups().get(1).containers()).isEmpty();

        assertThat(d.network()).contains(new Fact("interface", "eth0 10.88.0.5"),
                new Fact("host side", "veth pair -> bridge podlab0"), new Fact("CNI network", "podlab"),
                new Fact("port", "0.0.0.0:8080->80/tcp (app)"), new Fact("netns", "/run/podlab/netns/pod-1"));
    }

    @Test
    void aContainerOutsideAPodIsAPodOfOne() {
        PodDiagram d = PodDiagram.of(null, Map.of("solo", inspect("/podlab/solo", "1", "2", "3")));
        assertThat(d.title()).isEqualTo("container solo");
        assertThat(d.namespaces()).allMatch(r -> !r.shared() && r.groups().size() == 1);
        assertThat(d.network()).containsExactly(new Fact("network", "its own namespace net:[1], no pod network"));
        assertThat(d.cgroups()).extracting(CgroupNode::name).containsExactly("podlab", "solo");
    }

    @Test
    void cgroupDirectoriesBecomePathsFromTheHierarchyRoot() {
        assertThat(PodDiagram.relative("/sys/fs/cgroup/memory/podlab/x", "memory")).isEqualTo("/podlab/x");
        assertThat(PodDiagram.relative("/sys/fs/cgroup/cpu,cpuacct/podlab/x", "cpu")).isEqualTo("/podlab/x");
        assertThat(PodDiagram.relative("/sys/fs/cgroup/unified/podlab/x", "unified")).isEqualTo("/podlab/x");
        assertThat(PodDiagram.relative("/sys/fs/cgroup/podlab.slice/x", "unified")).isEqualTo("/podlab.slice/x");
        assertThat(PodDiagram.inode("net:[4026531840]")).isEqualTo("4026531840");
        assertThat(List.of(PodDiagram.inode("host"))).containsExactly("host");
    }

    @Test
    void aKvmPodShowsQemuOnTheHostAndTheGuestKernelAgentAndContainersInside() {
        VirtualMachine vm = VirtualMachine.newBuilder().setKey("pod-7").setQemuPid(4242).setAccelerator("tcg")
                .setQemuCgroup("podlab/pod-7/kvm-pod-7").setQemuRssBytes(180L << 20).setGuestKernel("6.1.0-9-amd64")
                .setAgent("podlab-shim (/init) protocol 1 on virtio-serial").setBootMillis(950).build();
        Pod pod = Pod.newBuilder().setName("vm").setNamespace("default").setRuntime("kvm").setCgroupParent("podlab/pod-7")
                .build();
        Map<String, InspectContainerResponse> in = new LinkedHashMap<>();
        // kvm containers have no host pid, so no namespaces on the host: only the VM tells where they are.
        in.put("app", InspectContainerResponse.newBuilder().setContainer(Container.newBuilder()
                .setCgroupPath("/podlab/pod-7/c1")).setVm(vm).build());
        in.put("side", InspectContainerResponse.newBuilder().setContainer(Container.newBuilder()
                .setCgroupPath("/podlab/pod-7/c2")).setVm(vm).build());
        PodDiagram d = PodDiagram.of(pod, in);

        assertThat(d.title()).isEqualTo("pod default/vm (kvm)");
        assertThat(d.vm()).isNotNull();
        assertThat(d.vm().host()).containsExactly(new Fact("QEMU pid", "4242"), new Fact("accelerator", "tcg"),
                new Fact("cgroup", "/podlab/pod-7/kvm-pod-7"), new Fact("memory (RSS)", "180.0 MiB"), new Fact("VM", "pod-7"));
        assertThat(d.vm().guest()).containsExactly(new Fact("kernel", "6.1.0-9-amd64"),
                new Fact("agent", "podlab-shim (/init) protocol 1 on virtio-serial"), new Fact("booted in", "950 ms"));
        assertThat(d.vm().containers()).containsExactly("app", "side");
        // A guest restored from a template did not boot: the diagram says where it came from.
        in.replaceAll((name, r) -> r.toBuilder().setVm(vm.toBuilder().setTemplate("5899ae5019e2088f")).build());
        assertThat(PodDiagram.of(pod, in).vm().guest()).contains(new Fact("restored from",
                "template 5899ae5019e2 (frozen at 950 ms)"));
        assertThat(d.namespaces()).isEmpty();
        assertThat(d.cgroups()).extracting(CgroupNode::path).contains("/podlab/pod-7", "/podlab/pod-7/c1");
    }

    @Test
    void containersOnTheHostKernelHaveNoVm() {
        Map<String, InspectContainerResponse> in = new LinkedHashMap<>();
        in.put("solo", inspect("/podlab/c9", "1", "2", "3"));
        assertThat(PodDiagram.of(null, in).vm()).isNull();
        assertThat(new PodDiagram("t", List.of(), List.of(), List.of(), "", List.of()).vm()).isNull();
    }
}
