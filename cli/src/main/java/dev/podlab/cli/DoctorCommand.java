package dev.podlab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.podlab.core.PodlabException;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.host.Check;
import dev.podlab.core.host.DoctorContext;
import dev.podlab.core.host.HostDoctor;
import dev.podlab.core.host.HostProbe;
import dev.podlab.core.host.LinuxHostProbe;
import dev.podlab.core.runtime.builtin.SeccompCache;
import dev.podlab.core.runtime.builtin.ShimBinary;
import dev.podlab.core.runtime.kvm.Accelerator;
import dev.podlab.core.runtime.kvm.KvmOptions;
import dev.podlab.core.runtime.kvm.KvmRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code podlab doctor}: what this host has and lacks, with a fix per missing piece. Does not open the engine. */
@Command(name = "doctor", description = "Check this host: kernel, namespaces, cgroups, runtimes, CNI, disk... "
        + "Exits 1 when a check fails.")
final class DoctorCommand implements Callable<Integer> {

    enum Format { text, json }

    @Mixin
    EngineOptions engine;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--probe-kvm", description = "Boot a test VM under KVM now (bounded) and cache the verdict the "
            + "kvm runtime uses, replacing the cached one. Without it doctor only reads the cached verdict.")
    boolean probeKvm;

    /** The probe; tests may replace it. */
    HostProbe probe = new LinuxHostProbe();

    @Override
    public Integer call() throws JsonProcessingException {
        List<Check> checks = new ArrayList<>();
        EngineSettings settings;
        try {
            settings = engine.settings();
        } catch (PodlabException e) {
            checks.add(new Check("config", "engine configuration", Check.Status.FAIL,
                    "cannot read the configuration: " + Main.oneLine(e) + " (checked with the defaults)",
                    "fix the file given by --config / $PODLAB_CONFIG / /etc/podlab/podlab.yaml"));
            settings = EngineSettings.defaults();
        }
        if (probeKvm) {
            probeKvm(settings).ifPresent(checks::add);
        }
        checks.addAll(HostDoctor.run(probe, context(settings)));
        checks.addAll(sockets(settings));
        System.out.print(format == Format.json ? json(checks) : text(checks));
        System.out.flush();
        return HostDoctor.healthy(checks) ? 0 : 1;
    }

    /**
     * The kvm runtime's own bounded test boot, run afresh: the cached verdict is removed first so the runtime
     * probes again and caches the new one, which the kvm check then reports. Empty when it ran; a check when not.
     */
    static Optional<Check> probeKvm(EngineSettings settings) {
        Path root = settings.stateRoot();
        Map<String, String> options = new LinkedHashMap<>(kvmClass(settings).map(EngineSettings.RuntimeClass::options)
                .orElse(Map.of()));
        options.put("accel", "auto"); // a class pinned to kvm or tcg would skip the probe
        try {
            Files.deleteIfExists(Accelerator.cacheFile(root));
            Path shim = ShimBinary.locate(root);
            KvmRuntime kvm = new KvmRuntime(KvmRuntime.NAME, shim, SeccompCache.forShim(root, shim), root,
                    CgroupManagers.host(), KvmOptions.parse(KvmRuntime.NAME, options));
            KvmRuntime.Verdict v = kvm.verdict();
            return v.works() ? Optional.empty() : Optional.of(new Check("kvm.probe", "KVM test boot",
                    Check.Status.WARN, "not run: " + v.reason(), "fix what it names, then run podlab doctor --probe-kvm again"));
        } catch (IOException | PodlabException e) {
            return Optional.of(new Check("kvm.probe", "KVM test boot", Check.Status.WARN, "failed to probe KVM: "
                    + Main.oneLine(e), ""));
        }
    }

    /** The first runtime class served by the kvm handler, whose options (kernel, qemu) the probe and checks use. */
    private static Optional<EngineSettings.RuntimeClass> kvmClass(EngineSettings settings) {
        return settings.runtimeClasses() == null ? Optional.empty() : settings.runtimeClasses().values().stream()
                .filter(rc -> rc.handler().equals(KvmRuntime.NAME)).findFirst();
    }

    /** The engine service and the CRI socket: who answers, and with which permissions. Never starts an engine. */
    static List<Check> sockets(EngineSettings settings) {
        List<Check> out = new ArrayList<>();
        java.nio.file.Path socket = settings.socket();
        if (!java.nio.file.Files.exists(socket)) {
            out.add(new Check("engine", "engine service", Check.Status.INFO, "not running (no " + socket
                    + "); any podlab command starts it", "podlab engine runs it in the foreground; the .deb has a "
                    + "systemd unit (systemctl enable --now podlab-engine)"));
        } else {
            try (var client = dev.podlab.api.client.PodlabClient.connect(socket)) {
                var v = client.ping(java.time.Duration.ofSeconds(2));
                out.add(v == null
                        ? new Check("engine", "engine service", Check.Status.WARN, socket + " exists but nothing answers"
                                + " (a crashed engine leaves it; the next one replaces it)", "podlab engine")
                        : new Check("engine", "engine service", Check.Status.OK, "podlab " + v.getVersion() + ", pid "
                                + v.getPid() + ", state root " + v.getStateRoot() + ", on " + socket + mode(socket), ""));
            }
        }
        java.nio.file.Path cri = settings.cri().socket();
        if (java.nio.file.Files.exists(cri) && !listening(cri)) {
            out.add(new Check("cri", "CRI socket", Check.Status.WARN, cri + " exists but nothing listens on it (an "
                    + "engine that stopped leaves it; the next one with --cri replaces it)",
                    "podlab engine --cri, or systemctl restart podlab-engine with the CRI drop-in"));
        } else if (java.nio.file.Files.exists(cri)) {
            String mode = mode(cri);
            out.add(new Check("cri", "CRI socket", mode.contains("rw-------") ? Check.Status.OK : Check.Status.WARN,
                    cri + mode, mode.contains("rw-------") ? "" : "the CRI socket should be 0600 (root only)"));
        } else {
            out.add(new Check("cri", "CRI socket", Check.Status.INFO, "not served (" + cri + ")",
                    "podlab engine --cri, or cri.enabled: true in the configuration, for a kubelet or crictl"));
        }
        return out;
    }

    /** Whether something accepts connections on a UNIX socket (connect, then close at once: no request sent). */
    static boolean listening(Path socket) {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            return ch.connect(java.net.UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String mode(java.nio.file.Path p) {
        try {
            return " (mode " + java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(p)) + ")";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static DoctorContext context(EngineSettings settings) {
        Set<String> runtimes = new LinkedHashSet<>(DoctorContext.DEFAULT_OCI_RUNTIMES);
        if (settings.runtimeClasses() != null) {
            settings.runtimeClasses().values().forEach(rc -> {
                String h = rc.handler();
                if (h.matches("[A-Za-z0-9._-]+") && !h.equals("builtin")) {
                    runtimes.add(h);
                }
            });
        }
        Path kernel = kvmClass(settings).map(rc -> rc.options().get("kernel")).map(Path::of).orElse(null);
        DoctorContext.Guest g = DoctorContext.Guest.DEFAULT;
        return new DoctorContext(settings.stateRoot(), settings.cni().confDir(), settings.cni().binDirs(),
                List.copyOf(runtimes), new DoctorContext.Guest(g.bootDir(), g.modulesDir(), kernel));
    }

    /** The checklist: a mark per line, the title and detail, then an indented fix line where there is one. */
    static String text(List<Check> checks) {
        StringBuilder sb = new StringBuilder();
        for (Check c : checks) {
            sb.append('[').append(mark(c.status())).append("] ").append(c.title()).append(": ").append(c.detail())
                    .append('\n');
            if (!c.fix().isEmpty()) {
                sb.append("       fix: ").append(c.fix()).append('\n');
            }
        }
        long fail = count(checks, Check.Status.FAIL);
        long warn = count(checks, Check.Status.WARN);
        sb.append('\n').append(checks.size()).append(" checks: ").append(fail).append(" failed, ").append(warn)
                .append(" warnings").append(fail == 0 ? " - podlab can run here" : " - fix the FAIL lines first")
                .append('\n');
        return sb.toString();
    }

    static String mark(Check.Status s) {
        return switch (s) {
            case OK -> "ok  ";
            case WARN -> "warn";
            case FAIL -> "FAIL";
            case INFO -> "info";
        };
    }

    static String json(List<Check> checks) throws JsonProcessingException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(checks) + "\n";
    }

    private static long count(List<Check> checks, Check.Status s) {
        return checks.stream().filter(c -> c.status() == s).count();
    }
}
