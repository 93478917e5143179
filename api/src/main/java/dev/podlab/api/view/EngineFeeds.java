package dev.podlab.api.view;

import dev.podlab.api.ApiStatus;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.EngineGrpc;
import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.v1.InfoRequest;
import dev.podlab.api.v1.ListContainersRequest;
import dev.podlab.api.v1.LogEntry;
import dev.podlab.api.v1.LogsRequest;
import dev.podlab.api.v1.MetricsHistory;
import dev.podlab.api.v1.MetricsRequest;
import dev.podlab.api.v1.MetricsRound;
import dev.podlab.api.v1.Sample;
import dev.podlab.api.v1.Series;
import dev.podlab.api.v1.VersionRequest;
import dev.podlab.api.v1.WatchEventsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Connects view models to the engine: every engine call runs on a worker (virtual) thread, every stream
 * callback arrives on gRPC's threads, and only the results cross to the UI thread through the
 * {@link Dispatcher}. Streams are pushed by the engine (Events.Watch, Metrics.Watch, Containers.Logs);
 * nothing polls. Each {@code watch...} returns a handle that cancels its streams; {@link #close()} cancels all.
 * The table, header and metrics feeds reopen themselves when the engine goes away (restart, upgrade): the
 * error goes to the status line, and every {@link #RETRY_MILLIS} the feed reconnects and re-reads its state.
 */
public final class EngineFeeds implements AutoCloseable {
    private final PodlabClient client;
    private final Dispatcher ui;
    private final Consumer<String> errors;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("podlab-feed-", 0).factory());
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** @param errors told (on the UI thread) what failed, as one line for a status bar */
    public EngineFeeds(PodlabClient client, Dispatcher ui, Consumer<String> errors) {
        this.client = client;
        this.ui = ui;
        this.errors = errors;
    }

    public PodlabClient client() {
        return client;
    }

    /** Runs an engine call on a worker; its result goes to {@code onUi} on the UI thread, a failure to errors. */
    public <T> void call(Callable<T> engineCall, Consumer<T> onUi) {
        call(engineCall, onUi, errors);
    }

    public <T> void call(Callable<T> engineCall, Consumer<T> onUi, Consumer<String> onError) {
        if (closed) {
            return;
        }
        execute(() -> {
            try {
                T result = engineCall.call();
                ui.dispatch(() -> onUi.accept(result));
            } catch (Exception e) {
                if (!closed) {
                    String m = describe(e);
                    ui.dispatch(() -> onError.accept(m));
                }
            }
        });
    }

    /** One line for a failure: the engine's own message for gRPC errors. */
    public static String describe(Throwable e) {
        if (e instanceof StatusRuntimeException se) {
            if (se.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                return "failed to reach the podlab engine: " + ApiStatus.message(se);
            }
            if (se.getStatus().getCode() == Status.Code.CANCELLED) {
                // Our own cancels are never reported: this one came from the engine's side.
                return "the engine closed a live stream (stopped or restarted?): " + ApiStatus.message(se);
            }
            return ApiStatus.message(se).replace('\n', ' ');
        }
        return e.getMessage() == null ? e.toString() : e.getMessage().replace('\n', ' ');
    }

    /**
     * The table from Containers.List (all, exited included), then one row refresh per container event.
     * The event stream opens first so that nothing between the list and the stream is missed.
     */
    public AutoCloseable watchContainers(ContainersTableModel table) {
        var filter = EventFilter.newBuilder().setTypePrefix("container.").build();
        return resilient(lost -> {
            Sub<WatchEventsRequest, Event> sub = new Sub<>(e -> refreshRow(table, e), null, lost);
            client.eventsAsync().watch(WatchEventsRequest.newBuilder().setFilter(filter).setFollow(true).build(), sub);
            call(() -> client.containers().list(ListContainersRequest.newBuilder().setAll(true).build())
                    .getContainersList(), table::setAll);
            return sub;
        });
    }

    private void refreshRow(ContainersTableModel table, Event e) {
        String id = e.getObjectId();
        if (e.getType().equals("container.removed")) {
            ui.dispatch(() -> table.remove(id));
            return;
        }
        call(() -> client.containers().list(ListContainersRequest.newBuilder().setAll(true).setIdPrefix(id).build())
                .getContainersList(), found -> {
                    boolean any = false;
                    for (Container c : found) {
                        if (c.getId().equals(id)) {
                            table.upsert(c);
                            any = true;
                        }
                    }
                    if (!any) {
                        table.remove(id);
                    }
                });
    }

    /** Engine.Info and Version now, and again after container and image events (at most every 500 ms). */
    public AutoCloseable watchInfo(EngineInfoModel info) {
        AtomicBoolean scheduled = new AtomicBoolean();
        Runnable refresh = () -> call(() -> {
            scheduled.set(false);
            EngineGrpc.EngineBlockingStub engine = client.engine();
            return new Object[] {engine.info(InfoRequest.getDefaultInstance()), engine.version(VersionRequest.getDefaultInstance())};
        }, r -> info.update((dev.podlab.api.v1.InfoResponse) r[0], (dev.podlab.api.v1.VersionResponse) r[1]));
        return resilient(lost -> {
            Sub<WatchEventsRequest, Event> sub = new Sub<>(e -> {
                if (!e.getType().equals("step") && scheduled.compareAndSet(false, true)) {
                    // Bursts of events (a create emits several) cost one refresh.
                    execute(() -> {
                        sleep(500);
                        refresh.run();
                    });
                }
            }, null, lost);
            client.eventsAsync().watch(WatchEventsRequest.newBuilder().setFollow(true).build(), sub);
            refresh.run();
            return sub;
        });
    }

    /**
     * Metrics.History, then every Metrics.Watch round, into the series; the table (when given) gets the
     * latest sample of each container for its CPU and memory columns.
     */
    public AutoCloseable watchMetrics(MetricsSeriesModel series, ContainersTableModel table) {
        return resilient(lost -> {
            Sub<MetricsRequest, MetricsRound> sub = new Sub<>(round -> ui.dispatch(() -> {
                series.applyRound(round);
                if (table != null) {
                    table.updateUsage(round.getSamplesMap());
                }
            }), null, lost);
            openMetrics(series, table, sub, lost);
            return sub;
        });
    }

    private void openMetrics(MetricsSeriesModel series, ContainersTableModel table, Sub<MetricsRequest, MetricsRound> sub,
                             Runnable lost) {
        call(() -> client.metrics().history(MetricsRequest.getDefaultInstance()), (MetricsHistory h) -> {
            series.loadHistory(h);
            if (table != null) {
                Map<String, Sample> latest = new HashMap<>();
                for (Series s : h.getSeriesList()) {
                    if (s.getSamplesCount() > 0) {
                        latest.put(s.getId(), s.getSamples(s.getSamplesCount() - 1));
                    }
                }
                table.updateUsage(latest);
            }
            if (!closed && !sub.cancelled) {
                client.metricsAsync().watch(MetricsRequest.getDefaultInstance(), sub);
            }
        }, m -> {
            errors.accept(m);
            lost.run();
        });
    }

    /** Events matching {@code filter}: the kept ones (replay), then live; delivered in batches. */
    public AutoCloseable watchEvents(EventsModel model, EventFilter filter) {
        Batcher<Event> batch = new Batcher<>(model::addAll);
        Sub<WatchEventsRequest, Event> sub = new Sub<>(batch::add, null, null);
        client.eventsAsync().watch(WatchEventsRequest.newBuilder().setFilter(filter).setFollow(true).setReplay(true)
                .build(), sub);
        return track(sub);
    }

    /** The last {@code tail} lines of a container's log (0 = all), then new ones until it exits. */
    public AutoCloseable followLogs(LogsModel model, String id, int tail) {
        Batcher<LogEntry> batch = new Batcher<>(model::appendAll);
        Sub<LogsRequest, LogEntry> sub = new Sub<>(batch::add, why -> ui.dispatch(() -> model.end(why)), null);
        client.containersAsync().logs(LogsRequest.newBuilder().setId(id).setFollow(true).setTail(tail).build(), sub);
        return track(sub);
    }

    /**
     * A feed that opens again, after {@link #RETRY_MILLIS}, whenever the engine goes away (a restart, an
     * upgrade): {@code opener} gets the callback its streams call when lost, and re-reads its initial state.
     */
    private AutoCloseable resilient(java.util.function.Function<Runnable, Sub<?, ?>> opener) {
        var feed = new Resilient(opener);
        feed.open();
        return track(feed);
    }

    /** How long a lost feed waits before it reopens. */
    public static final long RETRY_MILLIS = 2000;

    private final class Resilient implements AutoCloseable {
        private final java.util.function.Function<Runnable, Sub<?, ?>> opener;
        private final AtomicBoolean retrying = new AtomicBoolean();
        private volatile Sub<?, ?> current;
        private volatile boolean stopped;

        Resilient(java.util.function.Function<Runnable, Sub<?, ?>> opener) {
            this.opener = opener;
        }

        void open() {
            if (!stopped && !closed) {
                current = opener.apply(this::lost);
            }
        }

        private void lost() {
            if (stopped || closed || !retrying.compareAndSet(false, true)) {
                return;
            }
            execute(() -> {
                sleep(RETRY_MILLIS);
                retrying.set(false);
                Sub<?, ?> old = current;
                if (old != null) {
                    old.close();
                }
                // Without this the channel may sit in its exponential reconnect backoff for minutes.
                client.channel().resetConnectBackoff();
                open();
            });
        }

        @Override
        public void close() {
            stopped = true;
            Sub<?, ?> c = current;
            if (c != null) {
                c.close();
            }
        }
    }

    private AutoCloseable track(AutoCloseable sub) {
        open.add(sub);
        return () -> {
            open.remove(sub);
            sub.close();
        };
    }

    @Override
    public void close() {
        closed = true;
        for (AutoCloseable s : open) {
            try {
                s.close();
            } catch (Exception e) {
                // Cancelling a call cannot fail in a way that matters at shutdown.
            }
        }
        open.clear();
        workers.shutdownNow();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs on a worker unless the feeds were closed meanwhile (a late stream callback). */
    private void execute(Runnable task) {
        try {
            workers.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closed: nothing more to fetch.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Coalesces items arriving on gRPC threads into one UI task per burst. */
    private final class Batcher<T> {
        private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final Consumer<List<T>> sink;

        Batcher(Consumer<List<T>> sink) {
            this.sink = sink;
        }

        void add(T item) {
            queue.add(item);
            if (scheduled.compareAndSet(false, true)) {
                ui.dispatch(this::drain);
            }
        }

        private void drain() {
            scheduled.set(false);
            List<T> items = new ArrayList<>();
            for (T t; (t = queue.poll()) != null; ) {
                items.add(t);
            }
            if (!items.isEmpty()) {
                sink.accept(items);
            }
        }
    }

    /** A server stream's observer that can cancel its call; a failure goes to the status line. */
    private final class Sub<Q, T> implements ClientResponseObserver<Q, T>, AutoCloseable {
        private final Consumer<T> onNext;
        private final Consumer<String> onEnd;
        private final Runnable onLost;
        private volatile ClientCallStreamObserver<Q> call;
        volatile boolean cancelled;

        /**
         * @param onEnd told why the stream ended ("ended" when the server completed it); null: errors only
         * @param onLost called when a live stream failed or ended (null: nothing reopens it)
         */
        Sub(Consumer<T> onNext, Consumer<String> onEnd, Runnable onLost) {
            this.onNext = onNext;
            this.onEnd = onEnd;
            this.onLost = onLost;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
            call = requestStream;
            if (cancelled) {
                requestStream.cancel("closed by the view", null);
            }
        }

        @Override
        public void onNext(T value) {
            if (!cancelled) {
                onNext.accept(value);
            }
        }

        @Override
        public void onError(Throwable t) {
            if (cancelled || closed) {
                return;
            }
            String m = describe(t);
            if (onEnd != null) {
                onEnd.accept(m);
            } else {
                ui.dispatch(() -> errors.accept(m));
            }
            if (onLost != null) {
                onLost.run();
            }
        }

        @Override
        public void onCompleted() {
            if (cancelled || closed) {
                return;
            }
            if (onEnd != null) {
                onEnd.accept("ended");
            } else {
                // Live streams end only when the engine stops: say so rather than show stale data silently.
                ui.dispatch(() -> errors.accept("the engine ended a live stream (stopped or restarted?): reconnecting"));
            }
            if (onLost != null) {
                onLost.run();
            }
        }

        @Override
        public void close() {
            cancelled = true;
            ClientCallStreamObserver<Q> c = call;
            if (c != null) {
                c.cancel("closed by the view", null);
            }
        }
    }
}
