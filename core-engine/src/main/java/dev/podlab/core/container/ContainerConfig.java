package dev.podlab.core.container;

import dev.podlab.core.cgroup.CgroupResources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a caller asks for: the domain form of a container, independent of any runtime's
 * wire format. {@link dev.podlab.core.oci.SpecGenerator} turns it into a config.json.
 *
 * @param layers         read-only directories stacked into the root filesystem, bottom first:
 *                       one directory for a plain rootfs, the unpacked layers of an image
 * @param image          the image the layers come from (reference and id), null for a directory
 * @param namespacePaths namespaces to join instead of creating ("network" -> "/run/netns/x"),
 *                       how pods share namespaces between their containers
 * @param runtime        the runtime (class) name that runs the container, {@code builtin} by default
 * @param cgroupParent   the cgroup the container's own cgroup goes under (a pod's), relative to the
 *                       hierarchy root; null for the engine's configured parent
 * @param security       capabilities, privileged, no_new_privs, seccomp and sysctls beyond the defaults
 * @param terminal       the process gets a pty (OCI {@code process.terminal}): one stream, resizable when attached
 * @param stdin          the container's stdin stays open for {@link ContainerEngine#attach} (a pipe, or the pty with
 *                       {@code terminal}) instead of /dev/null
 * @param stdinOnce      with {@code stdin}: stdin is closed when the first attached client detaches (pipes only, as
 *                       Docker and containerd do; a terminal stays open)
 * @param logPath        the host file the shim writes the CRI log to (absolute; its directory is created), null for
 *                       {@code container.log} in the container's directory; a CRI client names it
 */
public record ContainerConfig(
        String name,
        List<Path> layers,
        String image,
        List<String> command,
        List<String> env,
        String workingDir,
        int uid,
        int gid,
        List<Integer> supplementaryGroups,
        String hostname,
        boolean terminal,
        boolean stdin,
        boolean stdinOnce,
        boolean readOnlyRootfs,
        CgroupResources resources,
        List<VolumeMount> volumes,
        Map<String, String> namespacePaths,
        Map<String, String> labels,
        String runtime,
        String cgroupParent,
        String logPath,
        SecurityOptions security) {

    /** The runtime every container gets unless it names another. */
    public static final String DEFAULT_RUNTIME = "builtin";

    public ContainerConfig {
        // Records written before runtimes were selectable have none: they ran on the built-in one.
        runtime = runtime == null || runtime.isBlank() ? DEFAULT_RUNTIME : runtime;
        // Records written before security options existed had the defaults.
        security = security == null ? SecurityOptions.DEFAULTS : security;
        layers = List.copyOf(layers);
        command = List.copyOf(command);
        env = List.copyOf(env);
        supplementaryGroups = List.copyOf(supplementaryGroups);
        volumes = List.copyOf(volumes);
        namespacePaths = Map.copyOf(namespacePaths);
        labels = Map.copyOf(labels);
        if (command.isEmpty()) {
            throw new InvalidConfigException("failed to configure container: no command given");
        }
        if (workingDir == null || !workingDir.startsWith("/")) {
            throw new InvalidConfigException("failed to configure container: working directory \"" + workingDir
                    + "\" is not an absolute path");
        }
        if (logPath != null && (logPath.isEmpty() || !logPath.startsWith("/") || logPath.indexOf('\0') >= 0)) {
            throw new InvalidConfigException("failed to configure container: log path \"" + logPath
                    + "\" is not an absolute path");
        }
        for (String e : env) {
            if (e.indexOf('=') <= 0) {
                throw new InvalidConfigException("failed to parse environment variable \"" + e + "\": expected KEY=VALUE");
            }
        }
    }

    public static Builder builder(Path rootfs, List<String> command) {
        return new Builder(List.of(rootfs), null, command);
    }

    /** A container on an image's unpacked layers (bottom first). */
    public static Builder builder(List<Path> layers, String image, List<String> command) {
        return new Builder(layers, image, command);
    }

    /** The directory a user would call "the rootfs": the top layer. */
    public Path rootfs() {
        return layers.get(layers.size() - 1);
    }

    /** Builder for the wide record; defaults match what Docker and Kubernetes do. */
    public static final class Builder {
        private String name;
        private final List<Path> layers;
        private final String image;
        private final List<String> command;
        private final List<String> env = new ArrayList<>();
        private String workingDir = "/";
        private int uid;
        private int gid;
        private final List<Integer> groups = new ArrayList<>();
        private String hostname;
        private boolean terminal;
        private boolean stdin;
        private boolean stdinOnce;
        private boolean readOnlyRootfs;
        private CgroupResources resources = CgroupResources.none();
        private final List<VolumeMount> volumes = new ArrayList<>();
        private final Map<String, String> namespaces = new LinkedHashMap<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private String runtime = DEFAULT_RUNTIME;
        private String cgroupParent;
        private SecurityOptions security = SecurityOptions.DEFAULTS;
        private String logPath;

        private Builder(List<Path> layers, String image, List<String> command) {
            this.layers = List.copyOf(layers);
            this.image = image;
            this.command = List.copyOf(command);
        }

        public Builder name(String v) { this.name = v; return this; }
        public Builder env(String keyValue) { env.add(keyValue); return this; }
        public Builder env(List<String> kv) { env.addAll(kv); return this; }
        public Builder workingDir(String v) { this.workingDir = v; return this; }
        public Builder user(int uid, int gid) { this.uid = uid; this.gid = gid; return this; }
        public Builder supplementaryGroups(List<Integer> g) { groups.addAll(g); return this; }
        public Builder hostname(String v) { this.hostname = v; return this; }
        public Builder terminal(boolean v) { this.terminal = v; return this; }
        public Builder stdin(boolean v) { this.stdin = v; return this; }
        public Builder stdinOnce(boolean v) { this.stdinOnce = v; return this; }
        public Builder readOnlyRootfs(boolean v) { this.readOnlyRootfs = v; return this; }
        public Builder resources(CgroupResources v) { this.resources = v; return this; }
        public Builder volume(VolumeMount v) { volumes.add(v); return this; }
        public Builder joinNamespace(String type, String path) { namespaces.put(type, path); return this; }
        public Builder label(String k, String v) { labels.put(k, v); return this; }
        public Builder runtime(String v) { this.runtime = v; return this; }
        public Builder cgroupParent(String v) { this.cgroupParent = v; return this; }
        public Builder security(SecurityOptions v) { this.security = v; return this; }
        public Builder logPath(String v) { this.logPath = v; return this; }

        public ContainerConfig build() {
            return new ContainerConfig(name, layers, image, command, env, workingDir, uid, gid, groups, hostname,
                    terminal, stdin, stdinOnce, readOnlyRootfs, resources, volumes, namespaces, labels, runtime, cgroupParent, logPath, security);
        }
    }
}
