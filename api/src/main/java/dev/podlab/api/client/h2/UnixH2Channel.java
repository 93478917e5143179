package dev.podlab.api.client.h2;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to a server on a unix socket, written for the podlab clients: HTTP/2 over a JDK
 * {@code SocketChannel}, no Netty, no grpc-core. A CLI command that makes two calls and exits spends most of
 * its life starting up, and grpc-netty's client brings some 1,300 classes and its native transport with it;
 * this channel brings about 30. It does what the generated stubs need: unary, server-streaming and
 * bidirectional calls, deadlines (sent as {@code grpc-timeout} and enforced here), cancellation, metadata and
 * trailers, flow control, gzip-compressed replies. One connection at a time, opened on the first call and
 * again after it is lost, so a client can outlive an engine restart.
 */
public final class UnixH2Channel extends ManagedChannel {
    private final Path socket;
    private final int maxInboundMessageSize;
    private final Object lock = new Object();
    private final List<H2Connection> live = new ArrayList<>();
    private H2Connection current;
    private boolean shutdown;
    private ScheduledExecutorService scheduler;
    private Executor callbackExecutor;

    private UnixH2Channel(Path socket, int maxInboundMessageSize) {
        this.socket = socket;
        this.maxInboundMessageSize = maxInboundMessageSize;
    }

    /** A channel to the server on {@code socket}; nothing is opened until the first call. */
    public static UnixH2Channel create(Path socket, int maxInboundMessageSize) {
        return new UnixH2Channel(socket, maxInboundMessageSize);
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        return new H2ClientCall<>(this, method, options, callbackExecutor());
    }

    @Override
    public String authority() {
        return "localhost";
    }

    Path socket() {
        return socket;
    }

    int maxInboundMessageSize() {
        return maxInboundMessageSize;
    }

    /** The connection new calls go on, opened (again) when there is none that takes new streams. */
    H2Connection connection() throws IOException {
        synchronized (lock) {
            if (shutdown) {
                throw new IOException("channel shut down");
            }
            if (current == null || !current.acceptsStreams()) {
                H2Connection[] opened = new H2Connection[1];
                opened[0] = H2Connection.open(socket, () -> forget(opened[0]));
                if (opened[0].isClosed()) {
                    throw new IOException("connection closed as soon as it opened");
                }
                current = opened[0];
                live.add(current);
            }
            return current;
        }
    }

    private void forget(H2Connection c) {
        synchronized (lock) {
            live.remove(c);
            if (current == c) {
                current = null;
            }
            lock.notifyAll();
        }
    }

    /** Deadline timers: one daemon thread, made on the first call that has a deadline. */
    ScheduledExecutorService scheduler() {
        synchronized (lock) {
            if (scheduler == null) {
                ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1,
                        Thread.ofPlatform().daemon().name("podlab-h2-deadlines").factory());
                s.setRemoveOnCancelPolicy(true);
                scheduler = s;
            }
            return scheduler;
        }
    }

    /**
     * Where listeners of calls without their own executor run (async stubs): virtual threads, so a listener
     * that blocks, or makes a blocking call on this channel, never stalls the connection's reader.
     */
    private Executor callbackExecutor() {
        synchronized (lock) {
            if (callbackExecutor == null) {
                callbackExecutor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("podlab-call-", 0).factory());
            }
            return callbackExecutor;
        }
    }

    @Override
    public ManagedChannel shutdown() {
        List<H2Connection> conns;
        synchronized (lock) {
            shutdown = true;
            conns = List.copyOf(live);
        }
        conns.forEach(H2Connection::shutdownWhenIdle);
        stopTimersIfDone();
        return this;
    }

    @Override
    public ManagedChannel shutdownNow() {
        List<H2Connection> conns;
        synchronized (lock) {
            shutdown = true;
            conns = List.copyOf(live);
        }
        conns.forEach(c -> c.close(Status.UNAVAILABLE.withDescription("channel shut down")));
        stopTimersIfDone();
        return this;
    }

    private void stopTimersIfDone() {
        synchronized (lock) {
            if (live.isEmpty() && scheduler != null) {
                scheduler.shutdownNow();
            }
        }
    }

    @Override
    public boolean isShutdown() {
        synchronized (lock) {
            return shutdown;
        }
    }

    @Override
    public boolean isTerminated() {
        synchronized (lock) {
            return shutdown && live.isEmpty();
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        synchronized (lock) {
            while (!(shutdown && live.isEmpty())) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }
}
