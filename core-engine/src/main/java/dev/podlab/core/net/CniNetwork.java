package dev.podlab.core.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The pod network as the pod controller sees it: picks the network configuration (the first file of the CNI
 * configuration directory by name, as kubelet does, else {@link DefaultNetwork}), brings {@code lo} up with the
 * loopback plugin, and runs the list through a {@link CniRunner}.
 *
 * <p>Where plugins are missing, {@link #setUp} throws {@link CniPluginNotFoundException}; the controller can then
 * call {@link #loopbackOnly} and run the pod with loopback networking only, saying so.
 */
public final class CniNetwork implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CniNetwork.class);
    private static final List<String> EXTENSIONS = List.of(".conflist", ".conf", ".json");
    static final String LOOPBACK_CONFIG = "{\"cniVersion\":\"1.0.0\",\"name\":\"podlab-loopback\",\"type\":\"loopback\"}";

    /**
     * @param confDir        network configurations ({@code /etc/cni/net.d})
     * @param binDirs        plugin directories ({@link CniPlugins#DEFAULT_BIN_DIRS})
     * @param stateRoot      podlab's state root; results are cached in {@code <stateRoot>/cni/results}
     * @param defaultNetwork used when confDir has no valid configuration
     * @param timeout        limit for each plugin run
     */
    public record Settings(Path confDir, List<Path> binDirs, Path stateRoot, DefaultNetwork defaultNetwork, Duration timeout) {
        public Settings {
            binDirs = List.copyOf(binDirs);
        }

        public static Settings defaults(Path stateRoot) {
            return new Settings(dev.podlab.core.config.EngineSettings.DEFAULT_CNI_CONF_DIR, CniPlugins.DEFAULT_BIN_DIRS, stateRoot, DefaultNetwork.PODLAB,
                    CniRunner.DEFAULT_TIMEOUT);
        }
    }

    private final CniPlugins plugins;
    private final CniRunner runner;
    private final CniConfigList loopback;
    private final CniExec exec;
    /** The built-in network's outgoing NAT (one rule for the subnet); null for a user configuration. */
    private final NetworkMasquerade masquerade;

    private CniNetwork(Settings s, CniConfigList list) {
        this.plugins = new CniPlugins(s.binDirs());
        this.runner = CniRunner.open(list, plugins, s.stateRoot(), s.timeout());
        this.loopback = CniConfigList.parse(LOOPBACK_CONFIG.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "built-in loopback");
        this.exec = new CniExec(s.timeout());
        DefaultNetwork d = s.defaultNetwork();
        this.masquerade = list.source().equals(DefaultNetwork.SOURCE)
                ? new NetworkMasquerade(d.name(), d.subnet(), d.ipamDataDir(), s.timeout()) : null;
    }

    /** Chooses the network configuration now; a later change in confDir needs a new instance. */
    public static CniNetwork open(Settings s) {
        return new CniNetwork(s, select(s.confDir(), s.defaultNetwork()));
    }

    /**
     * The network named as the built-in one ({@code podlab} by default): the first valid file in {@code confDir}
     * (by file name; {@code .conflist}, {@code .conf}, {@code .json}) whose {@code name} matches replaces the
     * built-in configuration; without one, the built-in one. Other networks in the directory are left alone:
     * unlike kubelet, podlab shares /etc/cni/net.d with other tools (podman's 87-podman-bridge.conflist), and
     * must not put its pods on their networks. Invalid files are skipped with a warning.
     */
    public static CniConfigList select(Path confDir, DefaultNetwork defaultNetwork) {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(confDir)) {
            try (Stream<Path> s = Files.list(confDir)) {
                s.filter(p -> EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString().endsWith(e)))
                        .filter(Files::isRegularFile).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new CniException("list", "CNI configuration directory " + confDir, e.toString(), e);
            }
        }
        for (Path f : files) {
            try {
                CniConfigList c = CniConfigList.load(f);
                if (c.name().equals(defaultNetwork.name())) {
                    return c;
                }
                LOG.debug("CNI configuration {} is network {}, not {}: not podlab's", f, c.name(), defaultNetwork.name());
            } catch (CniException e) {
                LOG.warn("skipping CNI configuration: {}", e.getMessage());
            }
        }
        return defaultNetwork.conflist();
    }

    /** The built-in network's masquerade rule goes when no pod of the network is left; nothing else to release. */
    @Override
    public void close() {
        if (masquerade != null) {
            masquerade.close();
        }
    }

    /** The network configuration in use. */
    public CniConfigList config() {
        return runner.list();
    }

    public CniRunner runner() {
        return runner;
    }

    /** Plugin types the configuration (or the loopback step) needs that no plugin directory holds; empty when ready. */
    public List<String> missingPlugins() {
        List<String> types = new ArrayList<>(List.of("loopback"));
        types.addAll(config().types());
        return plugins.missing(types);
    }

    /**
     * Brings lo up (loopback plugin, its own invocation) and attaches the pod to the network.
     *
     * @throws CniPluginNotFoundException before any change, when a plugin is missing
     * @throws CniException when a plugin fails (the chain is rolled back)
     */
    public CniResult setUp(PodNetworkRequest r) {
        for (String type : missingPlugins()) {
            throw new CniPluginNotFoundException(type, plugins.binDirs());
        }
        // lo and the pod's interface are separate invocations that touch different links: lo comes up beside the
        // list's ADD rather than before it, one plugin start less on the pod's start path.
        // The built-in network's NAT rule, when the first pod attaches, is set up on the same side thread.
        AtomicReference<RuntimeException> loFailure = new AtomicReference<>();
        Thread lo = Thread.ofVirtual().name("cni-lo-" + r.containerId()).start(() -> {
            try {
                loopbackAdd(r.netns(), r.containerId());
                if (masquerade != null) {
                    masquerade.attach();
                }
            } catch (RuntimeException e) {
                loFailure.set(e);
            }
        });
        CniResult result;
        try {
            result = runner.add(r);
        } catch (RuntimeException e) {
            join(lo);
            if (loFailure.get() != null) {
                e.addSuppressed(loFailure.get());
            }
            throw e;
        }
        join(lo);
        if (loFailure.get() != null) {
            RuntimeException e = loFailure.get();
            try {
                runner.del(r); // the pod's interface came up: take it down again, as a failed ADD would
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        return result;
    }

    private static void join(Thread t) {
        // Uninterruptibly: the plugin it waits for is changing the namespace, and must finish before anyone reads it.
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** CHECK of the pod's network; false when the configuration does not support it. */
    public boolean check(PodNetworkRequest r) {
        return runner.check(r);
    }

    /**
     * Detaches the pod (DEL of the list with the cached result). lo needs no DEL: it disappears with the network
     * namespace.
     */
    public void tearDown(PodNetworkRequest r) {
        runner.del(r); // the built-in network's masquerade rule stays for the next pod (see close)
    }

    /**
     * The fallback for a pod without a network: only {@code lo}, brought up by the loopback plugin when there is
     * one, else directly through the kernel.
     *
     * @return how lo was brought up, for the pod's report
     */
    public String loopbackOnly(Path netns) {
        if (plugins.find("loopback").isPresent()) {
            loopbackAdd(netns, "loopback-only");
            return "loopback plugin";
        }
        NetnsLoopback.up(netns);
        return "kernel (no CNI loopback plugin in " + plugins.binDirs() + ")";
    }

    private void loopbackAdd(Path netns, String containerId) {
        // The plugin protocol without a result cache: nothing needs undoing for lo.
        try {
            exec.run("loopback", plugins.require("loopback"), Map.of(
                    "CNI_COMMAND", "ADD", "CNI_CONTAINERID", containerId, "CNI_NETNS", netns.toString(),
                    "CNI_IFNAME", "lo", "CNI_ARGS", "IgnoreUnknown=1", "CNI_PATH", plugins.cniPath()),
                    CniConfigList.JSON.writeValueAsBytes(CniRunner.pluginConfig(loopback, loopback.plugins().get(0),
                            null, List.of())));
        } catch (PluginFailure f) {
            throw new CniException("bring up", "lo in " + netns, f);
        } catch (IOException e) {
            throw new CniException("bring up", "lo in " + netns, e.toString(), e);
        }
    }
}
