package dev.podlab.cri.stream;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamTokensTest {
    /** A clock the test moves. */
    private static final class Manual extends Clock {
        Instant now = Instant.parse("2026-11-28T12:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static final StreamRequest EXEC = new StreamRequest.Exec("c1", List.of("sh"), false, false, true, true);

    @Test
    void aTokenIsSingleUse() {
        var tokens = new StreamTokens(new Manual());
        String t = tokens.put(EXEC);
        assertThat(t).matches("[A-Za-z0-9_-]{22}");
        assertThat(tokens.take(t)).contains(EXEC);
        assertThat(tokens.take(t)).isEmpty();
        assertThat(tokens.take("unknown")).isEmpty();
    }

    @Test
    void aTokenExpiresAfterAMinute() {
        var clock = new Manual();
        var tokens = new StreamTokens(clock);
        String early = tokens.put(EXEC);
        String late = tokens.put(EXEC);
        clock.now = clock.now.plus(Duration.ofSeconds(59));
        assertThat(tokens.take(early)).contains(EXEC);
        clock.now = clock.now.plus(Duration.ofSeconds(1));
        assertThat(tokens.take(late)).isEmpty();
        assertThat(tokens.size()).isZero();
    }

    @Test
    void tokensAreDistinctAndBounded() {
        var tokens = new StreamTokens(new Manual());
        var seen = new java.util.HashSet<String>();
        for (int i = 0; i < StreamTokens.MAX_PENDING + 10; i++) {
            seen.add(tokens.put(EXEC));
        }
        assertThat(seen).hasSize(StreamTokens.MAX_PENDING + 10);
        assertThat(tokens.size()).isEqualTo(StreamTokens.MAX_PENDING);
    }
}
