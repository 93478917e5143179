package dev.podlab.core.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One plugin of a network configuration list: its {@code type} and every other field as the plugin expects them
 * (the runtime only reads {@code type} and {@code capabilities}; the rest belongs to the plugin).
 *
 * @param type   the plugin binary's name, e.g. {@code bridge}
 * @param fields the plugin's configuration object as written (a copy is returned on each access)
 */
public record CniPluginConfig(String type, ObjectNode fields) {

    public CniPluginConfig {
        fields = fields.deepCopy();
    }

    @Override
    public ObjectNode fields() {
        return fields.deepCopy();
    }

    /** The capabilities the plugin declares as true, e.g. {@code portMappings}. */
    public Map<String, Boolean> capabilities() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        JsonNode caps = fields.path("capabilities");
        caps.fieldNames().forEachRemaining(k -> out.put(k, caps.get(k).asBoolean(false)));
        return out;
    }

    public boolean hasCapability(String name) {
        return fields.path("capabilities").path(name).asBoolean(false);
    }
}
