package dev.podlab.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AttachCommandTest {
    /** Records what the pump sends; reads come in the given chunks. */
    static final class Recorder implements AttachCommand.Input {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final List<String> calls = new ArrayList<>();

        @Override
        public void send(byte[] b, int off, int len) {
            sent.write(b, off, len);
        }

        @Override
        public void closeStdin() {
            calls.add("closeStdin");
        }

        @Override
        public void detach() {
            calls.add("detach");
        }
    }

    private static InputStream chunks(byte[]... parts) {
        return new InputStream() {
            int i;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i == parts.length) {
                    return -1;
                }
                byte[] p = parts[i++];
                System.arraycopy(p, 0, b, off, p.length);
                return p.length;
            }
        };
    }

    @Test
    void ctrlPCtrlQDetachesWithoutBeingSent() {
        var r = new Recorder();
        AttachCommand.pump(chunks("ls\n".getBytes(), new byte[] {'a', 0x10, 0x11, 'b'}), r);
        assertThat(r.sent.toString()).isEqualTo("ls\na");
        assertThat(r.calls).containsExactly("detach");
    }

    @Test
    void theDetachKeysMaySpanTwoReadsAndALoneCtrlPIsSent() {
        var r = new Recorder();
        AttachCommand.pump(chunks(new byte[] {'x', 0x10}, new byte[] {'y', 0x10}, new byte[] {0x11}), r);
        assertThat(r.sent.toByteArray()).containsExactly('x', 0x10, 'y');
        assertThat(r.calls).containsExactly("detach");
    }

    @Test
    void endOfInputClosesStdinAndStaysAttached() {
        var r = new Recorder();
        AttachCommand.pump(chunks("hello".getBytes()), r);
        assertThat(r.sent.toString()).isEqualTo("hello");
        assertThat(r.calls).containsExactly("closeStdin");
    }
}
