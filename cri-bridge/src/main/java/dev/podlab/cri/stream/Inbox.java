package dev.podlab.cri.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.function.IntConsumer;

/**
 * Bytes a connection's reader received for one stream (an SPDY stream, a WebSocket channel), read by whoever
 * consumes that stream. Unlike PipedInputStream it does not care which threads write and read. At most
 * {@link #LIMIT} bytes wait: beyond that the reader's {@link #offer} blocks, so a peer that sends faster than the
 * consumer takes is slowed down by TCP instead of filling the heap. Closing (the consumer is done) releases it.
 */
final class Inbox extends InputStream {
    /** Queued bytes above which {@link #offer} waits: well above an SPDY window, so a peer keeping ours never waits. */
    static final int LIMIT = 1 << 20;

    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final IntConsumer consumed;
    private byte[] current = new byte[0];
    private int pos;
    private long queued;
    private boolean ended;
    private boolean closed;

    Inbox() {
        this(n -> { });
    }

    /** {@code consumed} hears how many bytes the consumer has taken (SPDY sends WINDOW_UPDATE from it). */
    Inbox(IntConsumer consumed) {
        this.consumed = consumed;
    }

    /**
     * Queues data the peer sent, waiting while too much is queued; dropped after the end, once closed, or when the
     * reader is interrupted (the connection is going away; the flag stays set for it to see).
     */
    synchronized void offer(byte[] data) {
        while (queued >= LIMIT && !ended && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!ended && !closed && data.length > 0) {
            chunks.add(data);
            queued += data.length;
            notifyAll();
        }
    }

    /** The peer will send no more: readers see end of stream after what is queued. */
    synchronized void end() {
        ended = true;
        notifyAll();
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
        int n;
        synchronized (this) {
            while (pos == current.length) {
                if (closed) {
                    return -1;
                }
                byte[] next = chunks.poll();
                if (next != null) {
                    current = next;
                    pos = 0;
                    break;
                }
                if (ended) {
                    return -1;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading a stream");
                }
            }
            n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            queued -= n;
            notifyAll();
        }
        consumed.accept(n);
        return n;
    }

    /** The consumer is done: what is queued or still comes is dropped, and a waiting {@link #offer} returns. */
    @Override
    public synchronized void close() {
        closed = true;
        ended = true;
        chunks.clear();
        queued = 0;
        notifyAll();
    }
}
