package dev.podlab.api.server;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventsGrpc;
import dev.podlab.api.v1.QueryEventsRequest;
import dev.podlab.api.v1.QueryEventsResponse;
import dev.podlab.api.v1.WatchEventsRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** The event stream (replay + follow) and queries over the kept events. */
final class EventsApi extends EventsGrpc.EventsImplBase {
    private final EventHub hub;

    EventsApi(EngineService service) {
        this.hub = service.events();
    }

    @Override
    public void watch(WatchEventsRequest req, StreamObserver<Event> plain) {
        var out = (ServerCallStreamObserver<Event>) plain;
        if (!req.getFollow()) {
            hub.query(req.getFilter(), 0).forEach(out::onNext);
            out.onCompleted();
            return;
        }
        Object lock = new Object();
        AutoCloseable sub = hub.subscribe(req.getFilter(), req.getReplay(), e -> {
            synchronized (lock) {
                if (!out.isCancelled()) {
                    out.onNext(e);
                }
            }
        });
        out.setOnCancelHandler(() -> close(sub));
        out.setOnCloseHandler(() -> close(sub));
    }

    private static void close(AutoCloseable sub) {
        try {
            sub.close();
        } catch (Exception e) {
            // Removing a listener from a list cannot fail.
        }
    }

    @Override
    public void query(QueryEventsRequest req, StreamObserver<QueryEventsResponse> out) {
        Errors.unary(out, () -> QueryEventsResponse.newBuilder()
                .addAllEvents(hub.query(req.getFilter(), Math.max(0, req.getLimit()))).build());
    }
}
