package dev.podlab.core.cgroup;

/**
 * Resource limits for a cgroup, in the OCI runtime spec's terms ({@code linux.resources}). A null field is
 * unset: {@link CgroupManager#create} leaves the kernel default, {@link CgroupManager#update} leaves the current
 * value. -1 means unlimited where allowed.
 *
 * @param cpuShares            relative CPU weight (V1 cpu.shares; V2 cpu.weight via {@link #cpuSharesToWeight}).
 *                             At least 1; values outside the kernel's [2, 262144] are clamped
 * @param cpuQuotaMicros       CFS quota per period in microseconds, at least 1000; -1 unlimited
 * @param cpuPeriodMicros      CFS period in microseconds, 1000 to 1000000. Null with a quota set means
 *                             {@value #DEFAULT_CPU_PERIOD_MICROS} (see {@link #effectiveCpuPeriodMicros()})
 * @param memoryLimitBytes     memory limit in bytes, positive; -1 unlimited
 * @param memorySwapLimitBytes memory PLUS swap in bytes, as OCI {@code linux.resources.memory.swap}: at least
 *                             the memory limit and only together with one; -1 unlimited swap. V2 writes
 *                             memory.swap.max = this - memory limit
 * @param pidsLimit            maximum number of tasks, at least 1; -1 unlimited
 */
public record CgroupResources(
        Long cpuShares,
        Long cpuQuotaMicros,
        Long cpuPeriodMicros,
        Long memoryLimitBytes,
        Long memorySwapLimitBytes,
        Long pidsLimit) {

    /** The CFS period the kernel uses by default and we use when only a quota is given. */
    public static final long DEFAULT_CPU_PERIOD_MICROS = 100_000;
    public static final long MIN_CPU_SHARES = 2;
    public static final long MAX_CPU_SHARES = 262_144;

    /**
     * @throws CgroupException "failed to validate cgroup resources: ..." for values no kernel would accept or
     *                         that contradict each other
     */
    public CgroupResources {
        if (cpuShares != null && cpuShares < 1) {
            throw invalid("cpu shares must be at least 1 (null leaves them unset), got " + cpuShares);
        }
        if (cpuQuotaMicros != null && cpuQuotaMicros != -1 && cpuQuotaMicros < 1000) {
            throw invalid("cpu quota must be -1 (unlimited) or at least 1000 microseconds, got " + cpuQuotaMicros);
        }
        if (cpuPeriodMicros != null && (cpuPeriodMicros < 1000 || cpuPeriodMicros > 1_000_000)) {
            throw invalid("cpu period must be between 1000 and 1000000 microseconds, got " + cpuPeriodMicros);
        }
        if (memoryLimitBytes != null && memoryLimitBytes != -1 && memoryLimitBytes <= 0) {
            throw invalid("memory limit must be positive or -1 (unlimited), got " + memoryLimitBytes);
        }
        if (memorySwapLimitBytes != null && memorySwapLimitBytes != -1) {
            if (memorySwapLimitBytes <= 0) {
                throw invalid("memory+swap limit must be positive or -1 (unlimited), got " + memorySwapLimitBytes);
            }
            if (memoryLimitBytes == null || memoryLimitBytes == -1) {
                throw invalid("a memory+swap limit (" + memorySwapLimitBytes + ") needs a memory limit as well");
            }
            if (memorySwapLimitBytes < memoryLimitBytes) {
                throw invalid("memory+swap limit (" + memorySwapLimitBytes
                        + ") must not be below the memory limit (" + memoryLimitBytes + ")");
            }
        }
        if (pidsLimit != null && pidsLimit != -1 && pidsLimit < 1) {
            throw invalid("pids limit must be at least 1 or -1 (unlimited), got " + pidsLimit);
        }
    }

    private static CgroupException invalid(String detail) {
        return new CgroupException("validate", "cgroup resources", detail);
    }

    /** Nothing set: create leaves kernel defaults, update changes nothing. */
    public static CgroupResources none() {
        return new CgroupResources(null, null, null, null, null, null);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder().cpuShares(cpuShares).cpuQuotaMicros(cpuQuotaMicros).cpuPeriodMicros(cpuPeriodMicros)
                .memoryLimitBytes(memoryLimitBytes).memorySwapLimitBytes(memorySwapLimitBytes).pidsLimit(pidsLimit);
    }

    public boolean isEmpty() {
        return equals(none());
    }

    /** The period to write: the given one, {@value #DEFAULT_CPU_PERIOD_MICROS} when only a quota is set, else null. */
    public Long effectiveCpuPeriodMicros() {
        if (cpuPeriodMicros != null) {
            return cpuPeriodMicros;
        }
        return cpuQuotaMicros != null ? DEFAULT_CPU_PERIOD_MICROS : null;
    }

    /** cpu.shares clamped to what the V1 kernel stores, [2, 262144]. */
    public static long clampShares(long shares) {
        return Math.max(MIN_CPU_SHARES, Math.min(MAX_CPU_SHARES, shares));
    }

    /** V1 cpu.shares to V2 cpu.weight: {@code 1 + ((shares - 2) * 9999) / 262142}, shares clamped first. */
    public static long cpuSharesToWeight(long shares) {
        long clamped = clampShares(shares);
        return 1 + ((clamped - 2) * 9999) / 262142;
    }

    /**
     * OCI memory+swap to V2 memory.swap.max (swap alone), or null when nothing is to be written.
     * -1 gives -1 (write "max"); memory limit -1 with swap unset also gives -1, as runc does.
     */
    Long v2SwapMax() {
        if (memorySwapLimitBytes == null) {
            return memoryLimitBytes != null && memoryLimitBytes == -1 ? Long.valueOf(-1) : null;
        }
        if (memorySwapLimitBytes == -1) {
            return -1L;
        }
        return memorySwapLimitBytes - memoryLimitBytes;
    }

    /** Fills the six fields one at a time; {@link #build()} validates the combination. */
    public static final class Builder {
        private Long cpuShares;
        private Long cpuQuotaMicros;
        private Long cpuPeriodMicros;
        private Long memoryLimitBytes;
        private Long memorySwapLimitBytes;
        private Long pidsLimit;

        private Builder() {
        }

        public Builder cpuShares(Long value) {
            cpuShares = value;
            return this;
        }

        public Builder cpuQuotaMicros(Long value) {
            cpuQuotaMicros = value;
            return this;
        }

        public Builder cpuPeriodMicros(Long value) {
            cpuPeriodMicros = value;
            return this;
        }

        public Builder memoryLimitBytes(Long value) {
            memoryLimitBytes = value;
            return this;
        }

        public Builder memorySwapLimitBytes(Long value) {
            memorySwapLimitBytes = value;
            return this;
        }

        public Builder pidsLimit(Long value) {
            pidsLimit = value;
            return this;
        }

        public CgroupResources build() {
            return new CgroupResources(cpuShares, cpuQuotaMicros, cpuPeriodMicros, memoryLimitBytes,
                    memorySwapLimitBytes, pidsLimit);
        }
    }
}
