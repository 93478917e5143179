package dev.podlab.core.net;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A CNI network configuration list ({@code .conflist}), or a single network configuration ({@code .conf}, read as a
 * list of one plugin).
 *
 * @param cniVersion   the spec version the plugins are asked to speak, e.g. {@code 1.0.0}
 * @param name         the network's name, unique on the host (also host-local's IPAM directory name)
 * @param disableCheck true when the list asks runtimes not to run CHECK
 * @param plugins      the plugins, in ADD order
 * @param source       where it came from: a file path, or {@code built-in}
 */
public record CniConfigList(String cniVersion, String name, boolean disableCheck, List<CniPluginConfig> plugins,
                            String source) {

    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Pattern TYPE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    public CniConfigList {
        plugins = List.copyOf(plugins);
    }

    /** Reads a {@code .conflist}, {@code .conf} or {@code .json} file. */
    public static CniConfigList load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CniException("read", "CNI network configuration " + file, e.toString(), e);
        }
        return parse(bytes, file.toString());
    }

    /**
     * Parses either shape: an object with {@code plugins} is a list; one with {@code type} is a single plugin
     * configuration whose {@code name} and {@code cniVersion} become the list's.
     */
    public static CniConfigList parse(byte[] json, String source) {
        String object = "CNI network configuration " + source;
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new CniException("parse", object, e.getOriginalMessage() + where, e);
        } catch (IOException e) {
            throw new CniException("parse", object, e.toString(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CniException("parse", object, "expected a JSON object");
        }
        String version = root.path("cniVersion").asText("");
        String name = root.path("name").asText("");
        if (version.isEmpty()) {
            throw new CniException("parse", object, "cniVersion is missing");
        }
        if (!NAME.matcher(name).matches()) {
            throw new CniException("parse", object, "name \"" + name + "\" is missing or not of [a-zA-Z0-9_.-]");
        }
        List<CniPluginConfig> plugins = new ArrayList<>();
        if (root.has("plugins")) {
            JsonNode list = root.get("plugins");
            if (!list.isArray() || list.isEmpty()) {
                throw new CniException("parse", object, "plugins must be a non-empty array");
            }
            for (int i = 0; i < list.size(); i++) {
                plugins.add(plugin(list.get(i), object, "plugins[" + i + "]"));
            }
        } else if (root.has("type")) {
            ObjectNode single = ((ObjectNode) root).deepCopy();
            single.remove("cniVersion");
            single.remove("name");
            plugins.add(plugin(single, object, "type"));
        } else {
            throw new CniException("parse", object, "neither plugins (a .conflist) nor type (a .conf) is present");
        }
        return new CniConfigList(version, name, root.path("disableCheck").asBoolean(false), plugins, source);
    }

    private static CniPluginConfig plugin(JsonNode p, String object, String where) {
        if (!p.isObject()) {
            throw new CniException("parse", object, where + " is not an object");
        }
        String type = p.path("type").asText("");
        if (!TYPE.matcher(type).matches()) {
            throw new CniException("parse", object, where + ".type \"" + type + "\" is missing or not a plain file name");
        }
        return new CniPluginConfig(type, (ObjectNode) p);
    }

    /** The list as a .conflist document (kept in the result cache so DEL sees the same list after a restart). */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("cniVersion", cniVersion);
        root.put("name", name);
        if (disableCheck) {
            root.put("disableCheck", true);
        }
        ArrayNode list = root.putArray("plugins");
        plugins.forEach(p -> list.add(p.fields()));
        return root;
    }

    /** The plugin types in order, e.g. [bridge, portmap]. */
    public List<String> types() {
        return plugins.stream().map(CniPluginConfig::type).toList();
    }

    /** CHECK exists from spec 0.4.0 on. */
    boolean supportsCheck() {
        String[] v = cniVersion.split("\\.");
        try {
            int major = Integer.parseInt(v[0]);
            int minor = v.length > 1 ? Integer.parseInt(v[1]) : 0;
            return major > 0 || minor >= 4;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
