package dev.podlab.cri;

import dev.podlab.api.server.EngineExtension;
import dev.podlab.api.server.EngineService;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.PodlabException;
import dev.podlab.cri.stream.StreamServer;
import io.grpc.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CRI bridge as an engine extension: when {@code cri.enabled}, the engine service serves runtime.v1
 * RuntimeService and ImageService on {@code cri.socket} (mode 0600), over the same engine, image store and pod
 * sandboxes as the podlab API. Registered in {@code META-INF/services/dev.podlab.api.server.EngineExtension}.
 */
public final class CriBridge implements EngineExtension {
    private static final Logger LOG = LoggerFactory.getLogger(CriBridge.class);

    @Override
    public String name() {
        return "cri";
    }

    @Override
    public boolean enabled(EngineSettings settings) {
        return settings.cri().enabled();
    }

    @Override
    public AutoCloseable start(EngineService service) {
        Path socket = service.settings().cri().socket();
        CriContext cx = new CriContext(service, CriStore.open(service.settings().stateRoot()));
        StreamServer streaming;
        try {
            streaming = StreamServer.start(service.settings().cri().streamingPort(), service.engine(),
                    Clock.systemUTC());
        } catch (IOException e) {
            throw new PodlabException(e.getMessage(), e);
        }
        Server server;
        try {
            server = service.serveExtra(socket, "the CRI v1 API",
                    List.of(new CriRuntimeService(cx, streaming), new CriImageService(cx)));
        } catch (RuntimeException e) {
            streaming.close();
            throw e;
        }
        AutoCloseable pods = service.addPodSource(new CriPods(cx));
        LOG.info("CRI v1 served on {}, streaming on 127.0.0.1:{}", socket, streaming.port());
        return () -> {
            pods.close();
            streaming.close();
            server.shutdown();
            try {
                if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                }
            } catch (InterruptedException e) {
                server.shutdownNow();
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.warn("failed to remove socket {}: {}", socket, e.toString());
            }
        };
    }
}
