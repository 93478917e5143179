package dev.podlab.cli.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * The relay's answer to one command as frames of a tag byte, a big-endian u32 length and the payload:
 * {@code '1'} stdout bytes, {@code '2'} stderr bytes, {@code 'x'} the exit status, {@code 'f'} "run it yourself".
 * Output is buffered per stream and sent when the command flushes (println does), when the buffer fills, and at
 * the end, so that a follow stream reaches the terminal line by line without a frame per write.
 */
final class RelayReply {
    private static final int BUFFER = 16 * 1024;
    private final GatheringByteChannel socket;
    private final Stream out = new Stream((byte) '1');
    private final Stream err = new Stream((byte) '2');

    RelayReply(GatheringByteChannel socket) {
        this.socket = socket;
    }

    OutputStream stdout() {
        return out;
    }

    OutputStream stderr() {
        return err;
    }

    /** Sends what is buffered and the exit status; the command's output is complete. */
    void exit(int status) throws IOException {
        out.flush();
        err.flush();
        frame((byte) 'x', new byte[] {(byte) (status >>> 24), (byte) (status >>> 16), (byte) (status >>> 8), (byte) status}, 4);
    }

    /** Tells the client to run the command in a JVM of its own; only before any output. */
    void fallback(String why) throws IOException {
        byte[] b = why.getBytes(StandardCharsets.UTF_8);
        frame((byte) 'f', b, b.length);
    }

    private synchronized void frame(byte tag, byte[] payload, int length) throws IOException {
        ByteBuffer[] frame = {
                ByteBuffer.wrap(new byte[] {tag, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length}),
                ByteBuffer.wrap(payload, 0, length)};
        while (frame[1].hasRemaining()) {
            socket.write(frame);
        }
    }

    private final class Stream extends OutputStream {
        private final byte tag;
        private final byte[] buffer = new byte[BUFFER];
        private int used;

        Stream(byte tag) {
            this.tag = tag;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (used == buffer.length) {
                flush();
            }
            buffer[used++] = (byte) b;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (used == buffer.length) {
                    flush();
                }
                int n = Math.min(len, buffer.length - used);
                System.arraycopy(b, off, buffer, used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            if (used > 0) {
                frame(tag, buffer, used);
                used = 0;
            }
        }
    }
}
