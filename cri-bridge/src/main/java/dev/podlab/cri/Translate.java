package dev.podlab.cri;

import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.cri.v1.LinuxContainerResources;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Small wire-to-domain translations shared by the handlers. */
final class Translate {
    private static final Pattern SYSCTL_NAME = Pattern.compile("[a-z0-9_]+([./][a-z0-9_-]+)*");

    private Translate() {}

    /** CRI resources (0 = unset) as a cgroup request. */
    static CgroupResources resources(LinuxContainerResources r) {
        var b = CgroupResources.builder();
        if (r == null) {
            return b.build();
        }
        if (r.getCpuShares() < 0 || r.getCpuQuota() < -1 || r.getCpuPeriod() < 0 || r.getMemoryLimitInBytes() < 0) {
            throw new CriArgumentException("failed to read linux resources: negative values (cpu_shares "
                    + r.getCpuShares() + ", cpu_quota " + r.getCpuQuota() + ", cpu_period " + r.getCpuPeriod()
                    + ", memory " + r.getMemoryLimitInBytes() + ")");
        }
        if (r.getCpuShares() > 0) {
            b.cpuShares(CgroupResources.clampShares(r.getCpuShares()));
        }
        if (r.getCpuQuota() > 0) {
            b.cpuQuotaMicros(r.getCpuQuota());
            b.cpuPeriodMicros(r.getCpuPeriod() > 0 ? r.getCpuPeriod() : CgroupResources.DEFAULT_CPU_PERIOD_MICROS);
        } else if (r.getCpuPeriod() > 0) {
            b.cpuPeriodMicros(r.getCpuPeriod());
        }
        if (r.getMemoryLimitInBytes() > 0) {
            b.memoryLimitBytes(r.getMemoryLimitInBytes());
        }
        if (r.getMemorySwapLimitInBytes() > 0) {
            b.memorySwapLimitBytes(r.getMemorySwapLimitInBytes());
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CriArgumentException("failed to read linux resources: " + e.getMessage());
        }
    }

    /**
     * Refuses sysctls whose name or value could smuggle a second setting into a sysctl file or a
     * {@code name=value} list: '=', newlines, tabs, control characters, leading, trailing or repeated spaces.
     */
    static void checkSysctls(Map<String, String> sysctls) {
        sysctls.forEach((k, v) -> {
            if (!SYSCTL_NAME.matcher(k).matches()) {
                throw new CriArgumentException("failed to read sysctl \"" + printable(k)
                        + "\": a name is lower-case words separated by '.' or '/'");
            }
            // Single inner spaces stay legal: real values have them (net.ipv4.ping_group_range "0 2147483647"),
            // and without '=' or a line break they cannot start a second setting.
            if (v.isEmpty() || !v.equals(v.strip()) || v.contains("  ")
                    || v.chars().anyMatch(c -> c == '=' || c < 0x20 || c == 0x7f || (Character.isWhitespace(c) && c != ' '))) {
                throw new CriArgumentException("failed to read sysctl " + k + "=\"" + printable(v)
                        + "\": the value may not be empty, hold '=', newlines, tabs or control characters, or "
                        + "start, end or run with spaces");
            }
        });
    }

    /** Label selector: every pair must be present with the same value. */
    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        for (var e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static String printable(String s) {
        return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }
}
