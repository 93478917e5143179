package dev.podlab.core.image;

import java.util.regex.Pattern;

/**
 * An image reference in the docker grammar: {@code [registry[:port]/]path[:tag][@digest]},
 * normalised as docker does ({@code busybox} is {@code docker.io/library/busybox:latest}).
 *
 * @param registry   host[:port], e.g. {@code docker.io}, {@code localhost:5000}
 * @param repository path below the registry, e.g. {@code library/busybox}
 * @param tag        null when only a digest was given
 * @param digest     null unless pinned by digest
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*"
                    + "|\\[[a-fA-F0-9:]+\\]");

    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw invalid(text, "it is empty");
        }
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (ImageException e) {
                throw invalid(text, "bad digest \"" + rest.substring(at + 1) + "\"");
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "bad tag \"" + tag + "\" (letters, digits, '_', '.', '-'; at most 128)");
            }
            rest = rest.substring(0, colon);
        }
        if (rest.isEmpty()) {
            throw invalid(text, "no repository name");
        }
        String registry;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (slash > 0 && (first.contains(".") || first.contains(":") || first.equals("localhost")
                || !first.equals(first.toLowerCase()))) {
            registry = first;
            path = rest.substring(slash + 1);
            checkDomain(text, registry);
        } else {
            registry = DOCKER_HUB;
            path = rest;
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw invalid(text, "bad path component \"" + component
                        + "\" (lower-case letters and digits, separated by '.', '_', '__' or '-')");
            }
        }
        if (registry.length() + 1 + path.length() > 255) {
            throw invalid(text, "the name is longer than 255 characters");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(registry, path, tag, digest);
    }

    private static void checkDomain(String text, String registry) {
        String host = registry;
        int portColon = registry.lastIndexOf(':');
        if (portColon > 0 && !registry.endsWith("]")) {
            String port = registry.substring(portColon + 1);
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                throw invalid(text, "bad registry port \"" + port + "\"");
            }
            host = registry.substring(0, portColon);
        }
        if (!DOMAIN.matcher(host).matches()) {
            throw invalid(text, "bad registry host \"" + host + "\"");
        }
    }

    private static ImageException invalid(String text, String why) {
        return new ImageException("failed to parse image reference \"" + text + "\": " + why);
    }

    /** {@code registry/repository} without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The same image by digest (for pulls that resolved a tag). */
    public ImageReference withDigest(Digest d) {
        return new ImageReference(registry, repository, tag, d);
    }

    /** Fully qualified: {@code docker.io/library/busybox:latest}, {@code ...@sha256:...}. */
    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    /** As a user would type it: docker.io and library/ dropped. */
    public String familiar() {
        String n = name();
        if (registry.equals(DOCKER_HUB)) {
            n = repository.startsWith("library/") ? repository.substring(8) : repository;
        }
        return n + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
