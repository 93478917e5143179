package dev.podlab.core.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ImageException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * HTTP for the distribution API: sends one request to an endpoint, answers a 401 once by
 * authenticating (Bearer token from the challenge's realm, or Basic), caches tokens per
 * (endpoint, scope) until they expire, and follows redirects itself so that the
 * Authorization header never goes to another host (blob storage behind a redirect rejects it,
 * and it must not leak).
 */
final class RegistryTransport implements AutoCloseable {
    static final String USER_AGENT = "podlab/0.1";
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final RegistryConfig config;
    private final Credentials credentials;
    private final ConcurrentMap<TokenKey, CachedAuth> tokens = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> basicByAuthority = new ConcurrentHashMap<>();

    RegistryTransport(RegistryConfig config, Credentials credentials) {
        this.config = config;
        this.credentials = credentials;
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * One request.
     *
     * @param credentialHost whose credentials to use: the registry name, or a mirror's host:port
     * @param scope          token scope this request needs ("repository:demo:pull"), null for none
     * @param credential     forced credential (login checks), null to look one up
     */
    record Request(Endpoint endpoint, String credentialHost, String method, String path, String scope,
                   Map<String, String> headers, Credential credential) {
        URI url() {
            return endpoint.resolve(path);
        }
    }

    /** A response; the caller reads and closes the body. {@code authNote} says why a 401 could not be answered. */
    record Response(URI url, int status, HttpHeaders headers, InputStream body, String authNote) implements AutoCloseable {
        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /** Reads at most 64 KiB of an error body and closes it. */
        byte[] errorBody() {
            try (InputStream in = body) {
                return in.readNBytes(MAX_ERROR_BODY);
            } catch (IOException e) {
                return new byte[0]; // the status alone still says what failed
            }
        }

        /** "404 Not Found: MANIFEST_UNKNOWN: manifest unknown" (+ why authentication failed). */
        String describeError() {
            String d = RegistryErrors.describe(status, errorBody());
            return authNote == null ? d : d + " (" + authNote + ")";
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException e) {
                // closing a response we are done with: nothing left to lose
            }
        }
    }

    private record TokenKey(String authority, String scope) {}

    private record CachedAuth(String header, Instant expires) {}

    Response send(Request r) throws IOException, InterruptedException {
        String authz = cachedAuth(r);
        Response resp = exchange(r, authz);
        if (resp.status() != 401) {
            return resp;
        }
        byte[] body401 = resp.errorBody();
        List<AuthChallenge> challenges = AuthChallenge.parse(resp.headers().allValues("WWW-Authenticate"));
        String[] note = new String[1];
        String fresh = authenticate(r, challenges, note);
        if (fresh == null || fresh.equals(authz)) {
            String why = note[0] != null ? note[0] : authz != null ? "the registry refused the credentials" : null;
            return new Response(resp.url(), 401, resp.headers(), new ByteArrayInputStream(body401), why);
        }
        Response retried = exchange(r, fresh);
        if (retried.status() == 401) {
            forget(r);
            byte[] b = retried.errorBody();
            return new Response(retried.url(), 401, retried.headers(), new ByteArrayInputStream(b),
                    "the registry refused the credentials of " + describeCredential(r));
        }
        return retried;
    }

    private String describeCredential(Request r) {
        Optional<Credential> c = credential(r);
        return c.map(cr -> cr.username() != null ? "user " + cr.username() : "the identity token")
                .orElse("an anonymous token") + " for " + r.credentialHost();
    }

    private Optional<Credential> credential(Request r) {
        return r.credential() != null ? Optional.of(r.credential()) : credentials.find(r.credentialHost());
    }

    private String cachedAuth(Request r) {
        if (r.credential() != null) {
            return null; // a login check always proves the given credential afresh
        }
        CachedAuth t = tokens.get(new TokenKey(r.endpoint().authority(), scopeKey(r)));
        if (t != null && Instant.now().isBefore(t.expires())) {
            return t.header();
        }
        return basicByAuthority.get(r.endpoint().authority());
    }

    private void forget(Request r) {
        tokens.remove(new TokenKey(r.endpoint().authority(), scopeKey(r)));
        basicByAuthority.remove(r.endpoint().authority());
    }

    private static String scopeKey(Request r) {
        return r.scope() == null ? "" : r.scope();
    }

    private String authenticate(Request r, List<AuthChallenge> challenges, String[] note)
            throws IOException, InterruptedException {
        Optional<AuthChallenge> bearer = challenges.stream().filter(AuthChallenge::isBearer).findFirst();
        if (bearer.isPresent() && bearer.get().realm() != null) {
            AuthChallenge ch = bearer.get();
            String scope = ch.scope() != null ? ch.scope() : r.scope();
            Token token = fetchToken(ch, scope, credential(r).orElse(null), r.credentialHost());
            String header = "Bearer " + token.value();
            if (r.credential() == null) {
                tokens.put(new TokenKey(r.endpoint().authority(), scopeKey(r)), new CachedAuth(header, token.expires()));
            }
            return header;
        }
        Optional<AuthChallenge> basic = challenges.stream().filter(AuthChallenge::isBasic).findFirst();
        if (basic.isPresent()) {
            Optional<Credential> c = credential(r).filter(cr -> cr.username() != null);
            if (c.isEmpty()) {
                note[0] = "the registry asks for Basic credentials and none are configured for " + r.credentialHost();
                return null;
            }
            String header = c.get().basicHeader();
            if (r.credential() == null) {
                basicByAuthority.put(r.endpoint().authority(), header);
            }
            return header;
        }
        note[0] = challenges.isEmpty() ? "the registry sent no WWW-Authenticate challenge"
                : "unsupported authentication scheme " + challenges.get(0).scheme();
        return null;
    }

    record Token(String value, Instant expires) {}

    /** GET realm?service=..&scope=.. (Basic credentials when known); identity tokens use the OAuth2 refresh grant. */
    Token fetchToken(AuthChallenge ch, String scope, Credential cred, String host) throws InterruptedException {
        URI realm;
        try {
            realm = URI.create(ch.realm());
        } catch (IllegalArgumentException e) {
            throw new ImageException("failed to authenticate to " + host + ": bad token realm \"" + ch.realm() + "\"", e);
        }
        StringBuilder q = new StringBuilder();
        if (ch.service() != null) {
            param(q, "service", ch.service());
        }
        if (scope != null && !scope.isEmpty()) {
            for (String s : scope.split(" ")) {
                param(q, "scope", s);
            }
        }
        HttpRequest.Builder b;
        boolean oauth = cred != null && cred.identityToken() != null;
        if (oauth) {
            StringBuilder form = new StringBuilder(q);
            param(form, "grant_type", "refresh_token");
            param(form, "refresh_token", cred.identityToken());
            param(form, "client_id", "podlab");
            b = HttpRequest.newBuilder(realm).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString()));
        } else {
            String sep = realm.getRawQuery() == null ? "?" : "&";
            b = HttpRequest.newBuilder(URI.create(realm + (q.isEmpty() ? "" : sep + q))).GET();
            if (cred != null && cred.username() != null) {
                b.header("Authorization", cred.basicHeader());
            }
        }
        b.timeout(config.requestTimeout()).header("User-Agent", USER_AGENT);
        if ("http".equals(realm.getScheme())) {
            b.version(HttpClient.Version.HTTP_1_1);
        }
        String what = "failed to fetch a token for " + host + (scope != null ? " (scope " + scope + ")" : "")
                + " from " + realm;
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ImageException(what + ": " + PodlabException.describe(e), e);
        }
        if (resp.statusCode() / 100 != 2) {
            String d = RegistryErrors.describe(resp.statusCode(), resp.body());
            if (resp.statusCode() == 401 && cred != null) {
                d += " (credentials of " + (cred.username() != null ? "user " + cred.username() : "the identity token")
                        + " refused)";
            }
            throw new ImageException(what + ": " + d);
        }
        try {
            JsonNode n = JSON.readTree(resp.body());
            String token = n.path("token").asText("");
            if (token.isEmpty()) {
                token = n.path("access_token").asText("");
            }
            if (token.isEmpty()) {
                throw new ImageException(what + ": the answer holds neither \"token\" nor \"access_token\"");
            }
            Duration life = n.path("expires_in").asLong(0) > 0 ? Duration.ofSeconds(n.get("expires_in").asLong())
                    : DEFAULT_TOKEN_LIFETIME;
            Instant issued = Instant.now();
            if (n.path("issued_at").isTextual()) {
                try {
                    Instant at = OffsetDateTime.parse(n.get("issued_at").asText()).toInstant();
                    // A token server with a skewed clock must not make a token look expired or eternal.
                    if (at.isBefore(issued) && at.plus(life).isAfter(issued)) {
                        issued = at;
                    }
                } catch (RuntimeException e) {
                    // issued_at is optional; a malformed one is treated as "now"
                }
            }
            // Renew a little early so a token never expires between the check and the request.
            Duration margin = life.dividedBy(10).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : life.dividedBy(10);
            return new Token(token, issued.plus(life).minus(margin));
        } catch (IOException e) {
            throw new ImageException(what + ": the answer is not JSON: " + PodlabException.describe(e), e);
        }
    }

    private static void param(StringBuilder q, String k, String v) {
        if (!q.isEmpty()) {
            q.append('&');
        }
        q.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
    }

    private Response exchange(Request r, String authz) throws IOException, InterruptedException {
        URI first = r.url();
        URI url = first;
        String method = r.method();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(url)
                    .timeout(config.requestTimeout())
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .header("User-Agent", USER_AGENT);
            if ("http".equals(url.getScheme())) {
                // No h2c upgrade dance with plain-HTTP registries and test servers.
                b.version(HttpClient.Version.HTTP_1_1);
            }
            r.headers().forEach(b::header);
            if (authz != null && sameOrigin(url, first)) {
                b.header("Authorization", authz);
            }
            HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            int s = resp.statusCode();
            Optional<String> location = resp.headers().firstValue("Location");
            if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && location.isPresent()) {
                resp.body().close();
                url = url.resolve(location.get());
                if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                    throw new IOException("redirect to unsupported URL " + url);
                }
                if (s == 303) {
                    method = "GET";
                }
                continue;
            }
            return new Response(first, s, resp.headers(), resp.body(), null);
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + first);
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getAuthority().equalsIgnoreCase(b.getAuthority());
    }

    @Override
    public void close() {
        http.close();
    }
}
