package dev.podlab.api.view;

import dev.podlab.api.ApiStatus;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.EngineGrpc;
import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.ListPodsRequest;
import dev.podlab.api.v1.PullImageRequest;
import dev.podlab.api.v1.PullProgress;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Connects view models to the engine: every engine call runs on a worker (virtual) thread, every stream
 * callback arrives on gRPC's threads, and only the results cross to the UI thread through the
 * {@link Dispatcher}. Streams are pushed by the engine (Events.Watch, Metrics.Watch, Containers.Logs);
 * nothing polls. Each {@code watch...} returns a handle that cancels its streams; {@link #close()} cancels all.
 * Every live feed (tables, header, metrics, logs, events, a pod's page) reopens itself when the engine goes
 * away (restart, upgrade): the error goes to the status line, the header model says "reconnecting", and the
 * feed waits {@link #RETRY_MILLIS}, doubling up to {@link #MAX_RETRY_MILLIS}, until the engine answers (started
 * again through {@link #setEngineStarter} when one is given), then reopens and re-reads its state.
 */
public final class EngineFeeds implements AutoCloseable {
    private final PodlabClient client;
    private final Dispatcher ui;
    private final Consumer<String> errors;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("podlab-feed-", 0).factory());
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final java.util.Set<Object> lostFeeds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<Consumer<Boolean>> connectionListeners = new CopyOnWriteArrayList<>();
    private volatile Runnable engineStarter;
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

    /**
     * The pods table from Pods.List, listed again after pod and container events (a burst costs one List, at
     * most every {@value #POD_REFRESH_MILLIS} ms). The event stream opens first so that nothing is missed.
     */
    public AutoCloseable watchPods(PodsTableModel table) {
        AtomicBoolean scheduled = new AtomicBoolean();
        Runnable list = () -> call(() -> client.pods().list(ListPodsRequest.getDefaultInstance()).getPodsList(),
                table::setAll);
        return resilient(lost -> {
            Sub<WatchEventsRequest, Event> sub = new Sub<>(e -> {
                String t = e.getType();
                if ((t.startsWith("pod.") || t.startsWith("container.")) && scheduled.compareAndSet(false, true)) {
                    execute(() -> {
                        sleep(POD_REFRESH_MILLIS);
                        scheduled.set(false);
                        list.run();
                    });
                }
            }, null, lost);
            client.eventsAsync().watch(WatchEventsRequest.newBuilder().setFollow(true).build(), sub);
            list.run();
            return sub;
        });
    }

    /** How long a pods table waits after an event before it lists again, so that a burst costs one call. */
    public static final long POD_REFRESH_MILLIS = 150;

    /**
     * One pod's page: Pods.Get now and again after each of the pod's own events (status changes included), and
     * its "step" events (replayed, then live) into the trace. A pod that is gone is marked so, not an error.
     *
     * @param model built with the pod's id (events are filtered by it)
     */
    public AutoCloseable watchPod(PodDetailModel model) {
        AtomicBoolean scheduled = new AtomicBoolean();
        AtomicLong lastTime = new AtomicLong();
        Runnable get = () -> execute(() -> {
            try {
                var pod = client.pods().get(GetPodRequest.newBuilder().setPod(model.podRef()).build()).getPod();
                ui.dispatch(() -> model.update(pod));
            } catch (RuntimeException e) {
                String m = describe(e);
                boolean gone = e instanceof StatusRuntimeException se && se.getStatus().getCode() == Status.Code.NOT_FOUND;
                if (!closed) {
                    ui.dispatch(() -> {
                        if (gone) {
                            model.gone(m);
                        } else {
                            errors.accept(m);
                        }
                    });
                }
            }
        });
        Batcher<Event> steps = new Batcher<>(model::addSteps);
        return resilient(lost -> {
            Sub<WatchEventsRequest, Event> sub = new Sub<>(e -> {
                lastTime.accumulateAndGet(e.getTime(), Math::max);
                if (e.getType().equals("step")) {
                    steps.add(e);
                } else if (scheduled.compareAndSet(false, true)) {
                    execute(() -> {
                        sleep(POD_REFRESH_MILLIS);
                        scheduled.set(false);
                        get.run();
                    });
                }
            }, null, lost);
            // On a reopen only what came after the last event seen is replayed: the trace does not double.
            client.eventsAsync().watch(WatchEventsRequest.newBuilder().setFilter(EventFilter.newBuilder()
                    .setObjectId(model.podRef()).setSince(lastTime.get() == 0 ? 0 : lastTime.get() + 1))
                    .setFollow(true).setReplay(true).build(), sub);
            get.run();
            return sub;
        });
    }

    /**
     * A pod's raw cgroup values (Pods.Cgroups) now and again on each metrics round that {@code series} receives
     * (the engine's sampling tick, so there is no second poll loop); a round that arrives while a call is still
     * out is skipped, and a pod that is gone (NOT_FOUND) ends the refreshes. The handle stops them.
     */
    public AutoCloseable watchCgroups(CgroupTreeModel model, MetricsSeriesModel series) {
        boolean[] inFlight = {false};   // these three are touched on the UI thread only
        boolean[] stopped = {false};
        long[] lastRound = {-1};
        Runnable refresh = () -> {
            if (inFlight[0] || stopped[0] || closed) {
                return;
            }
            inFlight[0] = true;
            lastRound[0] = series.rounds();
            execute(() -> {
                try {
                    var r = client.pods().cgroups(GetPodRequest.newBuilder().setPod(model.podRef()).build());
                    ui.dispatch(() -> {
                        inFlight[0] = false;
                        model.update(r);
                    });
                } catch (RuntimeException e) {
                    String m = describe(e);
                    // A deleted pod: its page says so (watchPod); asking again each round would only repeat it.
                    boolean gone = e instanceof StatusRuntimeException se && se.getStatus().getCode() == Status.Code.NOT_FOUND;
                    ui.dispatch(() -> {
                        inFlight[0] = false;
                        stopped[0] |= gone;
                        if (!gone && !closed) {
                            errors.accept(m);
                        }
                    });
                }
            });
        };
        AutoCloseable listener = series.addListener(() -> {
            if (series.rounds() != lastRound[0]) {
                refresh.run();
            }
        });
        ui.dispatch(refresh);
        return () -> {
            stopped[0] = true;
            listener.close();
        };
    }

    /**
     * Pulls an image (Images.Pull) on a worker; its progress messages go to the model in UI-thread batches, the
     * end or the failure too. Returns a handle that stops listening (the engine finishes the pull anyway).
     */
    public AutoCloseable pull(PullProgressModel model, String reference) {
        AtomicBoolean stop = new AtomicBoolean();
        Batcher<PullProgress> batch = new Batcher<>(items -> items.forEach(model::apply));
        ui.dispatch(() -> model.start(reference));
        execute(() -> {
            try {
                var it = client.images().pull(PullImageRequest.newBuilder().setReference(reference).build());
                while (!stop.get() && it.hasNext()) {
                    batch.add(it.next());
                }
                ui.dispatch(model::end);
            } catch (RuntimeException e) {
                if (!closed && !stop.get()) {
                    String m = describe(e);
                    ui.dispatch(() -> model.fail(m));
                }
            }
        });
        return () -> stop.set(true);
    }

    /**
     * How to start the engine when a lost feed finds none answering (the CLI passes its start-on-demand);
     * without one, feeds wait for someone else to start it.
     */
    public void setEngineStarter(Runnable starter) {
        this.engineStarter = starter;
    }

    /** Told on the UI thread whenever the feeds lose the engine (true) or have it back (false). */
    public AutoCloseable onConnectionChange(Consumer<Boolean> reconnecting) {
        connectionListeners.add(reconnecting);
        return () -> connectionListeners.remove(reconnecting);
    }

    /** Whether some feed has lost the engine and is reconnecting. */
    public boolean reconnecting() {
        return !lostFeeds.isEmpty();
    }

    private void feedLost(Object feed) {
        if (lostFeeds.add(feed) && lostFeeds.size() == 1) {
            tellConnection(true);
        }
    }

    private void feedBack(Object feed) {
        if (lostFeeds.remove(feed) && lostFeeds.isEmpty()) {
            tellConnection(false);
        }
    }

    private void tellConnection(boolean reconnecting) {
        ui.dispatch(() -> connectionListeners.forEach(l -> l.accept(reconnecting)));
    }

    /**
     * Engine.Info and Version now, and again after container and image events (at most every 500 ms); the
     * model also hears whether the feeds are reconnecting.
     */
    public AutoCloseable watchInfo(EngineInfoModel info) {
        AutoCloseable connection = onConnectionChange(info::setReconnecting);
        AutoCloseable feed = watchInfoFeed(info);
        return () -> {
            connection.close();
            feed.close();
        };
    }

    private AutoCloseable watchInfoFeed(EngineInfoModel info) {
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
        return watchMetrics(series, table, null);
    }

    /**
     * As {@link #watchMetrics(MetricsSeriesModel, ContainersTableModel)}, and the pods table (when given) gets
     * the latest sample of each pod cgroup (the engine samples pods under their pod id).
     */
    public AutoCloseable watchMetrics(MetricsSeriesModel series, ContainersTableModel table, PodsTableModel pods) {
        return resilient(lost -> {
            Sub<MetricsRequest, MetricsRound> sub = new Sub<>(round -> ui.dispatch(() -> {
                series.applyRound(round);
                if (table != null) {
                    table.updateUsage(round.getSamplesMap());
                }
                if (pods != null) {
                    pods.updateUsage(round.getSamplesMap());
                }
            }), null, lost);
            openMetrics(series, table, pods, sub, lost);
            return sub;
        });
    }

    private void openMetrics(MetricsSeriesModel series, ContainersTableModel table, PodsTableModel pods,
                             Sub<MetricsRequest, MetricsRound> sub, Runnable lost) {
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
            if (pods != null) {
                Map<String, Sample> latest = new HashMap<>();
                for (Series s : h.getSeriesList()) {
                    if (s.getSamplesCount() > 0) {
                        latest.put(s.getId(), s.getSamples(s.getSamplesCount() - 1));
                    }
                }
                pods.updateUsage(latest);
            }
            if (!closed && !sub.cancelled) {
                client.metricsAsync().watch(MetricsRequest.getDefaultInstance(), sub);
            }
        }, m -> {
            errors.accept(m);
            lost.run();
        });
    }

    /**
     * Events matching {@code filter}: the kept ones (replay), then live; delivered in batches. After the engine
     * comes back, only events after the last one seen are replayed.
     */
    public AutoCloseable watchEvents(EventsModel model, EventFilter filter) {
        Batcher<Event> batch = new Batcher<>(model::addAll);
        AtomicLong lastTime = new AtomicLong();
        return resilient(lost -> {
            Sub<WatchEventsRequest, Event> sub = new Sub<>(e -> {
                lastTime.accumulateAndGet(e.getTime(), Math::max);
                batch.add(e);
            }, null, lost);
            EventFilter f = lastTime.get() == 0 ? filter : filter.toBuilder().setSince(lastTime.get() + 1).build();
            client.eventsAsync().watch(WatchEventsRequest.newBuilder().setFilter(f).setFollow(true).setReplay(true)
                    .build(), sub);
            return sub;
        });
    }

    /**
     * The last {@code tail} lines of a container's log (0 = all), then new ones until it exits. When the engine
     * goes away the stream reopens from the last line seen (no line twice); the model ends only when the
     * container's log ends or the engine refuses the stream.
     */
    public AutoCloseable followLogs(LogsModel model, String id, int tail) {
        return followLogs(model, id, tail, false);
    }

    /** As {@link #followLogs(LogsModel, String, int)}; {@code previous} reads the pod container's previous instance. */
    public AutoCloseable followLogs(LogsModel model, String id, int tail, boolean previous) {
        Batcher<LogEntry> batch = new Batcher<>(model::appendAll);
        AtomicLong lastTime = new AtomicLong();
        return resilient(lost -> {
            Sub<LogsRequest, LogEntry> sub = new Sub<>(entry -> {
                lastTime.accumulateAndGet(entry.getTime(), Math::max);
                batch.add(entry);
            }, why -> ui.dispatch(() -> model.end(why)), lost);
            var req = LogsRequest.newBuilder().setId(id).setFollow(true).setPrevious(previous);
            if (lastTime.get() == 0) {
                req.setTail(tail);
            } else {
                req.setSince(lastTime.get() + 1);
            }
            client.containersAsync().logs(req.build(), sub);
            return sub;
        });
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

    /** How long a lost feed waits before it first tries again; the wait doubles up to {@link #MAX_RETRY_MILLIS}. */
    public static final long RETRY_MILLIS = 500;

    /** The longest wait between two attempts to reach a lost engine. */
    public static final long MAX_RETRY_MILLIS = 8000;

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
            feedLost(this);
            execute(() -> {
                Sub<?, ?> old = current;
                if (old != null) {
                    old.close();
                }
                long wait = RETRY_MILLIS;
                while (!stopped && !closed) {
                    sleep(wait);
                    // Without this the channel may sit in its own exponential reconnect backoff for minutes.
                    client.channel().resetConnectBackoff();
                    try {
                        if (client.ping(java.time.Duration.ofSeconds(2)) != null) {
                            break;
                        }
                    } catch (RuntimeException e) {
                        // Something answers but refuses Version (a foreign socket?): keep trying, say why.
                        String m = describe(e);
                        ui.dispatch(() -> errors.accept(m));
                    }
                    Runnable starter = engineStarter;
                    if (starter != null) {
                        try {
                            starter.run();
                        } catch (RuntimeException e) {
                            String m = describe(e);
                            ui.dispatch(() -> errors.accept(m));
                        }
                    }
                    wait = Math.min(MAX_RETRY_MILLIS, wait * 2);
                }
                retrying.set(false);
                if (!stopped && !closed) {
                    feedBack(this);
                    open();
                }
            });
        }

        @Override
        public void close() {
            stopped = true;
            feedBack(this);
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

    /** Whether a stream failed because the engine went away (stopped, restarted), not because it refused. */
    static boolean engineGone(Throwable t) {
        if (t instanceof StatusRuntimeException se) {
            Status.Code c = se.getStatus().getCode();
            return c == Status.Code.UNAVAILABLE || c == Status.Code.CANCELLED || c == Status.Code.UNKNOWN;
        }
        return false;
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
            if (onEnd != null && onLost != null && engineGone(t)) {
                // A followed log survives an engine restart: say so and reopen, do not end the view.
                ui.dispatch(() -> errors.accept(m));
                onLost.run();
                return;
            }
            if (onEnd != null) {
                onEnd.accept(m);
                return;
            }
            ui.dispatch(() -> errors.accept(m));
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
                // The log's end (the container exited): nothing to reopen.
                onEnd.accept("ended");
                return;
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
