package dev.podlab.core.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CgroupResourcesTest {

    @Test
    void noneSetsNothing() {
        CgroupResources none = CgroupResources.none();
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.effectiveCpuPeriodMicros()).isNull();
        assertThat(none.v2SwapMax()).isNull();
    }

    @ParameterizedTest(name = "shares {0} -> weight {1}")
    @CsvSource({"2, 1", "1, 1", "1024, 39", "512, 20", "262144, 10000", "1000000, 10000"})
    void convertsSharesToWeight(long shares, long weight) {
        assertThat(CgroupResources.cpuSharesToWeight(shares)).isEqualTo(weight);
    }

    @Test
    void quotaWithoutPeriodUsesTheDefaultPeriod() {
        CgroupResources r = CgroupResources.builder().cpuQuotaMicros(50_000L).build();
        assertThat(r.effectiveCpuPeriodMicros()).isEqualTo(100_000L);
        assertThat(CgroupResources.builder().cpuQuotaMicros(50_000L).cpuPeriodMicros(20_000L).build()
                .effectiveCpuPeriodMicros()).isEqualTo(20_000L);
    }

    @Test
    void convertsMemoryPlusSwapToV2SwapOnly() {
        assertThat(limits(256, 768).v2SwapMax()).isEqualTo(512L << 20);
        assertThat(limits(256, 256).v2SwapMax()).isZero();
        assertThat(CgroupResources.builder().memoryLimitBytes(1L << 20).memorySwapLimitBytes(-1L).build().v2SwapMax())
                .isEqualTo(-1);
        assertThat(CgroupResources.builder().memoryLimitBytes(-1L).build().v2SwapMax()).isEqualTo(-1);
        assertThat(CgroupResources.builder().memoryLimitBytes(1L << 20).build().v2SwapMax()).isNull();
    }

    private static CgroupResources limits(long memoryMiB, long swapMiB) {
        return CgroupResources.builder().memoryLimitBytes(memoryMiB << 20).memorySwapLimitBytes(swapMiB << 20).build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "negative memory | null | null | null | -5 | null | null | memory limit must be positive or -1 (unlimited), got -5",
        "zero memory | null | null | null | 0 | null | null | memory limit must be positive or -1 (unlimited), got 0",
        "zero shares | 0 | null | null | null | null | null | cpu shares must be at least 1 (null leaves them unset), got 0",
        "tiny quota | null | 500 | null | null | null | null | cpu quota must be -1 (unlimited) or at least 1000 microseconds, got 500",
        "quota -2 | null | -2 | null | null | null | null | cpu quota must be -1 (unlimited) or at least 1000 microseconds, got -2",
        "huge period | null | null | 2000000 | null | null | null | cpu period must be between 1000 and 1000000 microseconds, got 2000000",
        "swap without memory | null | null | null | null | 1048576 | null | a memory+swap limit (1048576) needs a memory limit as well",
        "swap below memory | null | null | null | 2097152 | 1048576 | null | memory+swap limit (1048576) must not be below the memory limit (2097152)",
        "zero pids | null | null | null | null | null | 0 | pids limit must be at least 1 or -1 (unlimited), got 0",
    })
    void refusesNonsense(String name, Long shares, Long quota, Long period, Long memory, Long swap, Long pids,
            String message) {
        assertThatThrownBy(() -> new CgroupResources(shares, quota, period, memory, swap, pids))
                .isInstanceOf(CgroupException.class)
                .hasMessage("failed to validate cgroup resources: " + message);
    }

    @Test
    void acceptsUnlimitedEverywhere() {
        CgroupResources r = new CgroupResources(1024L, -1L, 100_000L, -1L, -1L, -1L);
        assertThat(r.toBuilder().build()).isEqualTo(r);
    }
}
