package dev.podlab.cri;

import dev.podlab.core.cgroup.CgroupStats;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.cri.v1.ContainerAttributes;
import dev.podlab.cri.v1.ContainerStats;
import dev.podlab.cri.v1.ContainerStatsRequest;
import dev.podlab.cri.v1.ContainerStatsResponse;
import dev.podlab.cri.v1.CpuUsage;
import dev.podlab.cri.v1.ListContainerStatsRequest;
import dev.podlab.cri.v1.ListContainerStatsResponse;
import dev.podlab.cri.v1.MemoryUsage;
import dev.podlab.cri.v1.UInt64Value;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** ContainerStats, ListContainerStats: cgroup counters; the CPU rate from the previous reading of the same container. */
final class StatsHandler {
    private record Reading(long atNanos, long cpuNanos) {}

    private final CriContext cx;
    private final Map<String, Reading> last = new ConcurrentHashMap<>();

    StatsHandler(CriContext cx) {
        this.cx = cx;
    }

    ContainerStatsResponse stats(ContainerStatsRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        var out = ContainerStatsResponse.newBuilder();
        stats(c).ifPresent(out::setStats);
        return out.build();
    }

    ListContainerStatsResponse list(ListContainerStatsRequest req) {
        var f = req.getFilter();
        var out = ListContainerStatsResponse.newBuilder();
        for (CriContainer c : cx.store.containers()) {
            if (!f.getId().isEmpty() && !c.id().startsWith(f.getId())) {
                continue;
            }
            if (!f.getPodSandboxId().isEmpty() && !c.sandboxId().startsWith(f.getPodSandboxId())) {
                continue;
            }
            if (!Translate.selects(f.getLabelSelectorMap(), c.labels())) {
                continue;
            }
            var r = cx.record(c.id());
            if (r.isPresent() && r.get().status() == dev.podlab.core.container.ContainerStatus.RUNNING) {
                stats(c).ifPresent(out::addStats);
            }
        }
        last.keySet().removeIf(id -> cx.store.container(id).isEmpty());
        return out.build();
    }

    private Optional<ContainerStats> stats(CriContainer c) {
        var attrs = ContainerAttributes.newBuilder().setId(c.id()).setMetadata(ContainerHandler.metadata(c))
                .putAllLabels(c.labels()).putAllAnnotations(c.annotations());
        Optional<ContainerRecord> r = cx.record(c.id());
        if (r.isEmpty() || r.get().cgroupPath() == null || !cx.engine.cgroups().exists(r.get().cgroupPath())) {
            return Optional.of(ContainerStats.newBuilder().setAttributes(attrs).build());
        }
        CgroupStats s = cx.engine.cgroups().stats(cx.engine.cgroups().open(r.get().cgroupPath()));
        long now = TraceEvent.Clock.nowNanos();
        var cpu = CpuUsage.newBuilder().setTimestamp(now)
                .setUsageCoreNanoSeconds(UInt64Value.newBuilder().setValue(s.cpuUsageNanos()));
        Reading before = last.put(c.id(), new Reading(now, s.cpuUsageNanos()));
        if (before != null && now > before.atNanos() && s.cpuUsageNanos() >= before.cpuNanos()) {
            // core-nanoseconds per second = CPU nanoseconds used / wall seconds elapsed
            double rate = (s.cpuUsageNanos() - before.cpuNanos()) * 1e9 / (now - before.atNanos());
            cpu.setUsageNanoCores(UInt64Value.newBuilder().setValue((long) rate));
        }
        var mem = MemoryUsage.newBuilder().setTimestamp(now)
                .setWorkingSetBytes(UInt64Value.newBuilder().setValue(s.memoryWorkingSetBytes()))
                .setUsageBytes(UInt64Value.newBuilder().setValue(s.memoryUsageBytes()))
                .setRssBytes(UInt64Value.newBuilder().setValue(s.memoryRssBytes()));
        if (s.memoryLimitBytes() > 0) {
            mem.setAvailableBytes(UInt64Value.newBuilder()
                    .setValue(Math.max(0, s.memoryLimitBytes() - s.memoryWorkingSetBytes())));
        }
        return Optional.of(ContainerStats.newBuilder().setAttributes(attrs).setCpu(cpu).setMemory(mem).build());
    }
}
