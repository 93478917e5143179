package dev.podlab.cri;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.cri.v1.ContainerEventResponse;
import dev.podlab.cri.v1.ContainerEventType;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GetContainerEvents: the engine's event hub, narrowed to the CRI's containers and translated. Created and
 * started come from the CRI handlers' own events, stopped from the engine's exit watcher, deleted from
 * RemoveContainer.
 */
final class EventsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(EventsHandler.class);

    private final CriContext cx;

    EventsHandler(CriContext cx) {
        this.cx = cx;
    }

    void stream(StreamObserver<ContainerEventResponse> out) {
        var call = (ServerCallStreamObserver<ContainerEventResponse>) out;
        AutoCloseable sub = cx.service.events().subscribe(EventFilter.getDefaultInstance(), false, e -> {
            ContainerEventResponse r = translate(e);
            if (r != null) {
                synchronized (call) {
                    if (!call.isCancelled()) {
                        call.onNext(r);
                    }
                }
            }
        });
        call.setOnCancelHandler(() -> {
            try {
                sub.close();
            } catch (Exception ex) {
                LOG.debug("closing an event subscription: {}", ex.toString());
            }
        });
    }

    /** The CRI event for an engine event, or null when it is not about a CRI container's lifecycle. */
    ContainerEventResponse translate(Event e) {
        if (!e.getObjectKind().equals("container")) {
            return null;
        }
        ContainerEventType type = switch (e.getType()) {
            case "cri.container.created" -> ContainerEventType.CONTAINER_CREATED_EVENT;
            case "cri.container.started" -> ContainerEventType.CONTAINER_STARTED_EVENT;
            case "container.exited" -> ContainerEventType.CONTAINER_STOPPED_EVENT;
            case "cri.container.removed" -> ContainerEventType.CONTAINER_DELETED_EVENT;
            default -> null;
        };
        if (type == null) {
            return null;
        }
        var c = cx.store.container(e.getObjectId());
        if (c.isEmpty() && type != ContainerEventType.CONTAINER_DELETED_EVENT) {
            return null; // not a CRI container (podlab run, podlab play)
        }
        var b = ContainerEventResponse.newBuilder().setContainerId(e.getObjectId()).setContainerEventType(type)
                .setCreatedAt(e.getTime());
        String sandboxId = c.map(CriContainer::sandboxId).orElse(e.getAttributesOrDefault("sandbox", ""));
        cx.store.sandbox(sandboxId).ifPresent(s -> b.setPodSandboxStatus(SandboxHandler.status(s)));
        c.ifPresent(cc -> b.addContainersStatuses(ContainerHandler.status(cc, cx.record(cc.id()).orElse(null))));
        return b.build();
    }
}
