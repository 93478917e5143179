package dev.podlab.cri.stream;

import com.sun.jna.LastErrorException;
import dev.podlab.core.sys.LibC;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Connects to 127.0.0.1:PORT inside a pod's network namespace. A socket belongs to the namespace of the thread
 * that created it, and setns(CLONE_NEWNET) is per thread: so a fresh platform thread joins the namespace, creates
 * and connects the socket, and ends (taking its namespace with it). The socket then works from any thread. No
 * helper process (nsenter + socat) is needed, and the engine's own threads never change namespace.
 */
final class NetnsDialer {
    private NetnsDialer() {}

    /** {@code netns} null or empty: the host's namespace (a hostNetwork pod). */
    static SocketChannel dial(String netns, int port) throws IOException {
        var result = new CompletableFuture<SocketChannel>();
        Thread t = Thread.ofPlatform().name("podlab-netns-dial").daemon().unstarted(() -> {
            try {
                if (netns != null && !netns.isEmpty()) {
                    LibC libc = LibC.INSTANCE;
                    int fd = libc.open(netns, LibC.O_RDONLY | LibC.O_CLOEXEC);
                    try {
                        libc.setns(fd, LibC.CLONE_NEWNET);
                    } finally {
                        libc.close(fd);
                    }
                }
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.INET);
                try {
                    ch.connect(new InetSocketAddress("127.0.0.1", port));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
                result.complete(ch);
            } catch (LastErrorException e) {
                result.completeExceptionally(new IOException("failed to enter network namespace " + netns + ": "
                        + LibC.describe(e), e));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new IOException("failed to connect to port " + port + " in the pod: " + io.getMessage(), io);
            }
            throw new IOException("failed to connect to port " + port + " in the pod: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while connecting to port " + port);
        }
    }
}
