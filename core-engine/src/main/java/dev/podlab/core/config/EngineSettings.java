package dev.podlab.core.config;

import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.container.EngineConfig;
import dev.podlab.core.image.registry.RegistryConfig;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The engine service's settings: what {@code /etc/podlab/podlab.yaml} holds, with a default for
 * every key. Immutable; read one with {@link EngineSettingsLoader}, start from {@link #defaults()},
 * and let command-line flags win with {@link #withOverrides(Overrides)}.
 *
 * <p>Maps keep the order of the file (runtime classes, registries); lists keep theirs (mirrors are
 * tried in order).
 *
 * @param stateRoot      records, images and snapshots ({@code /var/lib/podlab})
 * @param runRoot        runtime files that do not survive a reboot ({@code /run/podlab})
 * @param socket         the podlab API socket ({@code /run/podlab/podlab.sock})
 * @param cri            the optional CRI v1 socket
 * @param defaultRuntime the runtime class used when a pod names none; a key of {@code runtimeClasses}
 * @param runtimeClasses runtime classes by name (a pod's runtimeClassName)
 * @param registries     insecure registries, mirrors, parallel downloads
 * @param cni            where CNI network configurations and plugin binaries live
 * @param metrics        how often cgroups are sampled and how much history is kept
 * @param cgroupParent   parent cgroup of every pod and container, relative to the hierarchy root
 * @param seccompProfileRoot where pods' {@code seccompProfile: {type: Localhost}} files are looked up (their
 *                       {@code localhostProfile} is relative to it); null means {@code <stateRoot>/seccomp/profiles}
 */
public record EngineSettings(Path stateRoot, Path runRoot, Path socket, Cri cri, String defaultRuntime,
                             Map<String, RuntimeClass> runtimeClasses, Registries registries, Cni cni,
                             Metrics metrics, String cgroupParent, Path seccompProfileRoot) {

    /** Settings with the default seccomp profile root. */
    public EngineSettings(Path stateRoot, Path runRoot, Path socket, Cri cri, String defaultRuntime,
                          Map<String, RuntimeClass> runtimeClasses, Registries registries, Cni cni,
                          Metrics metrics, String cgroupParent) {
        this(stateRoot, runRoot, socket, cri, defaultRuntime, runtimeClasses, registries, cni, metrics, cgroupParent,
                null);
    }

    /** The seccomp profile root under a state root when the settings name none. */
    public static Path defaultSeccompProfileRoot(Path stateRoot) {
        return stateRoot.resolve("seccomp").resolve("profiles");
    }

    public static final Path DEFAULT_STATE_ROOT = Path.of("/var/lib/podlab");
    public static final Path DEFAULT_RUN_ROOT = Path.of("/run/podlab");
    public static final Path DEFAULT_SOCKET = Path.of("/run/podlab/podlab.sock");
    public static final Path DEFAULT_CRI_SOCKET = Path.of("/run/podlab/cri.sock");
    public static final String BUILTIN_RUNTIME = "builtin";
    public static final String DEFAULT_CGROUP_PARENT = "podlab";
    public static final Path DEFAULT_CNI_CONF_DIR = Path.of("/etc/cni/net.d");
    public static final List<Path> DEFAULT_CNI_BIN_DIRS = List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
    public static final Duration DEFAULT_METRICS_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_METRICS_HISTORY = Duration.ofMinutes(10);

    private static final EngineSettings DEFAULTS = new EngineSettings(DEFAULT_STATE_ROOT, DEFAULT_RUN_ROOT,
            DEFAULT_SOCKET, new Cri(false, DEFAULT_CRI_SOCKET), BUILTIN_RUNTIME,
            Map.of(BUILTIN_RUNTIME, new RuntimeClass(BUILTIN_RUNTIME, Map.of())),
            new Registries(RegistryConfig.DEFAULT_PARALLEL_DOWNLOADS, List.of(), Map.of()),
            new Cni(DEFAULT_CNI_CONF_DIR, DEFAULT_CNI_BIN_DIRS),
            new Metrics(DEFAULT_METRICS_INTERVAL, DEFAULT_METRICS_HISTORY), DEFAULT_CGROUP_PARENT);

    /**
     * Checks what the loader cannot get wrong but hand-built settings can, and copies collections.
     * The loader reports each of these with the file position first.
     */
    public EngineSettings {
        Objects.requireNonNull(stateRoot, "stateRoot");
        Objects.requireNonNull(runRoot, "runRoot");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(cri, "cri");
        Objects.requireNonNull(defaultRuntime, "defaultRuntime");
        Objects.requireNonNull(registries, "registries");
        Objects.requireNonNull(cni, "cni");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(cgroupParent, "cgroupParent");
        seccompProfileRoot = seccompProfileRoot != null ? seccompProfileRoot : defaultSeccompProfileRoot(stateRoot);
        runtimeClasses = orderedCopy(runtimeClasses, Function.identity());
        if (!runtimeClasses.containsKey(defaultRuntime)) {
            throw new IllegalArgumentException("defaultRuntime " + defaultRuntime + " is not one of the runtime classes "
                    + runtimeClasses.keySet());
        }
    }

    /** Every setting at its default. */
    public static EngineSettings defaults() {
        return DEFAULTS;
    }

    /** The runtime class named by {@link #defaultRuntime()}. */
    public RuntimeClass defaultRuntimeClass() {
        return runtimeClasses.get(defaultRuntime);
    }

    /** The image package's registry settings: insecure hosts, mirrors in order, parallel downloads. */
    public RegistryConfig registryConfig() {
        return registries.registryConfig();
    }

    /** The container engine's settings: state root and cgroup parent, with the given cgroup driver. */
    public EngineConfig engineConfig(CgroupManager cgroups) {
        return new EngineConfig(stateRoot, cgroups, cgroupParent, runtimeClasses);
    }

    /**
     * These settings with the overrides applied (flags win over the file). Relative override paths
     * resolve against the working directory.
     *
     * @throws ConfigException when an override holds a bad value ("failed to apply overrides:
     *                         registries.insecure[0]: expected a registry name ...")
     */
    public EngineSettings withOverrides(Overrides o) {
        Map<String, List<URI>> mirrors = new LinkedHashMap<>(registries.mirrors());
        Map<String, List<URI>> flagMirrors = new LinkedHashMap<>();
        for (String[] m : o.mirrors) {
            String registry = checked("registries.mirrors", () -> Values.registryName(m[0]));
            String path = "registries.mirrors" + KeyPath.key(registry);
            URI url = checked(path, () -> Values.mirrorUrl(m[1]));
            flagMirrors.computeIfAbsent(registry, k -> new ArrayList<>()).add(url);
        }
        mirrors.putAll(flagMirrors);
        Set<String> insecure = new LinkedHashSet<>(registries.insecure());
        for (int i = 0; i < o.insecure.size(); i++) {
            String host = o.insecure.get(i);
            insecure.add(checked("registries.insecure[" + i + "]", () -> Values.registryName(host)));
        }
        int parallel = o.parallelDownloads == null ? registries.parallelDownloads()
                : checked("registries.parallelDownloads", () -> Values.parallelDownloads(o.parallelDownloads));
        String runtime = o.defaultRuntime == null ? defaultRuntime : o.defaultRuntime;
        if (!runtimeClasses.containsKey(runtime)) {
            throw ConfigException.override("defaultRuntime", "unknown runtime class " + Values.quote(runtime)
                    + " (known: " + String.join(", ", runtimeClasses.keySet()) + ")");
        }
        String parent = o.cgroupParent == null ? cgroupParent
                : checked("cgroupParent", () -> Values.cgroupParent(o.cgroupParent));
        Duration interval = o.metricsInterval == null ? metrics.interval()
                : checked("metrics.interval", () -> Values.metricsInterval(o.metricsInterval));
        Duration history = o.metricsHistory == null ? metrics.history()
                : checked("metrics.history", () -> Values.duration(o.metricsHistory));
        if (history.compareTo(interval) < 0) {
            throw ConfigException.override("metrics.history", "must be at least metrics.interval ("
                    + DurationText.format(interval) + "), got " + DurationText.format(history));
        }
        return new EngineSettings(
                path(o.stateRoot, stateRoot, "stateRoot", false),
                path(o.runRoot, runRoot, "runRoot", false),
                path(o.socket, socket, "socket", true),
                new Cri(o.criEnabled == null ? cri.enabled() : o.criEnabled, path(o.criSocket, cri.socket(), "cri.socket", true),
                        cri.streamingPort()),
                runtime, runtimeClasses,
                new Registries(parallel, List.copyOf(insecure), mirrors),
                cni, new Metrics(interval, history), parent,
                // A default profile root follows a new state root.
                o.stateRoot != null && seccompProfileRoot.equals(defaultSeccompProfileRoot(stateRoot)) ? null
                        : seccompProfileRoot);
    }

    private static Path path(Path override, Path current, String key, boolean socket) {
        if (override == null) {
            return current;
        }
        String abs = override.toAbsolutePath().normalize().toString();
        return checked(key, () -> socket ? Values.socketPath(abs) : Values.absolutePath(abs));
    }

    private static <T> T checked(String keyPath, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (Values.Invalid e) {
            throw ConfigException.override(keyPath, e.getMessage());
        }
    }

    static <V, W> Map<String, W> orderedCopy(Map<String, V> m, Function<V, W> copy) {
        Objects.requireNonNull(m);
        Map<String, W> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(Objects.requireNonNull(k), copy.apply(Objects.requireNonNull(v))));
        return Collections.unmodifiableMap(out);
    }

    /**
     * The CRI v1 socket, served by the engine process when enabled, and the TCP port of its streaming server
     * (exec, port-forward; always on 127.0.0.1; 0 picks a free port).
     */
    public record Cri(boolean enabled, Path socket, int streamingPort) {
        public Cri {
            Objects.requireNonNull(socket, "socket");
            if (streamingPort < 0 || streamingPort > 65535) {
                throw new IllegalArgumentException("cri.streamingPort " + streamingPort + " is not a TCP port");
            }
        }

        /** A streaming server on a free port. */
        public Cri(boolean enabled, Path socket) {
            this(enabled, socket, 0);
        }
    }

    /**
     * One runtime class: the handler (the engine runtime that runs its pods: builtin, or a configured
     * OCI runtime or VM sandbox) and free-form options for that handler.
     */
    public record RuntimeClass(String handler, Map<String, String> options) {
        public RuntimeClass {
            Objects.requireNonNull(handler, "handler");
            options = orderedCopy(options, Function.identity());
        }
    }

    /**
     * Registry settings as written in the file; {@link #registryConfig()} turns them into the image
     * package's {@link RegistryConfig}.
     *
     * @param parallelDownloads layers of one pull that download at the same time
     * @param insecure          registries spoken to over plain HTTP (loopback always is)
     * @param mirrors           per registry, the mirrors tried in order before the registry itself
     */
    public record Registries(int parallelDownloads, List<String> insecure, Map<String, List<URI>> mirrors) {
        public Registries {
            if (parallelDownloads < 1) {
                throw new IllegalArgumentException("parallelDownloads must be at least 1, got " + parallelDownloads);
            }
            insecure = List.copyOf(insecure);
            mirrors = orderedCopy(mirrors, List::copyOf);
        }

        public RegistryConfig registryConfig() {
            RegistryConfig.Builder b = RegistryConfig.builder().parallelDownloads(parallelDownloads);
            insecure.forEach(b::insecure);
            mirrors.forEach((registry, urls) -> b.mirrors(registry, urls.stream().map(URI::toString).toList()));
            return b.build();
        }
    }

    /** Where the CNI network configurations are and where to look for plugin binaries, in order. */
    public record Cni(Path confDir, List<Path> binDirs) {
        public Cni {
            Objects.requireNonNull(confDir, "confDir");
            binDirs = List.copyOf(binDirs);
        }
    }

    /**
     * The metrics sampler: one sample of every pod and container per {@code interval}, keeping
     * {@code history} of them.
     */
    public record Metrics(Duration interval, Duration history) {
        public Metrics {
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(history, "history");
            if (interval.isZero() || interval.isNegative() || history.compareTo(interval) < 0) {
                throw new IllegalArgumentException("metrics need 0 < interval <= history, got interval " + interval
                        + " and history " + history);
            }
        }

        /** How many samples the history holds: history / interval, at least 1. */
        public int historySamples() {
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, history.toMillis() / interval.toMillis()));
        }
    }

    /**
     * Values from command-line flags that win over the file. Unset values keep the file's. Mirrors
     * given for a registry replace the file's mirrors of that registry; insecure registries add to the
     * file's.
     */
    public static final class Overrides {
        private final Path stateRoot;
        private final Path runRoot;
        private final Path socket;
        private final Boolean criEnabled;
        private final Path criSocket;
        private final String defaultRuntime;
        private final String cgroupParent;
        private final Integer parallelDownloads;
        private final List<String> insecure;
        private final List<String[]> mirrors;
        private final String metricsInterval;
        private final String metricsHistory;

        private Overrides(Builder b) {
            stateRoot = b.stateRoot;
            runRoot = b.runRoot;
            socket = b.socket;
            criEnabled = b.criEnabled;
            criSocket = b.criSocket;
            defaultRuntime = b.defaultRuntime;
            cgroupParent = b.cgroupParent;
            parallelDownloads = b.parallelDownloads;
            insecure = List.copyOf(b.insecure);
            mirrors = b.mirrors.stream().map(String[]::clone).toList();
            metricsInterval = b.metricsInterval;
            metricsHistory = b.metricsHistory;
        }

        public static Overrides none() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        /** Fills {@link Overrides}; a null argument leaves the setting as the file has it. */
        public static final class Builder {
            private Path stateRoot;
            private Path runRoot;
            private Path socket;
            private Boolean criEnabled;
            private Path criSocket;
            private String defaultRuntime;
            private String cgroupParent;
            private Integer parallelDownloads;
            private final List<String> insecure = new ArrayList<>();
            private final List<String[]> mirrors = new ArrayList<>();
            private String metricsInterval;
            private String metricsHistory;

            private Builder() {}

            /** {@code --root}. */
            public Builder stateRoot(Path p) {
                this.stateRoot = p;
                return this;
            }

            public Builder runRoot(Path p) {
                this.runRoot = p;
                return this;
            }

            public Builder socket(Path p) {
                this.socket = p;
                return this;
            }

            public Builder criEnabled(Boolean enabled) {
                this.criEnabled = enabled;
                return this;
            }

            public Builder criSocket(Path p) {
                this.criSocket = p;
                return this;
            }

            public Builder defaultRuntime(String name) {
                this.defaultRuntime = name;
                return this;
            }

            public Builder cgroupParent(String parent) {
                this.cgroupParent = parent;
                return this;
            }

            public Builder parallelDownloads(Integer n) {
                this.parallelDownloads = n;
                return this;
            }

            /** {@code --insecure-registry HOST}: adds to the file's insecure registries. */
            public Builder insecure(String registry) {
                insecure.add(Objects.requireNonNull(registry));
                return this;
            }

            /** {@code --mirror REGISTRY=URL}, repeatable; these replace the file's mirrors of REGISTRY. */
            public Builder mirror(String registry, String url) {
                mirrors.add(new String[] {Objects.requireNonNull(registry), Objects.requireNonNull(url)});
                return this;
            }

            /** A duration as the file writes it ("500ms", "2s"). */
            public Builder metricsInterval(String d) {
                this.metricsInterval = d;
                return this;
            }

            /** A duration as the file writes it ("10m", "1h"). */
            public Builder metricsHistory(String d) {
                this.metricsHistory = d;
                return this;
            }

            public Overrides build() {
                return new Overrides(this);
            }
        }
    }
}
