package dev.podlab.core.runtime.kvm;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CpioWriterTest {

    /** One parsed newc entry. */
    record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {}

    /** An independent reader of the format, to check what the writer produced. */
    static List<Entry> read(byte[] archive) {
        List<Entry> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            String h = new String(archive, pos, 110, StandardCharsets.US_ASCII);
            assertThat(h).startsWith("070701");
            int[] f = new int[13];
            for (int i = 0; i < 13; i++) {
                f[i] = Integer.parseUnsignedInt(h.substring(6 + 8 * i, 14 + 8 * i), 16);
            }
            int nameSize = f[11];
            String name = new String(archive, pos + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertThat(archive[pos + 110 + nameSize - 1]).isZero();
            pos = align(pos + 110 + nameSize);
            if (name.equals("TRAILER!!!")) {
                assertThat(pos).isEqualTo(archive.length);
                return out;
            }
            byte[] data = java.util.Arrays.copyOfRange(archive, pos, pos + f[6]);
            pos = align(pos + f[6]);
            out.add(new Entry(name, f[1], f[9], f[10], data));
        }
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    @Test
    void writesNewcEntriesWithPaddingAndATrailer() throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var w = new CpioWriter(bytes)) {
            w.directory("etc", 0755);
            w.file("etc/podlab-modules", 0644, "a\nbc\n".getBytes(StandardCharsets.UTF_8));
            w.file("init", 0755, new byte[] {1, 2, 3});
            w.charDevice("dev/console", 0600, 5, 1);
        }
        byte[] archive = bytes.toByteArray();
        assertThat(archive.length % 4).isZero();
        List<Entry> entries = read(archive);
        assertThat(entries).extracting(Entry::name).containsExactly("etc", "etc/podlab-modules", "init", "dev/console");
        assertThat(entries.get(0).mode()).isEqualTo(0040755);
        assertThat(new String(entries.get(1).data(), StandardCharsets.UTF_8)).isEqualTo("a\nbc\n");
        assertThat(entries.get(2).mode()).isEqualTo(0100755);
        assertThat(entries.get(2).data()).containsExactly(1, 2, 3);
        assertThat(entries.get(3).mode()).isEqualTo(0020600);
        assertThat(entries.get(3).rdevMajor()).isEqualTo(5);
        assertThat(entries.get(3).rdevMinor()).isEqualTo(1);
    }

    @Test
    void theSameInputGivesTheSameBytes() throws Exception {
        byte[][] runs = new byte[2][];
        for (int i = 0; i < 2; i++) {
            var bytes = new ByteArrayOutputStream();
            try (var w = new CpioWriter(bytes)) {
                w.file("x", 0644, "same".getBytes(StandardCharsets.UTF_8));
            }
            runs[i] = bytes.toByteArray();
        }
        assertThat(runs[0]).isEqualTo(runs[1]);
    }

    @Test
    void refusesAbsoluteNamesAndWritesAfterTheTrailer() throws Exception {
        var w = new CpioWriter(new ByteArrayOutputStream());
        assertThatThrownBy(() -> w.file("/init", 0755, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        w.finish();
        assertThatThrownBy(() -> w.directory("late", 0755)).isInstanceOf(IllegalStateException.class);
    }
}
