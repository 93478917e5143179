package dev.podlab.cri;

import dev.podlab.api.server.PodSource;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.cri.v1.ContainerState;
import dev.podlab.cri.v1.ContainerStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * The CRI sandboxes as podlab pods, so `podlab pods` (and the TUI and GUI, through Pods.List) show what a kubelet
 * runs next to manifest pods, with source {@value #SOURCE}. Phase Running while the sandbox is ready, NotReady once
 * StopPodSandbox released it.
 */
final class CriPods implements PodSource {
    static final String SOURCE = "cri";

    private final CriContext cx;

    CriPods(CriContext cx) {
        this.cx = cx;
    }

    @Override
    public List<Pod> pods() {
        List<Pod> out = new ArrayList<>();
        List<CriContainer> all = cx.store.containers();
        for (CriSandbox s : cx.store.sandboxes()) {
            var spec = s.spec();
            var b = Pod.newBuilder().setId(s.id()).setName(spec.name()).setNamespace(spec.namespace())
                    .setUid(spec.uid()).setRuntime(spec.runtimeHandler().isEmpty()
                            ? cx.service.settings().defaultRuntime() : spec.runtimeHandler())
                    .setPhase(s.ready() ? "Running" : "NotReady").setPodIp(s.ip()).setCreatedAt(s.createdAt())
                    .setSource(SOURCE).addAllWarnings(s.warnings());
            if (s.sandbox() != null) {
                b.setNetns(nz(s.sandbox().netns())).setCgroupParent(nz(s.sandbox().cgroupParent()));
            }
            int running = 0;
            int total = 0;
            for (CriContainer c : all) {
                if (!c.sandboxId().equals(s.id())) {
                    continue;
                }
                ContainerStatus st = ContainerHandler.status(c, cx.record(c.id()).orElse(null));
                String state = switch (st.getState()) {
                    case CONTAINER_RUNNING -> "running";
                    case CONTAINER_EXITED -> "terminated";
                    default -> "waiting";
                };
                boolean up = st.getState() == ContainerState.CONTAINER_RUNNING;
                running += up ? 1 : 0;
                total++;
                b.addContainers(PodContainer.newBuilder().setName(c.name()).setContainerId(c.id())
                        .setImage(c.image()).setReady(up).setStarted(up).setRestartCount(c.attempt())
                        .setState(state).setReason(st.getReason()).setMessage(st.getMessage())
                        .setExitCode(st.getExitCode()));
            }
            out.add(b.setReady(running + "/" + total).build());
        }
        return out;
    }

    /** The summary with {@code kube_json}: the sandbox and its containers as Kubernetes shows a pod. */
    @Override
    public Pod detail(Pod summary) {
        CriSandbox s = cx.store.sandbox(summary.getId()).orElse(null);
        if (s == null) {
            return summary; // removed since the listing
        }
        List<CriKubeView.Member> members = new ArrayList<>();
        for (CriContainer c : cx.store.containers()) {
            if (c.sandboxId().equals(s.id())) {
                members.add(new CriKubeView.Member(c, ContainerHandler.status(c, cx.record(c.id()).orElse(null))));
            }
        }
        return summary.toBuilder().setKubeJson(CriKubeView.json(s, summary.getRuntime(), members)).build();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
