package dev.podlab.cli;

import dev.podlab.core.container.InvalidConfigException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SizesTest {
    @Test
    void sizesInTheUsualUnits() {
        assertThat(Sizes.bytes("--memory", "64m")).isEqualTo(64L << 20);
        assertThat(Sizes.bytes("--memory", "1G")).isEqualTo(1L << 30);
        assertThat(Sizes.bytes("--memory", "512k")).isEqualTo(512L << 10);
        assertThat(Sizes.bytes("--memory", "1.5g")).isEqualTo(3L << 29);
        assertThat(Sizes.bytes("--memory", "4096")).isEqualTo(4096);
        assertThat(Sizes.bytes("--memory", "64mb")).isEqualTo(64L << 20);
    }

    @Test
    void badSizesNameTheFlagAndTheValue() {
        assertThatThrownBy(() -> Sizes.bytes("--memory", "lots")).isInstanceOf(InvalidConfigException.class)
                .hasMessage("failed to parse --memory \"lots\": expected a positive size such as 64m, 512k or 1g");
        assertThatThrownBy(() -> Sizes.bytes("--memory", "-1m")).hasMessageContaining("--memory \"-1m\"");
    }

    @Test
    void cpusBecomeAQuotaPer100ms() {
        assertThat(Sizes.cpuQuota("0.5")).isEqualTo(50_000);
        assertThat(Sizes.cpuQuota("2")).isEqualTo(200_000);
        assertThat(Sizes.cpuQuota("0.001")).isEqualTo(1000);
        assertThatThrownBy(() -> Sizes.cpuQuota("0")).hasMessageContaining("--cpus \"0\"");
        assertThatThrownBy(() -> Sizes.cpuQuota("x")).hasMessageContaining("--cpus \"x\"");
    }

    @Test
    void signalsByNameOrNumber() {
        assertThat(Signals.parse("TERM")).isEqualTo(15);
        assertThat(Signals.parse("sigkill")).isEqualTo(9);
        assertThat(Signals.parse("10")).isEqualTo(10);
        assertThatThrownBy(() -> Signals.parse("NOPE")).hasMessageContaining("failed to parse signal \"NOPE\"");
    }
}
