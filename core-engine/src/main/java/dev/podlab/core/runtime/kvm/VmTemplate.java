package dev.podlab.core.runtime.kvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.image.Digest;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.state.FileTrees;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * VM templates, as Kata's VM factory makes them: a VM booted once to the agent's hello and
 * frozen there ({@code <root>/kvm/templates/<key>/}: {@code memory}, the guest's RAM as a file,
 * and {@code state}, QEMU's device state), from which every later VM of the same shape is
 * restored instead of booted. A restored VM maps {@code memory} private: the kernel, the modules
 * and the agent as they were at the hello stay shared page cache for all of them, and each VM
 * holds only the pages it writes. The key covers everything the frozen guest depends on (QEMU,
 * kernel, initramfs, accelerator, memory size, vCPUs, TSC rate, whether there is a network
 * device), so a template is never restored into a VM it does not fit. A template's files are
 * never changed once published: restored VMs map them.
 */
final class VmTemplate {
    static final String FORMAT = "podlab-vm-template-1";
    /** Templates kept (the most recently used): each holds up to its memory size on disk. */
    static final int KEEP = 6;

    /** A ready template: its files, the agent's hello when it was frozen, and how it was obtained. */
    record Prepared(String key, Path dir, AgentProtocol.Hello hello, boolean reused, String detail) {
        Path memory() {
            return dir.resolve("memory");
        }

        Path state() {
            return dir.resolve("state");
        }

        /** The VM {@code cold} describes, restored from this template instead of booted. */
        VmConfig restoring(VmConfig cold) {
            return new VmConfig(cold.qemu(), cold.kernel(), cold.initramfs(), cold.accel(), cold.memoryMiB(),
                    cold.vcpus(), cold.shareDir(), cold.controlSocket(), cold.consoleLog(), cold.tscKhz(), cold.net(),
                    new VmConfig.Snapshot(memory(), state(), cold.controlSocket().resolveSibling("qmp.sock"), false));
        }
    }

    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();
    /** On both ends of a save and a load: RAM is not in the stream, and QMP says when it ends. */
    static final Map<String, Object> CAPABILITIES = Map.of("capabilities", List.of(
            Map.of("capability", "x-ignore-shared", "state", true), Map.of("capability", "events", "state", true)));

    private VmTemplate() {}

    /** The template's name: a hash over everything the frozen guest depends on. */
    static String key(VmConfig cold) {
        StringBuilder sb = new StringBuilder(FORMAT).append('\n');
        for (Path p : List.of(cold.qemu(), cold.kernel().image(), cold.initramfs())) {
            sb.append(identity(p)).append('\n');
        }
        sb.append(cold.accel()).append(' ').append(cold.memoryMiB()).append("M ").append(cold.vcpus())
                .append(" vcpu tsc=").append(cold.tscKhz()).append(" net=").append(cold.net() != null);
        return Digest.sha256(sb.toString().getBytes(StandardCharsets.UTF_8)).hex().substring(0, 16);
    }

    /** Path, size and mtime (a binary found on PATH is resolved first). */
    private static String identity(Path p) {
        try {
            Path real = p.isAbsolute() ? p.toRealPath() : KvmRuntime.findQemu().orElse(p).toRealPath();
            return real + " " + Files.size(real) + " " + Files.getLastModifiedTime(real).toMillis();
        } catch (IOException e) {
            return p + " (unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * The template for VMs like {@code cold} (its snapshot must be null), built when there is
     * none: a boot to the hello, then QEMU stops the guest and writes its device state, and the
     * files are synced before the template is published by a rename. A failure leaves nothing
     * behind and is a {@link KvmException} (the caller boots instead).
     */
    static Prepared obtain(Path kvmRoot, VmConfig cold, Duration bootTimeout, List<TraceEvent> steps) {
        String key = key(cold);
        Path templates = kvmRoot.resolve("templates");
        Path dir = templates.resolve(key);
        synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
            try {
                Files.createDirectories(templates);
                try (FileChannel lockFile = FileChannel.open(templates.resolve(key + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = lockFile.lock()) {
                    Prepared known = read(key, dir);
                    if (known != null) {
                        Files.setLastModifiedTime(dir.resolve("template.json"), FileTime.fromMillis(
                                System.currentTimeMillis()));
                        return known;
                    }
                    Prepared built = build(key, templates, dir, cold, bootTimeout, steps);
                    prune(templates, key);
                    return built;
                }
            } catch (IOException e) {
                throw new KvmException("failed to prepare VM template " + key + ": " + e.getMessage(), e);
            }
        }
    }

    /** A published template, or null when there is none or it is incomplete (then it is removed). */
    private static Prepared read(String key, Path dir) throws IOException {
        Path json = dir.resolve("template.json");
        if (!Files.isRegularFile(json)) {
            if (Files.exists(dir)) {
                FileTrees.deleteRecursively(dir);
            }
            return null;
        }
        JsonNode t = ContainerStore.JSON.readTree(json.toFile());
        if (!t.path("format").asText().equals(FORMAT) || !Files.isRegularFile(dir.resolve("memory"))
                || !Files.isRegularFile(dir.resolve("state"))) {
            FileTrees.deleteRecursively(dir);
            return null;
        }
        AgentProtocol.Hello hello = AgentProtocol.parseHello(t.path("hello").asText());
        if (hello == null) {
            FileTrees.deleteRecursively(dir);
            return null;
        }
        return new Prepared(key, dir, hello, true, "template " + key + " (built " + t.path("built").asText()
                + " in " + t.path("buildMillis").asLong() + " ms; " + t.path("memoryMiB").asInt() + " MiB, "
                + t.path("vcpus").asInt() + " vCPU" + (t.path("net").asBoolean() ? ", network device" : "") + ")");
    }

    /** Removes a template that failed to restore, so that the next VM builds it anew. */
    static void discard(Prepared t) {
        synchronized (LOCKS.computeIfAbsent(t.key(), k -> new Object())) {
            try {
                FileTrees.deleteRecursively(t.dir());
            } catch (IOException e) {
                // Left for the next prune.
            }
        }
    }

    private static Prepared build(String key, Path templates, Path dir, VmConfig cold, Duration bootTimeout,
                                  List<TraceEvent> steps) throws IOException {
        Path work = templates.resolve(key + ".build-" + ProcessHandle.current().pid());
        if (Files.exists(work)) {
            FileTrees.deleteRecursively(work);
        }
        Files.createDirectories(work.resolve("share"));
        VmConfig cfg = new VmConfig(cold.qemu(), cold.kernel(), cold.initramfs(), cold.accel(), cold.memoryMiB(),
                cold.vcpus(), work.resolve("share"), work.resolve("ctl.sock"), work.resolve("console.log"),
                cold.tscKhz(), cold.net() == null ? null : VmConfig.Net.TEMPLATE,
                new VmConfig.Snapshot(work.resolve("memory"), work.resolve("state"), work.resolve("qmp.sock"), true));
        long wall = TraceEvent.Clock.nowNanos();
        long t0 = System.nanoTime();
        Process qemu = null;
        AgentConnection agent = null;
        try {
            qemu = KvmVm.startQemu(cfg, work);
            // For reapAbandoned, should this engine die before the build ends (QEMU would run on).
            Files.writeString(work.resolve("qemu.pid"), Long.toString(qemu.pid()));
            agent = AgentConnection.connect(cfg.controlSocket(), Duration.ofSeconds(10), "template-" + key);
            AgentProtocol.Hello hello = KvmVm.awaitHello("template-" + key, cfg, work, qemu, agent, bootTimeout);
            long booted = System.nanoTime();
            long stateBytes;
            try (Qmp qmp = Qmp.connect(cfg.snapshot().qmpSocket(), Duration.ofSeconds(10))) {
                qmp.execute("migrate-set-capabilities", CAPABILITIES);
                qmp.execute("stop", Map.of());
                qmp.execute("migrate", Map.of("uri", "exec:cat > " + VmConfig.shellQuoted(work.resolve("state"))));
                stateBytes = qmp.awaitMigration(Duration.ofSeconds(60)).path("ram").path("transferred").asLong();
                try {
                    qmp.execute("quit", Map.of());
                } catch (IOException e) {
                    // QEMU may close the monitor before it answers: it is leaving either way.
                }
            }
            agent.close();
            if (!qemu.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IOException("QEMU did not quit after the snapshot");
            }
            // Published only once on disk: a template half written before a crash would be restored
            // into guests that then run on garbage.
            for (String f : List.of("memory", "state")) {
                try (FileChannel ch = FileChannel.open(work.resolve(f), StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            long done = System.nanoTime();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", FORMAT);
            json.put("key", key);
            json.put("hello", "hello " + hello.protocol() + " " + hello.kernelRelease() + " " + hello.bootMillis()
                    + " " + String.join(",", hello.phases().stream().map(p -> p.name() + "=" + p.millis()).toList()));
            json.put("built", java.time.Instant.now().toString());
            json.put("buildMillis", (done - t0) / 1_000_000);
            json.put("qemu", cold.qemu().toString());
            json.put("kernel", cold.kernel().image().toString());
            json.put("initramfs", cold.initramfs().toString());
            json.put("accel", cold.accel());
            json.put("memoryMiB", cold.memoryMiB());
            json.put("vcpus", cold.vcpus());
            json.put("net", cold.net() != null);
            for (String f : List.of("ctl.sock", "qmp.sock", "qemu.pid")) {
                Files.deleteIfExists(work.resolve(f));
            }
            FileTrees.deleteRecursively(work.resolve("share"));
            AtomicFiles.write(work.resolve("template.json"), ContainerStore.JSON.writeValueAsBytes(json), true);
            Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
            steps.add(new TraceEvent(wall, booted - t0, "kvm", "template boot", "guest kernel "
                    + hello.kernelRelease() + " booted to the agent's hello, once for every VM of this shape ("
                    + cold.memoryMiB() + " MiB, " + cold.vcpus() + " vCPU" + (cold.net() != null ? ", network device"
                    : "") + ")"));
            steps.add(new TraceEvent(wall + (booted - t0), done - booted, "kvm", "template snapshot",
                    "QEMU stopped the guest and wrote " + stateBytes / 1024 + " KiB of device state; RAM stays in "
                            + dir.resolve("memory") + " (synced)"));
            Prepared p = read(key, dir);
            if (p == null) {
                throw new IOException("the published template is incomplete");
            }
            return new Prepared(key, dir, p.hello(), false, p.detail());
        } catch (IOException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            if (qemu != null) {
                KvmVm.killAndReap(qemu.toHandle(), qemu); // this pid only
            }
            FileTrees.deleteRecursively(work);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (qemu != null) {
                KvmVm.killAndReap(qemu.toHandle(), qemu);
            }
            FileTrees.deleteRecursively(work);
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Template builds whose engine is gone (killed mid-build): their QEMU, which runs on without
     * it, is killed by the pid the build recorded (if that pid is still a QEMU serving that build's
     * control socket), and the directory removed. One line per build for the engine's reconcile
     * report.
     */
    static List<String> reapAbandoned(Path kvmRoot) {
        Path templates = kvmRoot.resolve("templates");
        List<String> repaired = new ArrayList<>();
        if (!Files.isDirectory(templates)) {
            return repaired;
        }
        List<Path> builds;
        try (Stream<Path> s = Files.list(templates)) {
            builds = s.filter(p -> p.getFileName().toString().matches(".+\\.build-[0-9]{1,18}")).toList();
        } catch (IOException e) {
            return repaired;
        }
        for (Path build : builds) {
            String name = build.getFileName().toString();
            long engine = Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
            if (ProcessHandle.of(engine).isPresent()) {
                continue; // a live engine's build in progress
            }
            String what = "removed the unfinished template build " + name;
            try {
                long pid = Long.parseLong(Files.readString(build.resolve("qemu.pid")).strip());
                String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
                if (cmdline.contains("qemu") && cmdline.contains(build.resolve("ctl.sock").toString())) {
                    ProcessHandle.of(pid).ifPresent(h -> {
                        h.destroyForcibly(); // this pid only
                        h.onExit().completeOnTimeout(h, 10, java.util.concurrent.TimeUnit.SECONDS).join();
                    });
                    what = "killed QEMU " + pid + " of the unfinished template build " + name + " (its engine, pid "
                            + engine + ", is gone) and removed it";
                }
            } catch (IOException | NumberFormatException e) {
                // No pid recorded, or no such process: nothing runs for it.
            }
            try {
                FileTrees.deleteRecursively(build);
                repaired.add(what);
            } catch (IOException e) {
                repaired.add("could not remove the unfinished template build " + name + ": " + e.getMessage());
            }
        }
        return repaired;
    }

    /**
     * Keeps the {@link #KEEP} most recently used templates whose kernel and initramfs still exist
     * (a new shim build makes a new initramfs, and so new templates), and removes build
     * directories a crashed engine left.
     */
    private static void prune(Path templates, String current) throws IOException {
        reapAbandoned(templates.getParent());
        List<Path> live = new ArrayList<>();
        try (Stream<Path> s = Files.list(templates)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.equals(current) || name.endsWith(".lock")) {
                    continue;
                }
                if (name.contains(".build-")) {
                    continue; // reapAbandoned's
                }
                JsonNode t;
                try {
                    t = ContainerStore.JSON.readTree(p.resolve("template.json").toFile());
                } catch (IOException e) {
                    continue; // being built by another engine, or broken: read() removes it on use
                }
                if (!Files.exists(Path.of(t.path("kernel").asText("/nonexistent")))
                        || !Files.exists(Path.of(t.path("initramfs").asText("/nonexistent")))) {
                    FileTrees.deleteRecursively(p);
                } else {
                    live.add(p);
                }
            }
        }
        live.sort(Comparator.comparing((Path p) -> {
            try {
                return Files.getLastModifiedTime(p.resolve("template.json"));
            } catch (IOException e) {
                return FileTime.fromMillis(0);
            }
        }).reversed());
        for (Path old : live.subList(Math.min(live.size(), KEEP - 1), live.size())) {
            FileTrees.deleteRecursively(old); // its lock file stays: another engine may hold it
        }
    }
}
