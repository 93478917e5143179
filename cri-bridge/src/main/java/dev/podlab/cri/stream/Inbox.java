package dev.podlab.cri.stream;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Bytes a connection's reader received for one stream (an SPDY stream, a WebSocket channel), read by whoever
 * consumes that stream. Unlike PipedInputStream it does not care which threads write and read.
 */
final class Inbox extends InputStream {
    private static final byte[] EOF = new byte[0];
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current = new byte[0];
    private int pos;
    private volatile boolean ended;

    /** Queues data the peer sent; ignored after the end. */
    void offer(byte[] data) {
        if (!ended && data.length > 0) {
            chunks.add(data);
        }
    }

    /** The peer will send no more: readers see end of stream after what is queued. */
    void end() {
        if (!ended) {
            ended = true;
            chunks.add(EOF);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current != null && pos == current.length) {
            try {
                byte[] next = chunks.take();
                if (next == EOF) {
                    current = null;
                    chunks.add(EOF); // later reads see the end too
                } else {
                    current = next;
                    pos = 0;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading a stream");
            }
        }
        if (current == null) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() {
        end();
    }
}
