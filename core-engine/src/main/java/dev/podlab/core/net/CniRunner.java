package dev.podlab.core.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podlab.core.state.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one network configuration list for pods, as the CNI 1.0 spec asks of a runtime: ADD runs the plugins in
 * order, each receiving the previous plugin's result as {@code prevResult}; CHECK and DEL hand every plugin the
 * cached ADD result, DEL in reverse order. The ADD result is cached in
 * {@code <stateRoot>/cni/results/<network>-<containerId>-<ifName>.json} (atomically, with the list and the port
 * mappings it was made with), so a DEL after an engine restart still releases the IP and removes port forwards.
 *
 * <p>Plugins that declare a capability podlab supports get it as {@code runtimeConfig}: today
 * {@code portMappings}.
 */
public final class CniRunner {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final String CACHE_KIND = "podlab-cni-result/v1";

    private final CniConfigList list;
    private final CniPlugins plugins;
    private final Path cacheDir;
    private final CniExec exec;

    private CniRunner(CniConfigList list, CniPlugins plugins, Path stateRoot, Duration timeout) {
        this.list = list;
        this.plugins = plugins;
        this.cacheDir = stateRoot.resolve("cni").resolve("results");
        this.exec = new CniExec(timeout);
    }

    /** A runner for {@code list}, caching results under {@code stateRoot}, each plugin run limited to {@code timeout}. */
    public static CniRunner open(CniConfigList list, CniPlugins plugins, Path stateRoot, Duration timeout) {
        return new CniRunner(list, plugins, stateRoot, timeout);
    }

    public static CniRunner open(CniConfigList list, CniPlugins plugins, Path stateRoot) {
        return open(list, plugins, stateRoot, DEFAULT_TIMEOUT);
    }

    public CniConfigList list() {
        return list;
    }

    /**
     * Attaches the pod to the network. On failure the whole chain is deleted again (reverse order, with the last
     * good result), so no interface, address or port forward is left, and the plugin's error is thrown.
     *
     * @throws CniPluginNotFoundException before anything runs, when a plugin is missing
     * @throws CniException "failed to add pod default/web to network podlab: bridge: msg: details"
     */
    public CniResult add(PodNetworkRequest r) {
        requirePlugins(list);
        String object = r.describe() + " to network " + list.name();
        ObjectNode prev = null;
        for (CniPluginConfig plugin : list.plugins()) {
            try {
                byte[] out = invoke("ADD", list, plugin, r, prev, r.portMappings());
                if (out.length > 0 && !new String(out, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
                    prev = parseResult(plugin.type(), out);
                }
            } catch (PluginFailure f) {
                CniException e = new CniException("add", object, f);
                rollback(r, prev, e);
                throw e;
            }
        }
        ObjectNode result = prev != null ? prev : CniConfigList.JSON.createObjectNode().put("cniVersion", list.cniVersion());
        try {
            writeCache(r, result);
        } catch (IOException io) {
            CniException e = new CniException("add", object, "cache result in " + cacheFile(r.containerId(), r.ifName())
                    + ": " + io, io);
            rollback(r, result, e);
            throw e;
        }
        return CniResultJson.read(result);
    }

    /**
     * Asks every plugin whether the pod's network is still as ADD left it. Skipped (returns false) when the list
     * sets {@code disableCheck} or speaks a version before 0.4.0, which has no CHECK.
     *
     * @return true when the check ran and passed
     * @throws CniException when a plugin reports a problem or no ADD result is cached
     */
    public boolean check(PodNetworkRequest r) {
        if (list.disableCheck() || !list.supportsCheck()) {
            return false;
        }
        String object = r.describe() + " in network " + list.name();
        requirePlugins(list);
        ObjectNode cached = readCache(r.containerId(), r.ifName())
                .orElseThrow(() -> new CniException("check", object, "no cached ADD result in "
                        + cacheFile(r.containerId(), r.ifName())));
        ObjectNode result = (ObjectNode) cached.get("result");
        for (CniPluginConfig plugin : list.plugins()) {
            try {
                invoke("CHECK", list, plugin, r, result, r.portMappings());
            } catch (PluginFailure f) {
                throw new CniException("check", object, f);
            }
        }
        return true;
    }

    /**
     * Detaches the pod: every plugin in reverse order with the cached ADD result, even when one fails (the others
     * still release what they hold). Uses the list and port mappings recorded at ADD time when a cache entry
     * exists, so it works after a restart or a configuration change; without one it still runs, without
     * prevResult (plugins must tolerate that). The cache entry is removed only when every plugin succeeded, so a
     * failed DEL can be retried.
     */
    public void del(PodNetworkRequest r) {
        Optional<ObjectNode> cached = readCache(r.containerId(), r.ifName());
        CniConfigList used = cached.map(c -> CniConfigList.parse(bytes(c.get("config")), "cache of " + r.containerId()))
                .filter(c -> c.name().equals(list.name())).orElse(list);
        ObjectNode result = cached.map(c -> (ObjectNode) c.get("result")).orElse(null);
        List<PortMapping> mappings = !r.portMappings().isEmpty() ? r.portMappings()
                : cached.map(c -> readMappings(c.path("portMappings"))).orElse(List.of());
        String object = r.describe() + " from network " + used.name();
        requirePlugins(used);
        List<PluginFailure> failures = delChain(used, r, result, mappings);
        if (!failures.isEmpty()) {
            CniException e = new CniException("delete", object, failures.get(0));
            failures.subList(1, failures.size()).forEach(e::addSuppressed);
            throw e;
        }
        try {
            Files.deleteIfExists(cacheFile(r.containerId(), r.ifName()));
        } catch (IOException io) {
            throw new CniException("delete", object, "remove cached result: " + io, io);
        }
    }

    /** The cached ADD result of a pod's interface, if any. */
    public Optional<CniResult> cachedResult(String containerId, String ifName) {
        return readCache(containerId, ifName).map(c -> CniResultJson.read(c.get("result")));
    }

    /** {@code <stateRoot>/cni/results/<network>-<containerId>-<ifName>.json}. */
    public Path cacheFile(String containerId, String ifName) {
        return cacheDir.resolve(list.name() + "-" + containerId + "-" + ifName + ".json");
    }

    private void rollback(PodNetworkRequest r, ObjectNode lastGood, CniException into) {
        for (PluginFailure f : delChain(list, r, lastGood, r.portMappings())) {
            into.addSuppressed(new CniException("roll back", r.describe() + " in network " + list.name(), f));
        }
    }

    private List<PluginFailure> delChain(CniConfigList l, PodNetworkRequest r, ObjectNode result, List<PortMapping> mappings) {
        List<PluginFailure> failures = new ArrayList<>();
        List<CniPluginConfig> reversed = new ArrayList<>(l.plugins());
        java.util.Collections.reverse(reversed);
        for (CniPluginConfig plugin : reversed) {
            try {
                invoke("DEL", l, plugin, r, result, mappings);
            } catch (PluginFailure f) {
                failures.add(f);
            }
        }
        return failures;
    }

    private void requirePlugins(CniConfigList l) {
        l.plugins().forEach(p -> plugins.require(p.type()));
    }

    private byte[] invoke(String command, CniConfigList l, CniPluginConfig plugin, PodNetworkRequest r,
                          ObjectNode prevResult, List<PortMapping> mappings) throws PluginFailure {
        ObjectNode conf = pluginConfig(l, plugin, prevResult, mappings);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", r.containerId());
        env.put("CNI_NETNS", r.netns().toString());
        env.put("CNI_IFNAME", r.ifName());
        env.put("CNI_ARGS", r.cniArgs());
        env.put("CNI_PATH", plugins.cniPath());
        return exec.run(plugin.type(), plugins.require(plugin.type()), env, bytes(conf));
    }

    /** The plugin's own object with the list's name and version, prevResult and runtimeConfig added. */
    static ObjectNode pluginConfig(CniConfigList l, CniPluginConfig plugin, ObjectNode prevResult, List<PortMapping> mappings) {
        ObjectNode conf = CniConfigList.JSON.createObjectNode();
        conf.put("cniVersion", l.cniVersion());
        conf.put("name", l.name());
        conf.setAll(plugin.fields());
        // The spec has the runtime set these from the list; a plugin's own copy does not win.
        conf.put("cniVersion", l.cniVersion());
        conf.put("name", l.name());
        conf.remove("runtimeConfig");
        if (plugin.hasCapability("portMappings") && !mappings.isEmpty()) {
            conf.putObject("runtimeConfig").set("portMappings", writeMappings(mappings));
        }
        if (prevResult != null) {
            conf.set("prevResult", prevResult);
        }
        return conf;
    }

    private static ObjectNode parseResult(String type, byte[] out) throws PluginFailure {
        try {
            JsonNode n = CniConfigList.JSON.readTree(out);
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new PluginFailure(type, 0, "result is not a JSON object", new String(out, java.nio.charset.StandardCharsets.UTF_8).strip());
    }

    private void writeCache(PodNetworkRequest r, ObjectNode result) throws IOException {
        ObjectNode c = CniConfigList.JSON.createObjectNode();
        c.put("kind", CACHE_KIND);
        c.put("containerId", r.containerId());
        c.put("ifName", r.ifName());
        c.put("netns", r.netns().toString());
        c.put("cniArgs", r.cniArgs());
        c.set("portMappings", writeMappings(r.portMappings()));
        c.set("config", list.toJson());
        c.set("result", result);
        Files.createDirectories(cacheDir);
        // Durable: host-local's IP leases outlive a reboot, and this is what lets a later DEL release them.
        AtomicFiles.write(cacheFile(r.containerId(), r.ifName()), CniConfigList.JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(c), true);
    }

    private Optional<ObjectNode> readCache(String containerId, String ifName) {
        Path f = cacheFile(containerId, ifName);
        try {
            JsonNode n = CniConfigList.JSON.readTree(Files.readAllBytes(f));
            if (n instanceof ObjectNode o && CACHE_KIND.equals(o.path("kind").asText()) && o.get("result") instanceof ObjectNode
                    && o.get("config") instanceof ObjectNode) {
                return Optional.of(o);
            }
            throw new CniException("read", "cached CNI result " + f, "not a " + CACHE_KIND + " document");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CniException("read", "cached CNI result " + f, e.toString(), e);
        }
    }

    static ArrayNode writeMappings(List<PortMapping> mappings) {
        ArrayNode a = CniConfigList.JSON.createArrayNode();
        for (PortMapping m : mappings) {
            ObjectNode o = a.addObject();
            o.put("hostPort", m.hostPort());
            o.put("containerPort", m.containerPort());
            o.put("protocol", m.protocol());
            if (m.hostIp() != null) {
                o.put("hostIP", m.hostIp());
            }
        }
        return a;
    }

    private static List<PortMapping> readMappings(JsonNode a) {
        List<PortMapping> out = new ArrayList<>();
        for (JsonNode o : a) {
            out.add(new PortMapping(o.path("hostPort").asInt(), o.path("containerPort").asInt(),
                    o.path("protocol").asText("tcp"), o.path("hostIP").asText(null)));
        }
        return out;
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return CniConfigList.JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
