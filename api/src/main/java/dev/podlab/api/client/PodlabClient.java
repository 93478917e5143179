package dev.podlab.api.client;

import dev.podlab.api.v1.ContainersGrpc;
import dev.podlab.api.v1.EngineGrpc;
import dev.podlab.api.v1.EventsGrpc;
import dev.podlab.api.v1.ImagesGrpc;
import dev.podlab.api.v1.MetricsGrpc;
import dev.podlab.api.v1.PodsGrpc;
import dev.podlab.api.v1.VersionRequest;
import dev.podlab.api.v1.VersionResponse;
import dev.podlab.api.client.h2.UnixH2Channel;
import dev.podlab.core.PodlabException;
import dev.podlab.core.config.EngineSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A connection to the engine service: the one client library the CLI, the TUI and the GUI use. Blocking
 * stubs for calls, async stubs for the streams. {@link #connectOrStart} starts a service in the background
 * when none answers (see {@link EngineLauncher}).
 */
public final class PodlabClient implements AutoCloseable {
    private final Path socket;
    private final ManagedChannel channel;

    private PodlabClient(Path socket) {
        this.socket = socket;
        // podlab's own HTTP/2 channel rather than grpc-netty's: see UnixH2Channel for why.
        this.channel = UnixH2Channel.create(socket, 64 * 1024 * 1024);
    }

    /** A client of the service on {@code socket}; calls fail with UNAVAILABLE when none is running. */
    public static PodlabClient connect(Path socket) {
        return new PodlabClient(socket);
    }

    /**
     * A client of the service for these settings, starting one in the background when none answers.
     *
     * @param configFile the configuration file the started service should read (null: its default)
     */
    public static PodlabClient connectOrStart(EngineSettings settings, Path configFile) {
        PodlabClient c = connect(settings.socket());
        if (c.ping(Duration.ofSeconds(2)) != null) {
            return c;
        }
        if (dev.podlab.api.server.EngineLock.isHeld(settings.stateRoot())) {
            // An engine owns the root but has not answered yet (starting, or a loaded machine): wait for it
            // rather than start a second one, which its lock would refuse anyway.
            if (c.ping(EngineLauncher.START_TIMEOUT) != null) {
                return c;
            }
            c.close();
            throw new PodlabException("failed to reach the engine service of " + settings.stateRoot() + " (pid "
                    + dev.podlab.api.server.EngineLock.owner(settings.stateRoot()) + ") on " + settings.socket()
                    + ": no answer within " + EngineLauncher.START_TIMEOUT.toSeconds() + " s");
        }
        EngineLauncher.start(settings, configFile, c);
        return c;
    }

    /**
     * Starts the service for these settings in the background when nothing answers on this client's socket and
     * no engine holds the state root (a workbench whose engine went away calls this while it reconnects).
     *
     * @param configFile the configuration file the started service should read (null: its default)
     */
    public void startIfAbsent(EngineSettings settings, Path configFile) {
        if (ping(Duration.ofSeconds(1)) != null || dev.podlab.api.server.EngineLock.isHeld(settings.stateRoot())) {
            return;
        }
        EngineLauncher.start(settings, configFile, this);
    }

    /** The service's version, or null when nothing answers within {@code timeout}. */
    public VersionResponse ping(Duration timeout) {
        try {
            return EngineGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .version(VersionRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE
                    || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                return null;
            }
            throw e;
        }
    }

    public Path socket() {
        return socket;
    }

    public ManagedChannel channel() {
        return channel;
    }

    public EngineGrpc.EngineBlockingStub engine() {
        return EngineGrpc.newBlockingStub(channel);
    }

    public ContainersGrpc.ContainersBlockingStub containers() {
        return ContainersGrpc.newBlockingStub(channel);
    }

    public ContainersGrpc.ContainersStub containersAsync() {
        return ContainersGrpc.newStub(channel);
    }

    public PodsGrpc.PodsBlockingStub pods() {
        return PodsGrpc.newBlockingStub(channel);
    }

    public ImagesGrpc.ImagesBlockingStub images() {
        return ImagesGrpc.newBlockingStub(channel);
    }

    public EventsGrpc.EventsBlockingStub events() {
        return EventsGrpc.newBlockingStub(channel);
    }

    public EventsGrpc.EventsStub eventsAsync() {
        return EventsGrpc.newStub(channel);
    }

    public MetricsGrpc.MetricsBlockingStub metrics() {
        return MetricsGrpc.newBlockingStub(channel);
    }

    public MetricsGrpc.MetricsStub metricsAsync() {
        return MetricsGrpc.newStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
