package dev.podlab.core.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.podlab.core.cgroup.CgroupManager;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.runtime.builtin.BuiltinRuntime;
import dev.podlab.core.runtime.builtin.SeccompCache;
import dev.podlab.core.runtime.kvm.KvmOptions;
import dev.podlab.core.runtime.kvm.KvmRuntime;
import dev.podlab.core.runtime.oci.OciCliRuntime;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.state.FileTrees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtimes this engine can run containers on, by name: the configured runtime classes
 * ({@code builtin}, or {@code runc|crun|youki|oci} with option {@code binary}) plus runc, crun
 * and youki found on this host. Whether an OCI runtime works is found out the only sure way,
 * by creating and deleting a trivial container, once per engine (kept in memory) and per
 * binary (kept on disk under {@code <stateRoot>/runtimes/<name>.probe.json}, keyed by the
 * binary's path, size and mtime), so a runtime that refuses this host is reported with its
 * own words instead of failing a pod obscurely.
 */
public final class RuntimeCatalog {
    /** Runtimes looked for on every host, by binary name. */
    public static final List<String> AUTODETECTED = List.of("runc", "crun", "youki");
    /** Handler kinds that drive an OCI runtime binary. */
    public static final List<String> OCI_HANDLERS = List.of("runc", "crun", "youki", "oci");
    private static final List<Path> EXTRA_DIRS = List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"),
            Path.of("/usr/local/bin"));
    private static final Pattern VERSION = Pattern.compile("\\d+(\\.\\d+)+");

    /**
     * One runtime as a user sees it.
     *
     * @param works  whether a trivial container could be created and deleted
     * @param reason why it works or not (the runtime's own words when it refused)
     * @param accelerator what a VM runtime's guests run on ("kvm" or "tcg"); empty for the others
     */
    public record Entry(String name, String handler, Path binary, String version, boolean works, String reason,
                        String accelerator) {
        public Entry(String name, String handler, Path binary, String version, boolean works, String reason) {
            this(name, handler, binary, version, works, reason, "");
        }
    }

    /** Wire form of the on-disk verdict. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ProbeRecord(String binary, long size, long mtime, String version, boolean works, String reason) {}

    private final Path runtimesRoot;
    private final CgroupManager cgroups;
    private final String cgroupParent;
    private final Path shim;
    private final Map<String, RuntimeHandler> handlers;
    private final Map<String, Entry> verdicts = new ConcurrentHashMap<>();

    private RuntimeCatalog(Path runtimesRoot, CgroupManager cgroups, String cgroupParent, Path shim,
                           Map<String, RuntimeHandler> handlers) {
        this.runtimesRoot = runtimesRoot;
        this.cgroups = cgroups;
        this.cgroupParent = cgroupParent;
        this.shim = shim;
        this.handlers = handlers;
    }

    /**
     * Builds the handlers; probes nothing yet.
     *
     * @param classes      runtime classes from the engine settings (a "builtin" one is always there)
     * @param cgroupParent where probe containers get their cgroup
     * @throws RuntimeUnavailableException for a class with an unknown handler or a missing binary option
     */
    public static RuntimeCatalog open(Path stateRoot, Path shim, SeccompCache seccomp, CgroupManager cgroups,
                                      String cgroupParent, Map<String, EngineSettings.RuntimeClass> classes) {
        Path runtimesRoot = stateRoot.resolve("runtimes");
        Map<String, RuntimeHandler> handlers = new LinkedHashMap<>();
        handlers.put(BuiltinRuntime.NAME, new BuiltinRuntime(BuiltinRuntime.NAME, shim, seccomp));
        classes.forEach((name, rc) -> {
            if (rc.handler().equals(BuiltinRuntime.NAME)) {
                handlers.put(name, new BuiltinRuntime(name, shim, seccomp));
            } else if (OCI_HANDLERS.contains(rc.handler())) {
                String bin = rc.options().get("binary");
                if (bin == null && rc.handler().equals("oci")) {
                    throw new RuntimeUnavailableException(name, "failed to configure runtime class " + name
                            + ": handler oci needs the option binary");
                }
                Path binary = bin != null ? Path.of(bin) : find(rc.handler()).orElse(Path.of(rc.handler()));
                handlers.put(name, new OciCliRuntime(name, rc.handler(), binary, runtimesRoot, shim));
            } else if (rc.handler().equals(KvmRuntime.NAME)) {
                handlers.put(name, new KvmRuntime(name, shim, seccomp, stateRoot, cgroups,
                        KvmOptions.parse(name, rc.options())));
            } else {
                throw new RuntimeUnavailableException(name, "failed to configure runtime class " + name
                        + ": unknown handler " + rc.handler() + " (known: builtin, " + String.join(", ", OCI_HANDLERS)
                        + ", kvm)");
            }
        });
        for (String name : AUTODETECTED) {
            if (!handlers.containsKey(name)) {
                find(name).ifPresent(b -> handlers.put(name, new OciCliRuntime(name, name, b, runtimesRoot, shim)));
            }
        }
        // The VM sandbox is offered wherever QEMU is installed; whether it works is its verdict.
        if (!handlers.containsKey(KvmRuntime.NAME) && KvmRuntime.findQemu().isPresent()) {
            handlers.put(KvmRuntime.NAME, new KvmRuntime(KvmRuntime.NAME, shim, seccomp, stateRoot, cgroups,
                    KvmOptions.parse(KvmRuntime.NAME, Map.of())));
        }
        return new RuntimeCatalog(runtimesRoot, cgroups, cgroupParent, shim, handlers);
    }

    /** An executable named {@code name} on PATH or in /usr/sbin, /usr/bin, /usr/local/bin. */
    static Optional<Path> find(String name) {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        dirs.addAll(EXTRA_DIRS);
        return dirs.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst();
    }

    /** Runtime names in registration order (builtin first). */
    public List<String> names() {
        return List.copyOf(handlers.keySet());
    }

    /** The handler of {@code name}, without asking whether it works (for containers that exist already). */
    public RuntimeHandler handler(String name) {
        RuntimeHandler h = handlers.get(name);
        if (h == null) {
            throw new RuntimeUnavailableException(name, "failed to find runtime " + name + ": not configured and not"
                    + " found on this host (known: " + String.join(", ", handlers.keySet()) + ")");
        }
        return h;
    }

    /** The handler of {@code name} when it works on this host; else a typed refusal with the reason. */
    public RuntimeHandler require(String name) {
        RuntimeHandler h = handler(name);
        Entry e = entry(name);
        if (!e.works()) {
            throw new RuntimeUnavailableException(name, "failed to use runtime " + name + ": " + e.reason());
        }
        return h;
    }

    /** Every runtime with its verdict (probing those not probed yet). */
    public List<Entry> entries() {
        return handlers.keySet().stream().map(this::entry).toList();
    }

    /** The verdict on one runtime, probed at most once per catalog and binary. */
    public Entry entry(String name) {
        RuntimeHandler h = handler(name);
        return verdicts.computeIfAbsent(name, n -> probe(h));
    }

    /** Every handler, in registration order (for work that concerns all runtimes, like reaping at start). */
    public List<RuntimeHandler> handlers() {
        return List.copyOf(handlers.values());
    }

    /** The engine is exiting: each runtime closes its connections and leaves its containers running. */
    public void detach() {
        handlers.values().forEach(RuntimeHandler::detach);
    }

    /** The OCI runtime handlers, for cleaning up after containers whose runtime is not known. */
    public List<OciCliRuntime> ociRuntimes() {
        return handlers.values().stream().filter(OciCliRuntime.class::isInstance).map(OciCliRuntime.class::cast)
                .toList();
    }

    private Entry probe(RuntimeHandler h) {
        RuntimeInfo info = h.info();
        if (h instanceof KvmRuntime kvm) {
            KvmRuntime.Verdict v = kvm.verdict();
            return new Entry(info.name(), info.handler(), info.binary(), info.version(), v.works(), v.reason(),
                    v.accel() == null ? "" : v.accel());
        }
        if (!(h instanceof OciCliRuntime oci)) {
            boolean ok = Files.isExecutable(info.binary());
            return new Entry(info.name(), info.handler(), info.binary(), info.version(), ok,
                    ok ? "built in: podlab-shim executes config.json" : "podlab-shim " + info.binary() + " is missing");
        }
        Path bin = oci.binary();
        if (!Files.isExecutable(bin)) {
            return new Entry(info.name(), info.handler(), bin, "unknown", false, "binary " + bin
                    + (Files.exists(bin) ? " is not executable" : " not found"));
        }
        Path cache = runtimesRoot.resolve(info.name() + ".probe.json");
        long size;
        long mtime;
        try {
            size = Files.size(bin);
            mtime = Files.getLastModifiedTime(bin).toMillis();
            if (Files.exists(cache)) {
                ProbeRecord p = ContainerStore.JSON.readValue(cache.toFile(), ProbeRecord.class);
                if (p.binary().equals(bin.toString()) && p.size() == size && p.mtime() == mtime) {
                    return new Entry(info.name(), info.handler(), bin, p.version(), p.works(), p.reason());
                }
            }
        } catch (IOException e) {
            size = -1;
            mtime = -1; // an unreadable cache is probed again
        }
        String version = oci.version();
        String refusal = tryTrivialContainer(oci);
        boolean works = refusal == null;
        String reason = works ? "created and deleted a test container" : explain(bin, version, refusal);
        if (size >= 0) {
            try {
                Files.createDirectories(runtimesRoot);
                AtomicFiles.write(cache, ContainerStore.JSON.writeValueAsBytes(new ProbeRecord(bin.toString(), size,
                        mtime, version, works, reason)), false);
            } catch (IOException e) {
                // Only a cache: the next engine probes again.
            }
        }
        return new Entry(info.name(), info.handler(), bin, version, works, reason);
    }

    /** "crun 1.8.1 refuses hybrid cgroup hosts (...): its words" or "... failed to create a test container: ...". */
    static String explain(Path binary, String versionLine, String said) {
        Matcher m = VERSION.matcher(versionLine);
        String who = binary.getFileName() + (m.find() ? " " + m.group() : "");
        if (said.toLowerCase().contains("hybrid")) {
            return who + " refuses hybrid cgroup hosts (cgroup v1 with a cgroup2 mount): " + said;
        }
        return who + " failed to create a test container: " + said;
    }

    /** Creates and deletes a container running nothing; null when that worked, else why not. */
    private String tryTrivialContainer(OciCliRuntime oci) {
        String rand = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String id = "podlab-probe-" + rand;
        String cgroupPath = cgroupParent + "/probe-" + rand;
        Path bundle = runtimesRoot.resolve("probes").resolve(oci.info().name() + "-" + rand);
        try {
            Path rootfs = bundle.resolve("rootfs");
            Files.createDirectories(rootfs);
            // A static binary, so the rootfs needs nothing else; it is never started.
            Files.copy(shim, rootfs.resolve("probe"), StandardCopyOption.COPY_ATTRIBUTES);
            Map<String, Object> process = new LinkedHashMap<>();
            process.put("terminal", false);
            process.put("user", Map.of("uid", 0, "gid", 0));
            process.put("args", List.of("/probe"));
            process.put("env", List.of("PATH=/"));
            process.put("cwd", "/");
            Map<String, Object> linux = new LinkedHashMap<>();
            linux.put("namespaces", List.of(Map.of("type", "pid"), Map.of("type", "mount"), Map.of("type", "ipc"),
                    Map.of("type", "uts"), Map.of("type", "network")));
            linux.put("cgroupsPath", "/" + cgroupPath);
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("ociVersion", "1.0.2");
            spec.put("process", process);
            spec.put("root", Map.of("path", "rootfs"));
            // The least a runtime insists on: runc closes fds through /proc/self/fd, crun wants mounts.
            spec.put("mounts", List.of(Map.of("destination", "/proc", "type", "proc", "source", "proc")));
            spec.put("linux", linux);
            Files.write(bundle.resolve("config.json"), ContainerStore.JSON.writeValueAsBytes(spec));
            String said = oci.tryCreate(bundle, id);
            if (said == null && Files.exists(oci.stateDir().resolve(id))) {
                return "the test container could not be deleted again";
            }
            return said;
        } catch (IOException e) {
            return "failed to prepare the test container: " + e.getMessage();
        } finally {
            try {
                if (cgroups.exists(cgroupPath)) {
                    cgroups.destroy(cgroups.open(cgroupPath));
                }
            } catch (RuntimeException e) {
                // A probe cgroup the runtime left busy is removed with the cgroup parent.
            }
            try {
                FileTrees.deleteRecursively(bundle);
            } catch (IOException e) {
                // Left under <stateRoot>/runtimes/probes: harmless, and visible.
            }
        }
    }
}
