package dev.podlab.api.server;

import dev.podlab.core.PodlabException;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A gRPC server on a unix socket that is never reachable with a mode wider than 0600: bound in a private 0700
 * directory beside the target, chmod 0600, then renamed into place. Shared by the podlab API and the CRI bridge.
 */
public final class UnixSocketServer {
    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketServer.class);

    private UnixSocketServer() {}

    /**
     * Binds, tightens and publishes {@code socket}; a socket file already at the path is replaced (the caller holds
     * the state root's lock, so it belongs to a dead service).
     *
     * @param what for the error message, e.g. "the podlab API"
     */
    public static Server start(Path socket, String what, EventLoopGroup boss, EventLoopGroup workers,
                               Executor executor, List<BindableService> services) {
        return publish(socket, what, bound -> {
            NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(bound.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers)
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                    .executor(executor);
            services.forEach(b::addService);
            return b.build().start();
        }, Server::shutdownNow);
    }

    /** Binds a listener of some kind to a socket path given to it. */
    public interface Binder<T> {
        T bind(Path socket) throws IOException;
    }

    /**
     * The same publication for any listener: {@code bind} binds at a path inside a private 0700 directory beside
     * {@code socket}; the socket file is then made 0600 and renamed into place, so that no one ever sees it with a
     * wider mode. {@code abort} undoes {@code bind} when publishing fails.
     */
    public static <T> T publish(Path socket, String what, Binder<T> bind, java.util.function.Consumer<T> abort) {
        Path dir = socket.toAbsolutePath().getParent();
        Path staging = null;
        try {
            Files.createDirectories(dir);
            staging = Files.createTempDirectory(dir, ".podlab-sock",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path bound = staging.resolve("s");
            T listener = bind.bind(bound);
            try {
                Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
                Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                abort.accept(listener);
                throw e;
            }
            return listener;
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("serve " + what + " on", socket.toString(), e), e);
        } finally {
            if (staging != null) {
                try {
                    Files.deleteIfExists(staging.resolve("s"));
                    Files.deleteIfExists(staging);
                } catch (IOException e) {
                    LOG.debug("could not remove {}: {}", staging, e.toString());
                }
            }
        }
    }
}
