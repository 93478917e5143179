package dev.podlab.core.config;

import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.registry.RegistryConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The checks on single values, shared by the file loader and the command-line overrides. Each
 * returns the parsed value or throws {@link Invalid} whose message names the expectation and the value
 * ("expected an absolute path, got \"var/lib\""); callers prefix the key path and the position.
 */
final class Values {
    static final String ABSOLUTE_PATH = "expected an absolute path";
    static final String REGISTRY = "expected a registry name host[:port] such as docker.io or localhost:5000";
    static final String MIRROR_URL = "expected an http:// or https:// URL with a host";
    static final String DURATION = "expected a duration such as 500ms, 2s, 10m or 1h";
    static final String POSITIVE_INT = "expected a positive integer";
    static final String BOOLEAN = "expected true or false";
    static final String RUNTIME_CLASS = "expected a runtime class name (lower-case letters, digits, '-' and '.')";
    static final String HANDLER = "expected a handler name (lower-case letters, digits and '-')";
    static final String CGROUP_PARENT = "expected a relative cgroup path such as podlab or system.slice/podlab";
    static final String STRING = "expected a string";
    static final String SCALAR = "expected a string, number or boolean";

    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    static final int MAX_PARALLEL_DOWNLOADS = 64;
    static final Duration MIN_METRICS_INTERVAL = Duration.ofMillis(100);

    private static final String LABEL = "[a-z0-9]([a-z0-9-]*[a-z0-9])?";
    private static final Pattern DNS_LABEL = Pattern.compile(LABEL);
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final Pattern IPV6_BRACKETED = Pattern.compile("\\[[0-9a-f:.]+\\]");
    private static final Pattern CGROUP_SEGMENT = Pattern.compile("[A-Za-z0-9_.@:+-]+");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    private Values() {}

    /** A value that failed its check; the message is complete except for the key path. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static Path absolutePath(String s) {
        Path p;
        try {
            p = Path.of(s);
        } catch (InvalidPathException e) {
            throw new Invalid(ABSOLUTE_PATH + ", got " + quote(s));
        }
        if (!p.isAbsolute()) {
            throw new Invalid(ABSOLUTE_PATH + ", got " + quote(s));
        }
        return p.normalize();
    }

    static Path socketPath(String s) {
        Path p = absolutePath(s);
        int bytes = p.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new Invalid("a unix socket path must be at most " + MAX_SOCKET_PATH_BYTES + " bytes, got " + bytes);
        }
        return p;
    }

    /**
     * A registry name as image references spell it, in the form {@link RegistryConfig} keys it by:
     * lower case, with index.docker.io and registry-1.docker.io folded into docker.io.
     */
    static String registryName(String s) {
        String r = s.toLowerCase(Locale.ROOT);
        String host = r;
        String port = null;
        if (r.startsWith("[")) {
            int close = r.indexOf(']');
            if (close < 0) {
                throw new Invalid(REGISTRY + ", got " + quote(s));
            }
            host = r.substring(0, close + 1);
            String rest = r.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new Invalid(REGISTRY + ", got " + quote(s));
                }
                port = rest.substring(1);
            }
        } else {
            int colon = r.indexOf(':');
            if (colon >= 0) {
                host = r.substring(0, colon);
                port = r.substring(colon + 1);
            }
        }
        boolean hostOk = IPV6_BRACKETED.matcher(host).matches()
                || (host.length() <= 253 && DNS_SUBDOMAIN.matcher(host).matches() && labelsFit(host));
        if (!hostOk || (port != null && !validPort(port))) {
            throw new Invalid(REGISTRY + ", got " + quote(s));
        }
        if (r.equals("index.docker.io") || r.equals(RegistryConfig.DOCKER_HUB_ENDPOINT)) {
            return ImageReference.DOCKER_HUB;
        }
        return r;
    }

    /** An absolute http(s) URL with a host and nothing after the path; trailing slashes dropped. */
    static URI mirrorUrl(String s) {
        String e = s;
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(e);
        } catch (URISyntaxException ex) {
            throw new Invalid(MIRROR_URL + ", got " + quote(s));
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getPort() > 65535) {
            throw new Invalid(MIRROR_URL + ", got " + quote(s));
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new Invalid("a mirror URL takes no user, query or fragment, got " + quote(s));
        }
        return uri;
    }

    static String runtimeClassName(String s) {
        if (s.length() > 253 || !DNS_SUBDOMAIN.matcher(s).matches() || !labelsFit(s)) {
            throw new Invalid(RUNTIME_CLASS + ", got " + quote(s));
        }
        return s;
    }

    static String handler(String s) {
        if (s.length() > 63 || !DNS_LABEL.matcher(s).matches()) {
            throw new Invalid(HANDLER + ", got " + quote(s));
        }
        return s;
    }

    static String cgroupParent(String s) {
        if (s.isEmpty()) {
            throw new Invalid(CGROUP_PARENT + ", got " + quote(s));
        }
        for (String seg : s.split("/", -1)) {
            if (!CGROUP_SEGMENT.matcher(seg).matches() || seg.equals(".") || seg.equals("..")) {
                throw new Invalid(CGROUP_PARENT + ", got " + quote(s));
            }
        }
        return s;
    }

    /** A duration greater than zero. */
    static Duration duration(String s) {
        Duration d;
        try {
            d = DurationText.parse(s);
        } catch (IllegalArgumentException e) {
            throw new Invalid(DURATION + ", got " + quote(s));
        }
        if (d.isZero()) {
            throw new Invalid("must be greater than zero, got " + quote(s));
        }
        return d;
    }

    static Duration metricsInterval(String s) {
        Duration d = duration(s);
        if (d.compareTo(MIN_METRICS_INTERVAL) < 0) {
            throw new Invalid("must be at least " + DurationText.format(MIN_METRICS_INTERVAL) + ", got " + quote(s));
        }
        return d;
    }

    static int parallelDownloads(long n) {
        if (n < 1) {
            throw new Invalid(POSITIVE_INT + ", got " + n);
        }
        if (n > MAX_PARALLEL_DOWNLOADS) {
            throw new Invalid("must be at most " + MAX_PARALLEL_DOWNLOADS + ", got " + n);
        }
        return (int) n;
    }

    static String quote(String s) {
        return Quoting.quote(s);
    }

    private static boolean validPort(String p) {
        return PORT.matcher(p).matches() && Integer.parseInt(p) >= 1 && Integer.parseInt(p) <= 65535;
    }

    private static boolean labelsFit(String name) {
        for (String label : name.split("\\.")) {
            if (label.length() > 63) {
                return false;
            }
        }
        return true;
    }
}
