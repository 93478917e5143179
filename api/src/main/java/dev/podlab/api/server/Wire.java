package dev.podlab.api.server;

import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ExitStatus;
import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.Resources;
import dev.podlab.api.v1.Sample;
import dev.podlab.api.v1.TraceStep;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.metrics.MetricsSample;

/** Translators from domain records to podlab.v1 messages (the wire format stays out of core-engine). */
public final class Wire {
    private Wire() {}

    public static Container container(ContainerRecord r) {
        var b = Container.newBuilder()
                .setId(r.id())
                .setName(nz(r.name()))
                .setRuntime(nz(r.runtime()))
                .setState(r.status().name().toLowerCase())
                .setImage(nz(r.config().image()))
                .addAllCommand(r.config().command())
                .setCreatedAt(r.createdAt())
                .setShimPid(r.shimPid())
                .setInitPid(r.initPid())
                .setCgroupPath(nz(r.cgroupPath()))
                .setLogPath(nz(r.logPath()))
                .setReason(nz(r.reason()))
                .addAllWarnings(r.warnings())
                .addAllLabels(dev.podlab.api.Labels.of(r.config().labels()))
                .setTty(r.config().terminal());
        if (r.config().resources() != null) {
            b.setResources(resources(r.config().resources()));
        }
        if (r.exit() != null) {
            b.setExit(exit(r.exit()));
        }
        return b.build();
    }

    public static ExitStatus exit(ExitRecord e) {
        return ExitStatus.newBuilder()
                .setExitCode(e.exitCode())
                .setSignal(e.signal())
                .setOomKilled(e.oomKilled())
                .setStartedAt(e.startedAt())
                .setFinishedAt(e.finishedAt())
                .setReason(e.reason())
                .build();
    }

    public static Resources resources(CgroupResources r) {
        return Resources.newBuilder()
                .setMemoryLimitBytes(nz(r.memoryLimitBytes()))
                .setMemorySwapLimitBytes(nz(r.memorySwapLimitBytes()))
                .setCpuQuotaMicros(nz(r.cpuQuotaMicros()))
                .setCpuPeriodMicros(nz(r.cpuPeriodMicros()))
                .setCpuShares(nz(r.cpuShares()))
                .setPidsLimit(nz(r.pidsLimit()))
                .build();
    }

    /** The request's limits; zero means "not set" on the wire. */
    public static CgroupResources resources(Resources r) {
        return CgroupResources.builder()
                .memoryLimitBytes(orNull(r.getMemoryLimitBytes()))
                .memorySwapLimitBytes(orNull(r.getMemorySwapLimitBytes()))
                .cpuQuotaMicros(orNull(r.getCpuQuotaMicros()))
                .cpuPeriodMicros(orNull(r.getCpuPeriodMicros()))
                .cpuShares(orNull(r.getCpuShares()))
                .pidsLimit(orNull(r.getPidsLimit()))
                .build();
    }

    public static TraceStep step(TraceEvent e) {
        return TraceStep.newBuilder()
                .setStart(e.startNanos())
                .setDurationNanos(e.durationNanos())
                .setSource(nz(e.source()))
                .setStep(nz(e.step()))
                .setDetail(nz(e.detail()))
                .build();
    }

    public static Image image(ImageRecord r) {
        var b = Image.newBuilder()
                .setId(r.id().toString())
                .addNames(r.reference().toString())
                .setDigest(r.manifest().digest())
                .setSizeBytes(r.size())
                .setLayers(r.layers().size());
        if (r.config() != null) {
            b.setArchitecture(nz(r.config().architecture())).setOs(nz(r.config().os()));
            if (r.config().created() != null) {
                try {
                    b.setCreated(java.time.Instant.parse(r.config().created()).toEpochMilli() * 1_000_000L);
                } catch (java.time.format.DateTimeParseException e) {
                    // An image with an unreadable creation date still lists; the date stays unknown (0).
                }
            }
        }
        return b.build();
    }

    public static Sample sample(MetricsSample s) {
        return Sample.newBuilder()
                .setEpochMillis(s.epochMillis())
                .setCpuCores(s.cpuCores())
                .setCpuUsageNanos(s.cpuUsageNanos())
                .setCpuThrottledPeriods(s.cpuThrottledPeriods())
                .setCpuThrottledNanos(s.cpuThrottledNanos())
                .setMemoryUsageBytes(s.memoryUsageBytes())
                .setMemoryWorkingSetBytes(s.memoryWorkingSetBytes())
                .setMemoryLimitBytes(s.memoryLimitBytes())
                .setMemoryRssBytes(s.memoryRssBytes())
                .setMemoryCacheBytes(s.memoryCacheBytes())
                .setOomKills(s.oomKills())
                .setPidsCurrent(s.pidsCurrent())
                .setPidsLimit(s.pidsLimit())
                .setIoReadBytes(s.ioReadBytes())
                .setIoWriteBytes(s.ioWriteBytes())
                .setIoReadOps(s.ioReadOps())
                .setIoWriteOps(s.ioWriteOps())
                .build();
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }

    static long nz(Long v) {
        return v == null ? 0 : v;
    }

    static Long orNull(long v) {
        return v == 0 ? null : v;
    }
}
