package dev.podlab.core.pod;

import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.SecurityOptions;
import dev.podlab.core.oci.LocalhostSeccomp;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.image.run.ImageDefaults;
import dev.podlab.core.pod.manifest.Container;
import dev.podlab.core.pod.manifest.EnvResolver;
import dev.podlab.core.pod.manifest.ManifestSet;
import dev.podlab.core.pod.manifest.PodManifest;
import dev.podlab.core.pod.manifest.PodSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A manifest container as the engine's {@link ContainerConfig}: Kubernetes' command/args over the image's
 * entrypoint/cmd, the resolved environment, the user from the security contexts, cgroup limits from
 * resources, the pod's namespaces, volumes and network files.
 */
final class ContainerSpecs {
    /** Labels every pod container carries, as the CRI uses them. */
    static final String POD_NAME = "io.kubernetes.pod.name";
    static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String POD_UID = "io.kubernetes.pod.uid";
    static final String CONTAINER_NAME = "io.kubernetes.container.name";
    static final String POD_ID = "dev.podlab.pod.id";

    private ContainerSpecs() {}

    /** Kubernetes' cpu request to cgroup v1 shares (kubelet's MilliCPUToShares). */
    static long shares(long millis) {
        return Math.max(2, millis * 1024 / 1000);
    }

    /**
     * The container's securityContext over the pod's, as the engine's security options; a Localhost profile
     * resolves under {@code seccompProfileRoot} (refused when it escapes it or is missing).
     */
    static SecurityOptions security(PodSpec spec, Container c, Path seccompProfileRoot) {
        var sc = c.securityContext();
        var profile = effectiveSeccomp(spec, c);
        String seccomp = profile.map(p -> switch (p.type()) {
            case UNCONFINED -> SecurityOptions.UNCONFINED;
            case LOCALHOST -> SecurityOptions.LOCALHOST;
            case RUNTIME_DEFAULT -> SecurityOptions.RUNTIME_DEFAULT;
        }).orElse(SecurityOptions.RUNTIME_DEFAULT);
        String local = profile.filter(p -> p.type() == PodSpec.SeccompProfile.Type.LOCALHOST)
                .map(p -> LocalhostSeccomp.resolve(seccompProfileRoot, p.localhostProfile()).toString())
                .orElse(null);
        Map<String, String> sysctls = new LinkedHashMap<>();
        spec.securityContext().sysctls().forEach(x -> sysctls.put(x.name(), x.value()));
        return new SecurityOptions(sc.capabilities().add(), sc.capabilities().drop(), sc.privileged().orElse(false),
                !sc.allowPrivilegeEscalation().orElse(false), seccomp, sysctls, local);
    }

    /** The container's seccompProfile, else the pod's. */
    static java.util.Optional<PodSpec.SeccompProfile> effectiveSeccomp(PodSpec spec, Container c) {
        return c.securityContext().seccompProfile().or(() -> spec.securityContext().seccompProfile());
    }

    static ContainerConfig build(ImageService images, ImageRecord image, ManifestSet set, PodRecord pod,
                                 PodManifest manifest, Container c, Map<String, PodVolumes.Materialised> volumes,
                                 DownwardValues downward, String sharedPidNamespace, Path terminationLog,
                                 Path seccompProfileRoot) {
        PodSpec spec = manifest.spec();
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvResolver.ResolvedEnv e : EnvResolver.resolve(set, manifest, c)) {
            env.put(e.name(), e.literal().orElseGet(() -> downward.value(e.source(), c)));
        }
        // $(VAR) in command and args expands from the container's environment, as kubelet does.
        List<String> command = c.command().stream().map(a -> EnvResolver.expand(a, env)).toList();
        List<String> args = c.args().stream().map(a -> EnvResolver.expand(a, env)).toList();

        var sc = c.securityContext();
        var psc = spec.securityContext();
        // The container's securityContext wins over the pod's; neither means the image's USER.
        java.util.OptionalLong uid = sc.runAsUser().isPresent() ? sc.runAsUser() : psc.runAsUser();
        java.util.OptionalLong gid = sc.runAsGroup().isPresent() ? sc.runAsGroup() : psc.runAsGroup();
        String user = uid.isEmpty() ? null
                : gid.isEmpty() ? Long.toString(uid.getAsLong()) : uid.getAsLong() + ":" + gid.getAsLong();

        ContainerConfig.Builder b = images.containerFrom(image, new ImageDefaults.Overrides(
                command.isEmpty() ? null : command, args.isEmpty() ? null : args,
                c.workingDir() == null || c.workingDir().isEmpty() ? null : c.workingDir(), user));
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        b.env(envList);
        // Kubernetes' service-less pods still get HOSTNAME; the image's PATH stays from containerFrom.
        b.name(pod.namespace() + "_" + pod.name() + "_" + c.name() + "_" + pod.id().substring(0, 8) + "_"
                + pod.restartCounts().getOrDefault(c.name(), 0));
        b.terminal(c.tty()).stdin(c.stdin()).stdinOnce(c.stdinOnce()).readOnlyRootfs(sc.readOnlyRootFilesystem().orElse(false));
        List<Integer> groups = new ArrayList<>();
        psc.supplementalGroups().forEach(g -> groups.add(g.intValue()));
        psc.fsGroup().ifPresent(g -> groups.add((int) g));
        b.supplementaryGroups(groups);
        b.security(security(spec, c, seccompProfileRoot));

        var r = c.resources();
        var res = CgroupResources.builder();
        r.memoryLimitBytes().ifPresent(m -> res.memoryLimitBytes(m));
        r.cpuLimitMillis().ifPresent(m -> res.cpuQuotaMicros(m * 100).cpuPeriodMicros(100_000L));
        res.cpuShares(shares(r.cpuRequestMillis().orElse(0)));
        b.resources(res.build());
        b.cgroupParent(pod.sandbox().cgroupParent());

        var sandbox = pod.sandbox();
        b.joinNamespace("network", PodSandbox.resolve(sandbox.netns(), "net"));
        if (sandbox.ipcns() != null) {
            b.joinNamespace("ipc", PodSandbox.resolve(sandbox.ipcns(), "ipc"));
        }
        b.joinNamespace("uts", PodSandbox.resolve(sandbox.utsns(), "uts"));
        if (spec.hostPID()) {
            b.joinNamespace("pid", PodSandbox.resolve(PodSandbox.HOST, "pid"));
        } else if (sharedPidNamespace != null) {
            b.joinNamespace("pid", sharedPidNamespace);
        }
        sandbox.files().forEach((dest, src) -> b.volume(new VolumeMount(Path.of(src), dest, false)));
        // As kubelet does: a host file at terminationMessagePath, read back when the container ends.
        try {
            Files.createDirectories(terminationLog.getParent());
            Files.write(terminationLog, new byte[0]);
        } catch (java.io.IOException e) {
            throw new PodException("failed to create termination log " + terminationLog + ": " + e.getMessage(), e);
        }
        b.volume(new VolumeMount(terminationLog, c.terminationMessagePath(), false));
        List<String> mountPaths = c.volumeMounts().stream().map(Container.VolumeMount::mountPath).toList();
        for (Container.VolumeMount m : c.volumeMounts()) {
            PodVolumes.Materialised v = volumes.get(m.name());
            Path src = v.hostPath();
            if (m.subPath() != null && !m.subPath().isEmpty()) {
                src = src.resolve(m.subPath()).normalize();
                try {
                    if (!Files.exists(src)) {
                        Files.createDirectories(src);
                    }
                } catch (java.io.IOException e) {
                    throw new PodException("failed to create subPath " + m.subPath() + " of volume " + m.name()
                            + ": " + e.getMessage(), e);
                }
            }
            if (v.readOnly() || m.readOnly()) {
                // A mount nested inside a read-only volume needs its target to exist already.
                for (String nested : PodVolumes.nestedTargets(m.mountPath(), mountPaths)) {
                    try {
                        Files.createDirectories(src.resolve(nested));
                    } catch (java.io.IOException e) {
                        throw new PodException("failed to prepare mount point " + nested + " in volume " + m.name()
                                + ": " + e.getMessage(), e);
                    }
                }
            }
            b.volume(new VolumeMount(src, m.mountPath(), v.readOnly() || m.readOnly()));
        }
        b.label(POD_NAME, pod.name()).label(POD_NAMESPACE, pod.namespace()).label(POD_UID, pod.uid())
                .label(CONTAINER_NAME, c.name()).label(POD_ID, pod.id());
        manifest.metadata().labels().forEach((k, v) -> b.label("pod-label." + k, v));
        b.runtime(pod.runtime());
        return b.build();
    }
}
