package dev.podlab.core.image.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.testing.TestImages;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An imitation of the distribution API on 127.0.0.1 (com.sun.net.httpserver) serving blobs from memory,
 * which can be told to lie: corrupt or truncated blobs, manifests of any media type, Basic or Bearer
 * authentication with its own token endpoint at {@code /token}, blob redirects, slow blobs.
 */
final class FakeRegistry implements AutoCloseable {
    enum Auth { NONE, BASIC, BEARER }

    record Request(String method, String path, String query, String authorization) {}

    private record Served(String contentType, byte[] body) {}

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Map<String, Served> manifests = new ConcurrentHashMap<>();
    private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<Digest, byte[]> lies = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger blobsInFlight = new AtomicInteger();
    final AtomicInteger maxBlobsInFlight = new AtomicInteger();
    volatile long blobDelayMillis;
    volatile Auth auth = Auth.NONE;
    volatile String user = "alice";
    volatile String password = "s3cret";
    volatile String token = "tok-" + System.nanoTime();
    volatile boolean tokenAsAccessToken;
    volatile String bearerScope = "repository:demo:pull";
    /** When set, blob GETs answer 307 to {@code <blobRedirect>/blob/<digest>} (another FakeRegistry: blob storage). */
    volatile String blobRedirect;

    private FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    static FakeRegistry start() throws IOException {
        return new FakeRegistry();
    }

    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    String url() {
        return "http://" + hostPort();
    }

    /** Serves every blob of {@code img} and its target under {@code repo:tag} and by digest (manifests too). */
    void add(String repo, String tag, TestImages.WrittenImage img) {
        blobs.putAll(img.blobs());
        Descriptor t = img.plainTarget();
        manifests.put(repo + "@" + t.digest(), new Served(t.mediaType(), img.blobs().get(t.parsedDigest())));
        manifests.put(repo + ":" + tag, new Served(t.mediaType(), img.blobs().get(t.parsedDigest())));
        for (TestImages.WrittenManifest m : img.manifests()) {
            manifests.put(repo + "@" + m.descriptor().digest(),
                    new Served(m.descriptor().mediaType(), img.blobs().get(m.digest())));
        }
    }

    void manifest(String repo, String ref, String contentType, byte[] body) {
        manifests.put(repo + (ref.contains(":") ? "@" : ":") + ref, new Served(contentType, body));
    }

    /** Serves {@code bytes} for {@code digest} instead of the real blob. */
    void lie(Digest digest, byte[] bytes) {
        lies.put(digest, bytes);
    }

    byte[] blob(Digest d) {
        return blobs.get(d);
    }

    List<Request> blobRequests() {
        return requests.stream().filter(r -> r.path().contains("/blobs/")).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            requests.add(new Request(method, path, ex.getRequestURI().getRawQuery(),
                    ex.getRequestHeaders().getFirst("Authorization")));
            if (path.equals("/token")) {
                token(ex);
                return;
            }
            if (path.startsWith("/blob/")) {
                // The redirect target: no authentication here (like blob storage with signed URLs).
                if (ex.getRequestHeaders().getFirst("Authorization") != null) {
                    send(ex, 400, "application/json", error("DENIED", "Authorization must not follow a redirect"));
                    return;
                }
                serveBlob(ex, Digest.parse(path.substring("/blob/".length())));
                return;
            }
            if (!authorized(ex)) {
                return;
            }
            if (path.equals("/v2/") || path.equals("/v2")) {
                send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            int m = path.lastIndexOf("/manifests/");
            int b = path.lastIndexOf("/blobs/");
            if (path.startsWith("/v2/") && m > 0) {
                String repo = path.substring(4, m);
                String ref = path.substring(m + "/manifests/".length());
                Served s = manifests.get(repo + (ref.contains(":") ? "@" : ":") + ref);
                if (s == null) {
                    send(ex, 404, "application/json", error("MANIFEST_UNKNOWN", "manifest unknown"));
                    return;
                }
                ex.getResponseHeaders().set("Docker-Content-Digest", Digest.sha256(s.body()).toString());
                send(ex, 200, s.contentType(), s.body());
                return;
            }
            if (path.startsWith("/v2/") && b > 0) {
                Digest d = Digest.parse(path.substring(b + "/blobs/".length()));
                if (blobRedirect != null) {
                    ex.getResponseHeaders().set("Location", blobRedirect + "/blob/" + d);
                    send(ex, 307, null, new byte[0]);
                    return;
                }
                serveBlob(ex, d);
                return;
            }
            send(ex, 404, "application/json", error("NAME_UNKNOWN", "no such path " + path));
        }
    }

    private void serveBlob(HttpExchange ex, Digest d) throws IOException {
        byte[] body = lies.getOrDefault(d, blobs.get(d));
        if (body == null) {
            send(ex, 404, "application/json", error("BLOB_UNKNOWN", "blob unknown to registry"));
            return;
        }
        int now = blobsInFlight.incrementAndGet();
        maxBlobsInFlight.accumulateAndGet(now, Math::max);
        try {
            if (blobDelayMillis > 0) {
                Thread.sleep(blobDelayMillis);
            }
            send(ex, 200, "application/octet-stream", body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            blobsInFlight.decrementAndGet();
        }
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        String given = ex.getRequestHeaders().getFirst("Authorization");
        switch (auth) {
            case NONE -> {
                return true;
            }
            case BASIC -> {
                if (basic().equals(given)) {
                    return true;
                }
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake registry\"");
            }
            case BEARER -> {
                if (("Bearer " + token).equals(given)) {
                    return true;
                }
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"" + url() + "/token\",service=\"test\""
                        + (bearerScope != null ? ",scope=\"" + bearerScope + "\"" : ""));
            }
        }
        send(ex, 401, "application/json", error("UNAUTHORIZED", "authentication required"));
        return false;
    }

    private void token(HttpExchange ex) throws IOException {
        if (!basic().equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, "application/json", error("UNAUTHORIZED", "bad credentials"));
            return;
        }
        String field = tokenAsAccessToken ? "access_token" : "token";
        send(ex, 200, "application/json",
                ("{\"" + field + "\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
    }

    private String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] error(String code, String message) {
        return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        if (type != null) {
            ex.getResponseHeaders().set("Content-Type", type);
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (head || body.length == 0) {
            ex.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
