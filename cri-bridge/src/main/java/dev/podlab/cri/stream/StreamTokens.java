package dev.podlab.cri.stream;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Single-use, short-lived tokens naming a pending streaming request, as kubelet's streaming server keeps them:
 * the CRI call stores what to run and gets a token for its URL; the first HTTP request with the token takes it.
 */
public final class StreamTokens {
    /** How long a URL stays valid (kubelet's default too). */
    public static final Duration TTL = Duration.ofMinutes(1);
    /** At most this many waiting requests: a client looping on Exec cannot fill memory. */
    static final int MAX_PENDING = 1000;

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Map<String, Entry> pending = new LinkedHashMap<>();

    private record Entry(StreamRequest request, Instant expires) {}

    public StreamTokens(Clock clock) {
        this.clock = clock;
    }

    /** Stores the request and returns its token (URL-safe, 128 random bits). */
    public synchronized String put(StreamRequest request) {
        purge();
        if (pending.size() >= MAX_PENDING) {
            Iterator<String> oldest = pending.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        byte[] b = new byte[16];
        random.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        pending.put(token, new Entry(request, clock.instant().plus(TTL)));
        return token;
    }

    /** The request the token names, removed so the token cannot be used again; empty when unknown or expired. */
    public synchronized Optional<StreamRequest> take(String token) {
        Entry e = pending.remove(token);
        if (e == null || !clock.instant().isBefore(e.expires())) {
            return Optional.empty();
        }
        return Optional.of(e.request());
    }

    synchronized int size() {
        purge();
        return pending.size();
    }

    private void purge() {
        Instant now = clock.instant();
        pending.values().removeIf(e -> !now.isBefore(e.expires()));
    }
}
