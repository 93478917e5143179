package dev.podlab.core.runtime.kvm;

import dev.podlab.core.state.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the guest's initramfs: podlab-shim as {@code /init} (it becomes the agent as PID 1),
 * the kernel modules the agent loads, in dependency order from {@code modules.dep}, listed in
 * {@code /etc/podlab/modules}, and {@code /dev/console}. Cached under
 * {@code <root>/kvm/initramfs-<hash>.cpio}, the hash taken over the shim binary, the kernel
 * release and each module file (path, size, mtime), so a new shim or kernel makes a new one.
 */
public final class InitramfsBuilder {
    /** What the agent needs: virtio-mmio transport, virtio-serial, 9p over virtio, virtio-net for the pod network. */
    public static final List<String> DEFAULT_MODULES = List.of("virtio_mmio", "virtio_console", "9pnet_virtio", "9p",
            "virtio_net", "virtio_balloon");
    /**
     * When the agent loads the modules a requested one needs that nothing else does: {@code net} only when
     * the VM has a pod network (virtio-net, failover), {@code late} after the hello, at idle priority (the
     * balloon only returns freed memory; ~40 ms of TCG time off the way to a running container).
     * Modules without a tag are loaded before anything else.
     */
    static final Map<String, String> LOAD_WHEN = Map.of("virtio_net", "net", "virtio_balloon", "late");
    private static final String FORMAT = "podlab-initramfs-2";

    /** The archive and whether it was already there. */
    public record Result(Path file, boolean reused, List<String> modules) {}

    private final Path cacheDir;

    /** {@code cacheDir} is {@code <stateRoot>/kvm}. */
    public InitramfsBuilder(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    public Result build(Path shim, GuestKernel kernel, List<String> modules) {
        try {
            // Parsing modules.dep and hashing cost 50-350 ms of every VM boot on a loaded host
            // (./scripts/bench kvm): the answer is remembered while the shim and the file stay.
            String memoKey = cacheDir + " " + shim + " " + Files.size(shim) + " "
                    + Files.getLastModifiedTime(shim).toMillis() + " " + kernel + " " + modules;
            Result known = BUILT.get(memoKey);
            if (known != null && Files.isRegularFile(known.file())) {
                return new Result(known.file(), true, known.modules());
            }
            Result r = buildUncached(shim, kernel, modules);
            BUILT.put(memoKey, r);
            return r;
        } catch (IOException e) {
            throw new KvmException("failed to build initramfs for kernel " + kernel.release() + ": " + e.getMessage(), e);
        }
    }

    private static final java.util.Map<String, Result> BUILT = new java.util.concurrent.ConcurrentHashMap<>();

    private Result buildUncached(Path shim, GuestKernel kernel, List<String> modules) {
        try {
            ModuleDeps deps = ModuleDeps.read(kernel.modules());
            List<Path> files = deps.resolve(modules);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((FORMAT + "\n" + kernel.release() + "\n").getBytes(StandardCharsets.UTF_8));
            md.update(Files.readAllBytes(shim));
            for (Path f : files) {
                md.update((f + " " + Files.size(f) + " " + Files.getLastModifiedTime(f).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            String hash = HexFormat.of().formatHex(md.digest()).substring(0, 16);
            Path target = cacheDir.resolve("initramfs-" + kernel.release() + "-" + hash + ".cpio");
            List<String> names = files.stream().map(InitramfsBuilder::moduleName).toList();
            if (Files.isRegularFile(target)) {
                return new Result(target, true, names);
            }
            var bytes = new ByteArrayOutputStream(8 << 20);
            try (var cpio = new CpioWriter(bytes)) {
                for (String d : List.of("dev", "etc", "etc/podlab", "lib", "lib/modules", "newroot", "proc", "run",
                        "sys", "tmp")) {
                    cpio.directory(d, 0755);
                }
                cpio.charDevice("dev/console", 0600, 5, 1);
                cpio.file("init", 0755, Files.readAllBytes(shim));
                StringBuilder list = new StringBuilder();
                Map<String, String> when = loadWhen(deps, modules);
                for (Path f : files) {
                    String name = "lib/modules/" + moduleName(f) + ".ko";
                    cpio.file(name, 0644, moduleBytes(f));
                    String tag = when.getOrDefault(moduleName(f), "");
                    list.append('/').append(name).append(tag.isEmpty() ? "" : " " + tag).append('\n');
                }
                cpio.file("etc/podlab/modules", 0644, list.toString().getBytes(StandardCharsets.UTF_8));
            }
            Files.createDirectories(cacheDir);
            AtomicFiles.write(target, bytes.toByteArray(), false);
            prune(kernel.release(), target);
            return new Result(target, false, names);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new KvmException("failed to build initramfs for kernel " + kernel.release() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes the other archives for this kernel release (an older shim's: every podlab upgrade makes a new
     * one). QEMU reads the initramfs at start, so a running VM does not need its file any more.
     */
    private void prune(String release, Path keep) {
        String prefix = "initramfs-" + release + "-";
        try (var s = Files.list(cacheDir)) {
            for (Path p : s.filter(x -> x.getFileName().toString().startsWith(prefix)
                    && x.getFileName().toString().endsWith(".cpio") && !x.equals(keep)).toList()) {
                Files.deleteIfExists(p); // a remembered answer naming it is checked against the file
            }
        } catch (IOException e) {
            // Tidiness only: a leftover archive costs disk space, nothing else.
        }
    }

    /**
     * The module files {@link #build} would pack for {@code wanted} (with their dependencies, in load order), for
     * {@code podlab doctor}; throws with the reason when {@code modules.dep} lacks one or cannot be read.
     */
    public static List<Path> moduleFiles(Path modulesDir, List<String> wanted) throws IOException {
        return resolve(modulesDir, wanted);
    }

    /** Whether {@link #build} can unpack this module file ({@code .ko}, {@code .ko.gz}, {@code .ko.xz}, {@code .ko.zst}). */
    public static boolean canUnpack(Path module) {
        return !compression(module).equals("unknown");
    }

    /**
     * The {@link #LOAD_WHEN} tag of each module that only tagged requests need (all with the same tag);
     * modules any untagged request needs are absent (loaded first).
     */
    static Map<String, String> loadWhen(Path modulesDir, List<String> wanted) throws IOException {
        return loadWhen(ModuleDeps.read(modulesDir), wanted);
    }

    private static Map<String, String> loadWhen(ModuleDeps deps, List<String> wanted) throws IOException {
        Map<String, Set<String>> tagsOf = new HashMap<>();
        for (String w : wanted) {
            String tag = LOAD_WHEN.getOrDefault(w.replace('-', '_'), "");
            for (Path f : deps.resolve(List.of(w))) {
                tagsOf.computeIfAbsent(moduleName(f), k -> new LinkedHashSet<>()).add(tag);
            }
        }
        Map<String, String> out = new HashMap<>();
        tagsOf.forEach((module, tags) -> {
            if (tags.size() == 1 && !tags.contains("")) {
                out.put(module, tags.iterator().next());
            }
        });
        return out;
    }

    /** Module files for {@code wanted} and everything they depend on, dependencies first. */
    static List<Path> resolve(Path modulesDir, List<String> wanted) throws IOException {
        return ModuleDeps.read(modulesDir).resolve(wanted);
    }

    /** {@code modules.dep} of one kernel, read once: module name to its path and to its dependencies. */
    private record ModuleDeps(Path dir, Map<String, String> pathOf, Map<String, List<String>> deps) {
        static ModuleDeps read(Path modulesDir) throws IOException {
            Map<String, String> pathOf = new HashMap<>();
            Map<String, List<String>> deps = new HashMap<>();
            for (String line : Files.readAllLines(modulesDir.resolve("modules.dep"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String path = line.substring(0, colon).trim();
                String name = moduleName(Path.of(path));
                pathOf.put(name, path);
                List<String> d = new ArrayList<>();
                for (String dep : line.substring(colon + 1).trim().split("\\s+")) {
                    if (!dep.isEmpty()) {
                        d.add(moduleName(Path.of(dep)));
                    }
                }
                deps.put(name, d);
            }
            return new ModuleDeps(modulesDir, pathOf, deps);
        }

        List<Path> resolve(List<String> wanted) throws IOException {
            Set<String> order = new LinkedHashSet<>();
            for (String w : wanted) {
                visit(w.replace('-', '_'), pathOf, deps, order, new LinkedHashSet<>());
            }
            return order.stream().map(n -> dir.resolve(pathOf.get(n))).toList();
        }
    }

    private static void visit(String name, Map<String, String> pathOf, Map<String, List<String>> deps,
                              Set<String> order, Set<String> path) throws IOException {
        if (order.contains(name)) {
            return;
        }
        if (!pathOf.containsKey(name)) {
            throw new IOException("module " + name + " is not in modules.dep (built into the kernel or missing)");
        }
        if (!path.add(name)) {
            throw new IOException("modules.dep has a dependency cycle through " + name);
        }
        for (String d : deps.get(name)) {
            visit(d, pathOf, deps, order, path);
        }
        order.add(name);
    }

    static String moduleName(Path p) {
        String n = p.getFileName().toString();
        int ko = n.indexOf(".ko");
        return (ko >= 0 ? n.substring(0, ko) : n).replace('-', '_');
    }

    /**
     * The module, uncompressed: the guest loads it without its own decompressor (a guest kernel built without
     * {@code CONFIG_MODULE_DECOMPRESS} could not load {@code .ko.xz} at all, and under TCG it would be slow).
     * Debian 12 ships plain {@code .ko}, Debian 13 {@code .ko.xz}, Ubuntu {@code .ko.zst}.
     */
    private static byte[] moduleBytes(Path f) throws IOException {
        String format = compression(f);
        if (format.isEmpty()) {
            return Files.readAllBytes(f);
        }
        var out = new ByteArrayOutputStream(1 << 20);
        try (InputStream in = Files.newInputStream(f)) {
            Inflater.inflate(format, in, out, "module " + f);
        }
        return out.toByteArray();
    }

    /** The compression of a module file by its name: "" for a plain {@code .ko}, else gzip, xz or zstd. */
    private static String compression(Path module) {
        String n = module.getFileName().toString();
        return n.endsWith(".ko.gz") ? "gzip" : n.endsWith(".ko.xz") ? "xz" : n.endsWith(".ko.zst") ? "zstd"
                : n.endsWith(".ko") ? "" : "unknown";
    }
}
