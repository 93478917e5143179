package dev.podlab.api;

import dev.podlab.api.v1.Label;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Labels of API messages (repeated {@link Label}s, see podlab.proto) to and from maps. */
public final class Labels {
    private Labels() {}

    public static List<Label> of(Map<String, String> labels) {
        List<Label> out = new ArrayList<>(labels.size());
        labels.forEach((k, v) -> out.add(Label.newBuilder().setKey(k).setValue(v).build()));
        return out;
    }

    /** As a map; a key given twice keeps its last value, as a proto map would. */
    public static Map<String, String> toMap(List<Label> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        labels.forEach(l -> out.put(l.getKey(), l.getValue()));
        return out;
    }

    /** The value of {@code key}, or {@code fallback}. */
    public static String get(List<Label> labels, String key, String fallback) {
        String value = fallback;
        for (Label l : labels) {
            if (l.getKey().equals(key)) {
                value = l.getValue();
            }
        }
        return value;
    }

    public static Label label(String key, String value) {
        return Label.newBuilder().setKey(key).setValue(value).build();
    }
}
