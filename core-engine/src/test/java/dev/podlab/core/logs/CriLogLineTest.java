package dev.podlab.core.logs;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CriLogLineTest {
    @Test
    void parsesFullPartialAndEmptyLines() {
        var full = CriLogLine.parse("2026-11-28T13:00:00.123456789Z stdout F hello world");
        assertThat(full.time()).isEqualTo(Instant.parse("2026-11-28T13:00:00.123456789Z"));
        assertThat(full.stream()).isEqualTo("stdout");
        assertThat(full.partial()).isFalse();
        assertThat(full.text()).isEqualTo("hello world");

        var part = CriLogLine.parse("2026-11-28T13:00:00.000000001Z stderr P  leading space");
        assertThat(part.partial()).isTrue();
        assertThat(part.text()).isEqualTo(" leading space");

        assertThat(CriLogLine.parse("2026-11-28T13:00:00Z stdout F").text()).isEmpty();
        assertThat(CriLogLine.parse("2026-11-28T13:00:00Z stdout F ").text()).isEmpty();
    }

    @Test
    void rejectsMalformedLinesWithTheReason() {
        assertThatThrownBy(() -> CriLogLine.parse("hello")).hasMessageContaining("expected <time> <stream> <F|P> <text>");
        assertThatThrownBy(() -> CriLogLine.parse("yesterday stdout F x")).hasMessageContaining("bad timestamp yesterday");
        assertThatThrownBy(() -> CriLogLine.parse("2026-11-28T13:00:00Z stdin F x")).hasMessageContaining("unknown stream stdin");
        assertThatThrownBy(() -> CriLogLine.parse("2026-11-28T13:00:00Z stdout X x")).hasMessageContaining("unknown tag X");
    }
}
