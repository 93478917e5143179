package dev.podlab.cri;

import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Event;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.pod.PodSandbox;
import io.grpc.Status;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/** What every CRI handler works with: the engine service's parts and the CRI store. */
final class CriContext {
    private static final SecureRandom RANDOM = new SecureRandom();

    final EngineService service;
    final ContainerEngine engine;
    final ImageService images;
    final PodSandbox sandboxes;
    final CriStore store;
    /** Sandbox lifecycle changes (run, stop, remove, create container) take this lock: few, and not hot. */
    final Object lifecycle = new Object();

    CriContext(EngineService service, CriStore store) {
        this.service = service;
        this.engine = service.engine();
        this.images = service.images();
        this.sandboxes = service.sandboxes();
        this.store = store;
    }

    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    CriSandbox sandbox(String id) {
        if (id == null || id.isEmpty()) {
            throw new CriArgumentException("failed to find pod sandbox: pod_sandbox_id is empty");
        }
        return store.sandbox(id).orElseThrow(() -> new CriNotFoundException("failed to find pod sandbox " + id
                + ": no such sandbox"));
    }

    CriContainer container(String id) {
        if (id == null || id.isEmpty()) {
            throw new CriArgumentException("failed to find container: container_id is empty");
        }
        return store.container(id).orElseThrow(() -> new CriNotFoundException("failed to find container " + id
                + ": no such container"));
    }

    /** The engine's record of a CRI container, empty when the engine no longer has it. */
    Optional<ContainerRecord> record(String id) {
        try {
            return Optional.of(engine.inspect(id));
        } catch (dev.podlab.core.container.NotFoundException gone) {
            return Optional.empty();
        }
    }

    static io.grpc.StatusRuntimeException wrongState(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }

    /** A CRI lifecycle event into the engine's event stream (so `podlab events` shows what kubelet did). */
    void publish(String type, String kind, String id, String name, String detail, String sandboxId) {
        var e = Event.newBuilder().setTime(TraceEvent.Clock.nowNanos()).setType(type).setObjectKind(kind)
                .setObjectId(id).setObjectName(name == null ? "" : name).setDetail(detail == null ? "" : detail)
                .putAttributes("source", "cri");
        if (sandboxId != null) {
            e.putAttributes("sandbox", sandboxId);
        }
        service.events().publish(e);
    }
}
