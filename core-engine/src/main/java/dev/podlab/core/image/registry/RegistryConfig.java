package dev.podlab.core.image.registry;

import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageReference;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How podlab talks to registries: which hosts speak plain HTTP, which mirrors stand in front of a
 * registry, how many layers download at once. Immutable; build it with {@link #builder()} (the
 * engine configuration file fills one).
 *
 * <p>Hosts are registry names as they appear in image references ({@code docker.io},
 * {@code localhost:5000}). {@code localhost}, {@code 127.0.0.0/8} and {@code [::1]} are insecure
 * (plain HTTP) by default; everything else uses HTTPS unless marked insecure.
 */
public final class RegistryConfig {
    public static final int DEFAULT_PARALLEL_DOWNLOADS = 3;
    /** Where docker.io really lives. */
    public static final String DOCKER_HUB_ENDPOINT = "registry-1.docker.io";

    private final Set<String> insecure;
    private final Map<String, List<URI>> mirrors;
    private final int parallelDownloads;
    private final Duration connectTimeout;
    private final Duration requestTimeout;

    private RegistryConfig(Builder b) {
        this.insecure = Set.copyOf(b.insecure);
        Map<String, List<URI>> m = new LinkedHashMap<>();
        b.mirrors.forEach((k, v) -> m.put(k, List.copyOf(v)));
        this.mirrors = Map.copyOf(m);
        this.parallelDownloads = b.parallelDownloads;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
    }

    /** Defaults only: loopback registries over HTTP, no mirrors, 3 parallel downloads. */
    public static RegistryConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change a setting or two. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.insecure.addAll(insecure);
        mirrors.forEach((k, v) -> b.mirrors.put(k, new ArrayList<>(v)));
        b.parallelDownloads = parallelDownloads;
        b.connectTimeout = connectTimeout;
        b.requestTimeout = requestTimeout;
        return b;
    }

    /** True when {@code registry} is spoken to over plain HTTP. */
    public boolean isInsecure(String registry) {
        String host = normalise(registry);
        return insecure.contains(host) || isLoopback(hostOnly(host));
    }

    /** Mirror endpoints tried in order before the registry itself; empty when none. */
    public List<URI> mirrors(String registry) {
        return mirrors.getOrDefault(normalise(registry), List.of());
    }

    /** The registry's own endpoint: {@code https://host[:port]} or {@code http://...} when insecure. */
    public URI endpoint(String registry) {
        String host = normalise(registry);
        String target = host.equals(ImageReference.DOCKER_HUB) ? DOCKER_HUB_ENDPOINT : host;
        return URI.create((isInsecure(host) ? "http://" : "https://") + target);
    }

    /** Every endpoint a pull tries, in order: the mirrors, then the registry. */
    public List<Endpoint> pullEndpoints(String registry) {
        List<Endpoint> out = new ArrayList<>();
        for (URI m : mirrors(registry)) {
            out.add(new Endpoint(m, true));
        }
        out.add(new Endpoint(endpoint(registry), false));
        return List.copyOf(out);
    }

    public int parallelDownloads() {
        return parallelDownloads;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long to wait for the response headers of one request. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    @Override
    public String toString() {
        return "RegistryConfig[insecure=" + insecure + ", mirrors=" + mirrors + ", parallelDownloads="
                + parallelDownloads + "]";
    }

    /** Host names are case-insensitive; index.docker.io and friends are docker.io. */
    static String normalise(String registry) {
        String r = registry.toLowerCase(Locale.ROOT);
        if (r.equals("index.docker.io") || r.equals(DOCKER_HUB_ENDPOINT)) {
            return ImageReference.DOCKER_HUB;
        }
        return r;
    }

    /** {@code host} of {@code host:port}, {@code [::1]} of {@code [::1]:5000}. */
    static String hostOnly(String hostPort) {
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            return close > 0 ? hostPort.substring(0, close + 1) : hostPort;
        }
        int colon = hostPort.lastIndexOf(':');
        return colon > 0 ? hostPort.substring(0, colon) : hostPort;
    }

    /** Loopback by its text alone: never resolves a name. */
    static boolean isLoopback(String host) {
        if (host.equals("localhost") || host.equals("[::1]") || host.equals("::1")) {
            return true;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Fills a {@link RegistryConfig}. */
    public static final class Builder {
        private final Set<String> insecure = new LinkedHashSet<>();
        private final Map<String, List<URI>> mirrors = new LinkedHashMap<>();
        private int parallelDownloads = DEFAULT_PARALLEL_DOWNLOADS;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(60);

        private Builder() {}

        /** Speak plain HTTP to {@code registry} ({@code host} or {@code host:port}). */
        public Builder insecure(String registry) {
            insecure.add(normalise(registry));
            return this;
        }

        /**
         * Adds a mirror for {@code registry}, tried after the mirrors added before it.
         * {@code endpoint} is a URL ({@code http://127.0.0.1:5000}); without a scheme it is HTTPS,
         * or HTTP when the mirror host is loopback or marked insecure.
         */
        public Builder mirror(String registry, String endpoint) {
            URI uri = parseEndpoint(endpoint);
            mirrors.computeIfAbsent(normalise(registry), k -> new ArrayList<>()).add(uri);
            return this;
        }

        /** Replaces the mirrors of {@code registry}. */
        public Builder mirrors(String registry, List<String> endpoints) {
            mirrors.remove(normalise(registry));
            endpoints.forEach(e -> mirror(registry, e));
            return this;
        }

        /** How many layers of one pull download at the same time (at least 1). */
        public Builder parallelDownloads(int n) {
            if (n < 1) {
                throw new ImageException("failed to configure registries: parallel downloads must be at least 1, got " + n);
            }
            this.parallelDownloads = n;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        public RegistryConfig build() {
            return new RegistryConfig(this);
        }

        private URI parseEndpoint(String endpoint) {
            String e = endpoint.strip();
            while (e.endsWith("/")) {
                e = e.substring(0, e.length() - 1);
            }
            if (!e.contains("://")) {
                String host = normalise(e);
                e = (insecure.contains(host) || isLoopback(hostOnly(host)) ? "http://" : "https://") + e;
            }
            URI uri;
            try {
                uri = URI.create(e);
            } catch (IllegalArgumentException ex) {
                throw new ImageException("failed to configure mirror \"" + endpoint + "\": " + ex.getMessage(), ex);
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new ImageException("failed to configure mirror \"" + endpoint
                        + "\": expected http://host[:port] or https://host[:port]");
            }
            return uri;
        }
    }
}
