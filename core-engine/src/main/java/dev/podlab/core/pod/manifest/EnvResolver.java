package dev.podlab.core.pod.manifest;

import dev.podlab.core.PodlabException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A container's environment as Kubernetes builds it, against the ConfigMaps and Secrets of the
 * same file: {@code envFrom} first (in order, each key prefixed; keys that are not valid variable
 * names are skipped, as the kubelet does), then {@code env}, later entries replacing earlier ones
 * of the same name. Literal values have {@code $(NAME)} references to variables defined before them
 * expanded ({@code $$} escapes a dollar); references to unknown names stay as written.
 *
 * <p>{@code fieldRef} and {@code resourceFieldRef} need the running pod (its IP, its limits):
 * they come back as {@link EnvSource.FieldRef} / {@link EnvSource.ResourceFieldRef} placeholders
 * that the pod controller fills; a {@code $(NAME)} naming one stays unexpanded.
 */
public final class EnvResolver {
    private EnvResolver() {}

    /**
     * One variable after resolution: {@code source} is {@link EnvSource.Literal} or one of the
     * two runtime placeholders.
     */
    public record ResolvedEnv(String name, EnvSource source) {
        /** The value if known now. */
        public Optional<String> literal() {
            return source instanceof EnvSource.Literal l ? Optional.of(l.value()) : Optional.empty();
        }
    }

    /**
     * Resolves {@code container}'s environment.
     *
     * @throws PodlabException when a non-optional ConfigMap, Secret or key is missing from
     *     {@code set} (the parser already refuses such files; this guards sets built otherwise)
     */
    public static List<ResolvedEnv> resolve(ManifestSet set, PodManifest pod, Container container) {
        String ns = pod.metadata().namespace();
        Map<String, EnvSource> out = new LinkedHashMap<>();
        for (Container.EnvFrom from : container.envFrom()) {
            Map<String, Bytes> values = whole(set, ns, from, container);
            for (Map.Entry<String, Bytes> e : values.entrySet()) {
                String name = from.prefix() + e.getKey();
                if (Names.isEnvName(name)) {
                    out.remove(name); // a later definition moves to the end, as a map rebuilt in order would
                    out.put(name, new EnvSource.Literal(e.getValue().asString()));
                }
            }
        }
        for (Container.EnvVar v : container.env()) {
            EnvSource resolved = switch (v.source()) {
                case EnvSource.Literal l -> new EnvSource.Literal(expand(l.value(), literals(out)));
                case EnvSource.ConfigMapKeyRef r -> set.configMap(ns, r.name()).map(c -> c.get(r.key()))
                        .<EnvSource>map(b -> new EnvSource.Literal(b.asString()))
                        .orElseGet(() -> missing(r.optional(), "ConfigMap", r.name(), r.key(), container));
                case EnvSource.SecretKeyRef r -> set.secret(ns, r.name()).map(s -> s.data().get(r.key()))
                        .<EnvSource>map(b -> new EnvSource.Literal(b.asString()))
                        .orElseGet(() -> missing(r.optional(), "Secret", r.name(), r.key(), container));
                case EnvSource.FieldRef f -> f;
                case EnvSource.ResourceFieldRef r -> r.containerName().isEmpty()
                        ? new EnvSource.ResourceFieldRef(container.name(), r.resource(), r.divisor()) : r;
            };
            out.remove(v.name());
            if (resolved != null) {
                out.put(v.name(), resolved);
            }
        }
        List<ResolvedEnv> list = new ArrayList<>();
        out.forEach((k, v) -> list.add(new ResolvedEnv(k, v)));
        return List.copyOf(list);
    }

    private static Map<String, Bytes> whole(ManifestSet set, String ns, Container.EnvFrom from, Container c) {
        Optional<Map<String, Bytes>> values = from.kind() == Container.EnvFrom.Kind.SECRET
                ? set.secret(ns, from.name()).map(SecretManifest::data)
                : set.configMap(ns, from.name()).map(EnvResolver::allBytes);
        if (values.isEmpty() && !from.optional()) {
            throw new PodlabException("failed to resolve the environment of container " + c.name() + ": "
                    + (from.kind() == Container.EnvFrom.Kind.SECRET ? "Secret " : "ConfigMap ") + from.name()
                    + " not found");
        }
        return values.orElse(Map.of());
    }

    private static Map<String, Bytes> allBytes(ConfigMapManifest c) {
        Map<String, Bytes> m = new LinkedHashMap<>();
        c.data().forEach((k, v) -> m.put(k, Bytes.utf8(v)));
        m.putAll(c.binaryData());
        return m;
    }

    private static EnvSource missing(boolean optional, String kind, String name, String key, Container c) {
        if (optional) {
            return null; // an optional reference that does not resolve leaves the variable unset
        }
        throw new PodlabException("failed to resolve the environment of container " + c.name() + ": key " + key
                + " of " + kind + " " + name + " not found");
    }

    private static Map<String, String> literals(Map<String, EnvSource> env) {
        Map<String, String> m = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            if (v instanceof EnvSource.Literal l) {
                m.put(k, l.value());
            }
        });
        return m;
    }

    /**
     * Kubernetes' {@code $(NAME)} expansion (used for env values, command and args): {@code $(NAME)}
     * becomes the value of NAME if {@code vars} has it, else stays as written; {@code $$} is one
     * {@code $}; any other {@code $} is kept.
     */
    public static String expand(String input, Map<String, String> vars) {
        StringBuilder b = new StringBuilder(input.length());
        int i = 0;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (c != '$' || i + 1 >= input.length()) {
                b.append(c);
                i++;
                continue;
            }
            char next = input.charAt(i + 1);
            if (next == '$') {
                b.append('$');
                i += 2;
            } else if (next == '(') {
                int close = input.indexOf(')', i + 2);
                if (close < 0) {
                    b.append(input, i, input.length());
                    break;
                }
                String name = input.substring(i + 2, close);
                String value = vars.get(name);
                b.append(value != null ? value : input.substring(i, close + 1));
                i = close + 1;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }
}
