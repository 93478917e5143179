package dev.podlab.core.pod;

import dev.podlab.core.pod.manifest.Container;
import dev.podlab.core.pod.manifest.EnvSource;
import dev.podlab.core.pod.manifest.PodManifest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Values of the downward API (fieldRef, resourceFieldRef) for one pod, once its sandbox exists. */
final class DownwardValues {
    private final PodManifest pod;
    private final String uid;
    private final String podIp;
    private final String nodeName;

    DownwardValues(PodManifest pod, String uid, String podIp, String nodeName) {
        this.pod = pod;
        this.uid = uid;
        this.podIp = podIp;
        this.nodeName = nodeName;
    }

    /** The value of a placeholder; {@code self} is the container a resourceFieldRef without a name means. */
    String value(EnvSource source, Container self) {
        return switch (source) {
            case EnvSource.Literal l -> l.value();
            case EnvSource.FieldRef f -> field(f.fieldPath());
            case EnvSource.ResourceFieldRef r -> resource(r, self);
            default -> throw new PodException("failed to resolve " + source + " for pod " + pod.name()
                    + ": not a downward API source");
        };
    }

    String field(String path) {
        var meta = pod.metadata();
        if (path.startsWith("metadata.labels['") && path.endsWith("']")) {
            return meta.labels().getOrDefault(path.substring(17, path.length() - 2), "");
        }
        if (path.startsWith("metadata.annotations['") && path.endsWith("']")) {
            return meta.annotations().getOrDefault(path.substring(22, path.length() - 2), "");
        }
        return switch (path) {
            case "metadata.name" -> pod.name();
            case "metadata.namespace" -> meta.namespace();
            case "metadata.uid" -> uid;
            case "metadata.labels" -> lines(meta.labels());
            case "metadata.annotations" -> lines(meta.annotations());
            case "spec.nodeName", "status.hostIP" -> path.equals("spec.nodeName") ? nodeName : "127.0.0.1";
            case "spec.serviceAccountName" -> "default";
            case "status.podIP", "status.podIPs" -> podIp;
            default -> throw new PodException("failed to resolve fieldRef " + path + " of pod " + pod.name()
                    + ": podlab does not know this field");
        };
    }

    private static String lines(Map<String, String> m) {
        return new TreeMap<>(m).entrySet().stream().map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                .collect(Collectors.joining("\n"));
    }

    private String resource(EnvSource.ResourceFieldRef r, Container self) {
        Container c = r.containerName() == null || r.containerName().isEmpty() ? self
                : pod.spec().allContainers().stream().filter(x -> x.name().equals(r.containerName())).findFirst()
                .orElseThrow(() -> new PodException("failed to resolve resourceFieldRef of pod " + pod.name()
                        + ": no container " + r.containerName()));
        var res = c.resources();
        BigDecimal divisor = r.divisor() == null ? BigDecimal.ONE : r.divisor().value();
        BigDecimal v = switch (r.resource()) {
            // Unset limits mean "the node's capacity", as kubelet reports it.
            case "limits.cpu" -> res.cpuLimitMillis().isPresent()
                    ? BigDecimal.valueOf(res.cpuLimitMillis().getAsLong(), 3)
                    : BigDecimal.valueOf(Runtime.getRuntime().availableProcessors());
            case "requests.cpu" -> BigDecimal.valueOf(res.cpuRequestMillis().orElse(0), 3);
            case "limits.memory" -> BigDecimal.valueOf(res.memoryLimitBytes().orElse(dev.podlab.core.container.HostInfo.memTotalBytes()));
            case "requests.memory" -> BigDecimal.valueOf(res.memoryRequestBytes().orElse(0));
            default -> throw new PodException("failed to resolve resourceFieldRef " + r.resource() + " of pod "
                    + pod.name() + ": podlab knows limits/requests of cpu and memory");
        };
        return v.divide(divisor, 0, RoundingMode.CEILING).toPlainString();
    }
}
