package dev.podlab.cli.relay;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineExtension;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.server.UnixSocketServer;
import dev.podlab.cli.Invocation;
import dev.podlab.core.PodlabException;
import dev.podlab.core.config.EngineSettings;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine side of {@code podlab-client}: a unix socket beside the API socket (mode 0600) on which the engine
 * runs CLI verbs for a client process in its own warm JVM, so that {@code podlab ps} costs a few milliseconds
 * instead of a JVM start. Each connection carries one command (see {@link RelayRequest} and {@link RelayReply});
 * it runs on a virtual thread of its own with the client's working directory and environment
 * ({@link Invocation}), its output routed back by {@link RoutedOutput}. A client that goes away (Ctrl-C, a
 * closed pipe) interrupts its command. Protocol and rules: docs/cli-relay.md.
 */
public final class CliRelay implements EngineExtension {
    private static final Logger LOG = LoggerFactory.getLogger(CliRelay.class);
    /** Commands running now, in every relay of this process. */
    private static final AtomicInteger RUNNING = new AtomicInteger();

    /** How many relayed commands run in this process now (tests watch a hang-up stop one). */
    public static int running() {
        return RUNNING.get();
    }

    /** The relay socket of the engine whose API socket is {@code apiSocket}. */
    public static Path socketBeside(Path apiSocket) {
        return RelayPolicy.socketBeside(apiSocket);
    }

    @Override
    public String name() {
        return "cli";
    }

    @Override
    public boolean enabled(EngineSettings settings) {
        return true;
    }

    @Override
    public AutoCloseable start(EngineService service) {
        return Listener.open(service.settings());
    }

    private static final class Listener implements AutoCloseable {
        private final EngineSettings settings;
        private final Path socket;
        private final ServerSocketChannel server;
        private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
        private final String owner = System.getProperty("user.name");
        private final CodeOnDisk code = CodeOnDisk.ofThisBuild();
        private volatile PodlabClient client;
        private volatile boolean closed;

        private Listener(EngineSettings settings, Path socket, ServerSocketChannel server) {
            this.settings = settings;
            this.socket = socket;
            this.server = server;
        }

        static Listener open(EngineSettings settings) {
            Path socket = RelayPolicy.socketBeside(settings.socket());
            ServerSocketChannel server = UnixSocketServer.publish(socket, "the podlab CLI relay", at -> {
                ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    s.bind(UnixDomainSocketAddress.of(at), 64);
                } catch (IOException e) {
                    s.close();
                    throw e;
                }
                return s;
            }, Listener::closeQuietly);
            Listener l = new Listener(settings, socket, server);
            RoutedOutput.install();
            Thread.ofPlatform().daemon(true).name("podlab-cli-relay").start(l::acceptLoop);
            return l;
        }

        private void acceptLoop() {
            while (!closed) {
                try {
                    SocketChannel ch = server.accept();
                    open.add(ch);
                    Thread.ofVirtual().name("podlab-cli-relay-call").start(() -> serve(ch));
                } catch (IOException e) {
                    if (!closed) {
                        LOG.warn("the CLI relay on {} stops accepting: {}", socket, e.toString());
                    }
                    return;
                }
            }
        }

        private void serve(SocketChannel ch) {
            try (ch) {
                UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
                if (!peer.user().getName().equals(owner)) {
                    // The socket is 0600: only a process with the owner's rights (or CAP_DAC_OVERRIDE) gets here.
                    LOG.warn("the CLI relay refuses a client of user {}", peer.user().getName());
                    return;
                }
                RelayReply reply = new RelayReply(ch);
                RelayRequest request;
                try {
                    request = RelayRequest.read(Channels.newInputStream(ch));
                } catch (RelayException e) {
                    reply.fallback(e.getMessage());
                    return;
                }
                String why = code.changed() ? "the engine runs an older build than " + code.jar
                        + " (restart the engine to relay again)" : RelayPolicy.decline(request, settings);
                if (why != null) {
                    reply.fallback(why);
                    return;
                }
                reply.exit(run(ch, request, reply));
            } catch (IOException e) {
                LOG.debug("a CLI relay client went away: {}", e.toString());
            } finally {
                open.remove(ch);
            }
        }

        private int run(SocketChannel ch, RelayRequest request, RelayReply reply) {
            Thread caller = Thread.currentThread();
            var running = new java.util.concurrent.atomic.AtomicBoolean(true);
            // Not interrupted at the end: interrupting a read closes the channel, and the exit frame is still to go.
            Thread.ofVirtual().name("podlab-cli-relay-hangup").start(() -> interruptOnHangup(ch, caller, running));
            RUNNING.incrementAndGet();
            RoutedOutput.routeTo(reply.stdout(), reply.stderr());
            try {
                return Invocation.execute(new Invocation(request.cwd(), request.env(), settings, client()),
                        request.args().toArray(String[]::new));
            } catch (RuntimeException e) {
                System.err.println("podlab: " + PodlabException.describe(e));
                return 125;
            } finally {
                System.out.flush();
                System.err.flush();
                RoutedOutput.clear();
                synchronized (running) {
                    running.set(false);
                    Thread.interrupted();
                }
                RUNNING.decrementAndGet();
            }
        }

        /** The client closes its end only when it is gone (it reads until the exit frame): stop its command. */
        private static void interruptOnHangup(SocketChannel ch, Thread caller,
                                              java.util.concurrent.atomic.AtomicBoolean running) {
            ByteBuffer b = ByteBuffer.allocate(64);
            try {
                while (ch.read(b) >= 0) {
                    b.clear();
                }
                synchronized (running) {
                    if (running.get()) {
                        caller.interrupt();
                    }
                }
            } catch (IOException e) {
                // Closed by the command's end (or interrupted by it): nothing to stop.
            }
        }

        private PodlabClient client() {
            PodlabClient c = client;
            if (c == null) {
                synchronized (this) {
                    if (client == null) {
                        client = PodlabClient.connect(settings.socket());
                    }
                    c = client;
                }
            }
            return c;
        }

        @Override
        public void close() {
            closed = true;
            closeQuietly(server);
            open.forEach(Listener::closeQuietly);
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.warn("failed to remove socket {}: {}", socket, e.toString());
            }
            PodlabClient c = client;
            if (c != null) {
                c.close();
            }
            RoutedOutput.uninstall();
        }

        private static void closeQuietly(java.nio.channels.Channel c) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("failed to close a CLI relay channel: {}", e.toString());
            }
        }
    }

    /**
     * The jar the engine loaded the CLI from, as it was at start. A rebuild that replaces it under a running
     * engine (the source tree's launcher does) leaves classes not yet loaded unreadable; commands then go to
     * a JVM of their own until the engine restarts.
     */
    record CodeOnDisk(Path jar, long modifiedMillis, long size) {
        static CodeOnDisk ofThisBuild() {
            try {
                return of(Path.of(CliRelay.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (Exception e) {
                LOG.debug("no jar to watch for the CLI relay: {}", e.toString());
                return new CodeOnDisk(null, 0, 0);
            }
        }

        /** A jar as it is now; a directory of classes (tests) is not watched: nothing replaces it whole. */
        static CodeOnDisk of(Path p) throws IOException {
            if (!Files.isRegularFile(p)) {
                return new CodeOnDisk(null, 0, 0);
            }
            return new CodeOnDisk(p, Files.getLastModifiedTime(p).toMillis(), Files.size(p));
        }

        boolean changed() {
            if (jar == null) {
                return false;
            }
            try {
                return Files.getLastModifiedTime(jar).toMillis() != modifiedMillis || Files.size(jar) != size;
            } catch (IOException e) {
                return true;
            }
        }
    }
}
