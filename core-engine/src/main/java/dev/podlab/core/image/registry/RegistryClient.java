package dev.podlab.core.image.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.PodlabException;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.image.oci.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A client of the Docker Registry HTTP API v2 / OCI distribution API: resolves references,
 * fetches manifests and blobs (through mirrors when configured), and pulls images into an
 * {@link ImageStore}. Thread-safe; one instance per engine shares its token cache and
 * connections. Registry names are never resolved unless a request really goes to them.
 */
public final class RegistryClient implements AutoCloseable {
    /** Manifests and indexes larger than this are refused (the distribution reference implementation's limit). */
    static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final RegistryConfig config;
    private final RegistryTransport transport;

    public RegistryClient(RegistryConfig config, Credentials credentials) {
        this.config = config;
        this.transport = new RegistryTransport(config, credentials);
    }

    public RegistryConfig config() {
        return config;
    }

    /**
     * What {@code GET /v2/} said.
     *
     * @param authScheme "bearer" or "basic" when the registry wants authentication, else null
     */
    public record Ping(URI url, int status, String authScheme) {
        public boolean authRequired() {
            return status == 401;
        }
    }

    /** {@code GET /v2/} on the registry itself (not its mirrors): 200 or 401 prove it speaks API v2. */
    public Ping ping(String registry) {
        Endpoint ep = new Endpoint(config.endpoint(registry), false);
        URI url = ep.resolve("/v2/");
        try (RegistryTransport.Response r = transport.send(new RegistryTransport.Request(ep, registry, "GET", "/v2/",
                null, Map.of(), null))) {
            if (r.status() == 200) {
                return new Ping(url, 200, null);
            }
            if (r.status() == 401) {
                List<AuthChallenge> cs = AuthChallenge.parse(r.headers().allValues("WWW-Authenticate"));
                return new Ping(url, 401, cs.isEmpty() ? null : cs.get(0).scheme());
            }
            throw new RegistryException("failed to ping registry " + registry + " at " + url + ": " + r.describeError(),
                    r.status(), url, null);
        } catch (IOException e) {
            throw new RegistryException("failed to ping registry " + registry + " at " + url + ": connection failed: "
                    + describeIo(e), 0, url, e);
        } catch (InterruptedException e) {
            throw interrupted("ping registry " + registry, e);
        }
    }

    /**
     * Checks that {@code credential} lets us in to {@code registry} ({@code podlab login} calls this
     * before {@link CredentialStore#save}). A registry that needs no authentication accepts anything.
     */
    public void login(String registry, Credential credential) {
        Endpoint ep = new Endpoint(config.endpoint(registry), false);
        URI url = ep.resolve("/v2/");
        try (RegistryTransport.Response r = transport.send(new RegistryTransport.Request(ep, registry, "GET", "/v2/",
                null, Map.of(), credential))) {
            if (r.status() != 200) {
                throw new RegistryException("failed to log in to " + registry + " at " + url + ": " + r.describeError(),
                        r.status(), url, null);
            }
        } catch (IOException e) {
            throw new RegistryException("failed to log in to " + registry + " at " + url + ": connection failed: "
                    + describeIo(e), 0, url, e);
        } catch (InterruptedException e) {
            throw interrupted("log in to " + registry, e);
        } catch (RegistryException e) {
            throw e;
        } catch (ImageException e) {
            throw new ImageException("failed to log in to " + registry + ": " + e.getMessage(), e);
        }
    }

    /**
     * The descriptor {@code ref} points at (a manifest or an index), without fetching any blob:
     * {@code HEAD} on the manifest, falling back to {@code GET} when the registry does not say the digest.
     */
    public Descriptor resolve(ImageReference ref) {
        String reference = referenceOf(ref);
        String what = "manifest " + ref;
        return onEndpoints(ref, "resolve", what, ep -> {
            URI url = ep.resolve(manifestPath(ref, reference));
            try (RegistryTransport.Response r = send(ep, ref, "HEAD", manifestPath(ref, reference),
                    Map.of("Accept", MediaTypes.acceptManifests()))) {
                Optional<String> digest = r.header("Docker-Content-Digest");
                Optional<String> length = r.header("Content-Length");
                if (r.status() == 200 && digest.isPresent() && length.isPresent()) {
                    Digest d = Digest.parse(digest.get().strip());
                    if (ref.digest() != null && !ref.digest().equals(d)) {
                        throw new Attempt(url, 0, "digest mismatch: the registry says " + d + " for " + ref.digest(), null);
                    }
                    String type = mediaTypeHeader(r).orElse(null);
                    if (type != null && !MediaTypes.INDEXES.contains(type) && !MediaTypes.MANIFESTS.contains(type)) {
                        throw new Attempt(url, 0, unknownManifestType(type), null);
                    }
                    if (type != null && length.get().strip().matches("[0-9]{1,18}")) {
                        return Descriptor.of(type, d, Long.parseLong(length.get().strip()));
                    }
                } else if (r.status() != 200 && r.status() != 405) {
                    // HEAD has no body: the status says it all.
                    throw new Attempt(url, r.status(), RegistryErrors.describe(r.status(), null)
                            + (r.authNote() != null ? " (" + r.authNote() + ")" : ""), null);
                }
            }
            return fetchManifestFrom(ep, ref, reference, PullListener.NONE).descriptor();
        }, PullListener.NONE);
    }

    /**
     * Pulls {@code ref} for {@code platform} into {@code store} and names it {@code ref} there.
     * Layers already in the store are not downloaded again; the others download in parallel
     * (at most {@link RegistryConfig#parallelDownloads()} at once). Blobs are stored verified
     * and the manifest only after its blobs, and the name only after everything: a failed pull
     * tags nothing.
     *
     * @throws ImageException (a {@link RegistryException} for HTTP errors) saying what failed where
     */
    public ImageRecord pull(ImageReference ref, Platform platform, ImageStore store, PullListener listener) {
        return new ImagePull(this, ref, platform, store, listener == null ? PullListener.NONE : listener).run();
    }

    @Override
    public void close() {
        transport.close();
    }

    // ---- shared with ImagePull ----

    /** The exact bytes of a manifest or index, where they came from, and what they are. */
    record FetchedManifest(Descriptor descriptor, byte[] bytes, Endpoint endpoint, URI url) {}

    FetchedManifest fetchManifest(ImageReference ref, String reference, PullListener listener) {
        return onEndpoints(ref, "fetch", "manifest " + ref.name() + (reference.contains(":") ? "@" : ":") + reference,
                ep -> fetchManifestFrom(ep, ref, reference, listener), listener);
    }

    private FetchedManifest fetchManifestFrom(Endpoint ep, ImageReference ref, String reference, PullListener listener)
            throws Attempt, IOException, InterruptedException {
        String path = manifestPath(ref, reference);
        URI url = ep.resolve(path);
        try (RegistryTransport.Response r = send(ep, ref, "GET", path, Map.of("Accept", MediaTypes.acceptManifests()))) {
            if (r.status() != 200) {
                throw new Attempt(url, r.status(), r.describeError(), null);
            }
            byte[] bytes;
            try (InputStream in = r.body()) {
                bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            }
            if (bytes.length > MAX_MANIFEST_BYTES) {
                throw new Attempt(url, 0, "manifest larger than " + MAX_MANIFEST_BYTES + " bytes", null);
            }
            Digest expected = digestOrNull(reference);
            Digest got = hash(expected != null ? expected.algorithm() : "sha256", bytes);
            if (expected != null && !expected.equals(got)) {
                throw new Attempt(url, 0, "digest mismatch: asked for " + expected + ", the content hashes to " + got, null);
            }
            Optional<String> said = r.header("Docker-Content-Digest");
            if (expected == null && said.isPresent()) {
                Digest claimed = parseDigestHeader(url, said.get());
                if (claimed.algorithm().equals("sha256") && !claimed.equals(got)) {
                    throw new Attempt(url, 0, "digest mismatch: the registry says " + claimed
                            + ", the content hashes to " + got, null);
                }
            }
            String type = manifestMediaType(url, mediaTypeHeader(r).orElse(null), bytes);
            emit(listener, new PullEvent.EndpointUsed("manifest " + ref.name() + (expected != null ? "@" : ":") + reference,
                    url, ep));
            return new FetchedManifest(Descriptor.of(type, got, bytes.length), bytes, ep, url);
        }
    }

    /** Opens a blob body; the caller closes it. Non-200 answers become {@link Attempt}s. */
    RegistryTransport.Response openBlob(Endpoint ep, ImageReference ref, Digest digest)
            throws Attempt, InterruptedException {
        String path = "/v2/" + ref.repository() + "/blobs/" + digest;
        RegistryTransport.Response r = send(ep, ref, "GET", path, Map.of());
        if (r.status() != 200) {
            String d = r.describeError();
            r.close();
            throw new Attempt(ep.resolve(path), r.status(), d, null);
        }
        return r;
    }

    private RegistryTransport.Response send(Endpoint ep, ImageReference ref, String method, String path,
                                            Map<String, String> headers) throws Attempt, InterruptedException {
        String credentialHost = ep.mirror() ? ep.authority() : ref.registry();
        try {
            return transport.send(new RegistryTransport.Request(ep, credentialHost, method, path,
                    "repository:" + ref.repository() + ":pull", headers, null));
        } catch (IOException e) {
            throw new Attempt(ep.resolve(path), 0, "connection failed: " + describeIo(e), e);
        }
    }

    /** The most telling message in an I/O error's chain ("Connection refused", not "ConnectException"). */
    static String describeIo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
            if (t.getCause() == null || t.getCause() == t) {
                break;
            }
        }
        return e.getClass().getSimpleName();
    }

    /** One attempt at one endpoint failed; the next endpoint may do better. */
    static final class Attempt extends Exception {
        final URI url;
        final int status;

        Attempt(URI url, int status, String message, Throwable cause) {
            super(message, cause, false, false);
            this.url = url;
            this.status = status;
        }

        String line() {
            return url + ": " + getMessage();
        }
    }

    @FunctionalInterface
    interface EndpointCall<T> {
        T call(Endpoint ep) throws Attempt, IOException, InterruptedException;
    }

    /**
     * Runs {@code call} on the mirrors, then the registry, until one succeeds. Any failure of a
     * mirror (connection, 404, 5xx, refused authentication, bad content) falls through to the next
     * endpoint with an {@link PullEvent.EndpointFailed}; the failure of the last one is the error,
     * listing every attempt.
     */
    <T> T onEndpoints(ImageReference ref, String action, String what, EndpointCall<T> call, PullListener listener) {
        List<Endpoint> endpoints = config.pullEndpoints(ref.registry());
        List<Attempt> failures = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint ep = endpoints.get(i);
            Attempt failure;
            try {
                return call.call(ep);
            } catch (Attempt a) {
                failure = a;
            } catch (IOException e) {
                failure = new Attempt(ep.base(), 0, "connection failed: " + describeIo(e), e);
            } catch (InterruptedException e) {
                throw interrupted(action + " " + what, e);
            } catch (ImageException e) {
                failure = new Attempt(ep.base(), 0, e.getMessage(), e);
            }
            failures.add(failure);
            if (i + 1 < endpoints.size()) {
                emit(listener, new PullEvent.EndpointFailed(what, failure.url, ep, failure.getMessage()));
            }
        }
        throw failed(action, what, failures);
    }

    static RegistryException failed(String action, String what, List<Attempt> failures) {
        Attempt last = failures.get(failures.size() - 1);
        String msg;
        if (failures.size() == 1) {
            msg = "failed to " + action + " " + what + " from " + last.url + ": " + last.getMessage();
        } else {
            List<String> lines = new ArrayList<>();
            failures.forEach(f -> lines.add(f.line()));
            msg = "failed to " + action + " " + what + ": tried " + String.join("; ", lines);
        }
        return new RegistryException(msg, last.status, last.url, last.getCause());
    }

    static ImageException interrupted(String action, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new ImageException("failed to " + action + ": interrupted", e);
    }

    static void emit(PullListener listener, PullEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            // A listener (a progress bar, a trace) must not break the pull it watches.
        }
    }

    static String referenceOf(ImageReference ref) {
        return ref.digest() != null ? ref.digest().toString() : ref.tag();
    }

    private static String manifestPath(ImageReference ref, String reference) {
        return "/v2/" + ref.repository() + "/manifests/" + reference;
    }

    private static Digest digestOrNull(String reference) {
        return reference.contains(":") ? Digest.parse(reference) : null;
    }

    private static Digest parseDigestHeader(URI url, String value) throws Attempt {
        try {
            return Digest.parse(value.strip());
        } catch (ImageException e) {
            throw new Attempt(url, 0, "bad Docker-Content-Digest header \"" + value + "\"", e);
        }
    }

    static Digest hash(String algorithm, byte[] bytes) {
        if (algorithm.equals("sha256")) {
            return Digest.sha256(bytes);
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            md.update(bytes);
            return Digest.of("sha512", md);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is required of every JDK", e);
        }
    }

    private static Optional<String> mediaTypeHeader(RegistryTransport.Response r) {
        return r.header("Content-Type").map(v -> {
            int semi = v.indexOf(';');
            return (semi >= 0 ? v.substring(0, semi) : v).strip().toLowerCase(Locale.ROOT);
        }).filter(v -> !v.isEmpty());
    }

    /**
     * The media type of a manifest: the Content-Type, or when that is generic (JSON, text, none)
     * the document's own mediaType field, or its shape (OCI allows leaving mediaType out).
     */
    static String manifestMediaType(URI url, String contentType, byte[] bytes) throws Attempt {
        String type = contentType;
        boolean generic = type == null || type.equals("application/json") || type.equals("text/plain")
                || type.equals("application/octet-stream");
        if (generic) {
            JsonNode doc;
            try {
                doc = JSON.readTree(bytes);
            } catch (IOException e) {
                throw new Attempt(url, 0, "the manifest is not JSON: " + PodlabException.describe(e).lines().findFirst().orElse(""), e);
            }
            if (doc == null || !doc.isObject()) {
                throw new Attempt(url, 0, "the manifest is not a JSON object", null);
            }
            if (doc.path("mediaType").isTextual()) {
                type = doc.get("mediaType").asText();
            } else if (doc.path("schemaVersion").asInt() == 2 && doc.has("manifests")) {
                type = MediaTypes.OCI_INDEX;
            } else if (doc.path("schemaVersion").asInt() == 2 && doc.has("config") && doc.has("layers")) {
                type = MediaTypes.OCI_MANIFEST;
            } else if (doc.path("schemaVersion").asInt() == 1) {
                type = "application/vnd.docker.distribution.manifest.v1+json";
            } else {
                throw new Attempt(url, 0, "cannot tell what kind of manifest this is (no mediaType, Content-Type "
                        + (contentType == null ? "missing" : contentType) + ")", null);
            }
        }
        if (!MediaTypes.INDEXES.contains(type) && !MediaTypes.MANIFESTS.contains(type)) {
            throw new Attempt(url, 0, unknownManifestType(type), null);
        }
        return type;
    }

    static String unknownManifestType(String type) {
        String hint = type.startsWith("application/vnd.docker.distribution.manifest.v1")
                ? " (Docker schema 1 is not supported: push the image again with a current tool)" : "";
        return "unknown manifest media type \"" + type + "\"" + hint + "; podlab reads "
                + MediaTypes.acceptManifests();
    }
}
