package dev.podlab.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.api.v1.Sample;
import dev.podlab.core.metrics.MetricsSample;
import org.junit.jupiter.api.Test;

/** The metrics sample's domain-to-wire mapping, through a real encode and decode. */
class WireSampleTest {

    @Test
    void everyCounterReachesTheWireIncludingBlockIo() throws Exception {
        MetricsSample m = new MetricsSample(1_700_000_000_000L, 5_000, 0.5, 3, 4_000, 1 << 20, 1 << 19, -1, 1 << 18,
                1 << 17, 2, 7, -1, 4_194_304, 8_388_608, 64, 128);
        Sample s = Sample.parseFrom(Wire.sample(m).toByteArray());
        assertThat(s.getEpochMillis()).isEqualTo(m.epochMillis());
        assertThat(s.getCpuCores()).isEqualTo(0.5);
        assertThat(s.getCpuThrottledNanos()).isEqualTo(4_000);
        assertThat(s.getMemoryWorkingSetBytes()).isEqualTo(1 << 19);
        assertThat(s.getMemoryLimitBytes()).isEqualTo(-1);
        assertThat(s.getPidsCurrent()).isEqualTo(7);
        assertThat(s.getIoReadBytes()).isEqualTo(4_194_304);
        assertThat(s.getIoWriteBytes()).isEqualTo(8_388_608);
        assertThat(s.getIoReadOps()).isEqualTo(64);
        assertThat(s.getIoWriteOps()).isEqualTo(128);
        // New fields took new numbers: the thirteen older ones kept theirs.
        assertThat(Sample.getDescriptor().findFieldByName("pids_limit").getNumber()).isEqualTo(13);
        assertThat(Sample.getDescriptor().findFieldByName("io_read_bytes").getNumber()).isEqualTo(14);
        assertThat(Sample.getDescriptor().findFieldByName("io_write_ops").getNumber()).isEqualTo(17);
    }
}
