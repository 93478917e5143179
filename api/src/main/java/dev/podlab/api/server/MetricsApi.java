package dev.podlab.api.server;

import dev.podlab.api.v1.MetricsGrpc;
import dev.podlab.api.v1.MetricsHistory;
import dev.podlab.api.v1.MetricsRequest;
import dev.podlab.api.v1.MetricsRound;
import dev.podlab.api.v1.Series;
import dev.podlab.core.metrics.MetricsSample;
import dev.podlab.core.metrics.MetricsSampler;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** Metrics history from the sampler's ring buffers and a live stream of its rounds. */
final class MetricsApi extends MetricsGrpc.MetricsImplBase {
    private final MetricsSampler sampler;
    private final EngineService service;

    MetricsApi(EngineService service) {
        this.service = service;
        this.sampler = service.sampler();
    }

    /** Full ids for the requested ids or prefixes; every sampled id when none are given. */
    private Collection<String> resolve(MetricsRequest req) {
        if (req.getIdsCount() == 0) {
            return sampler.ids();
        }
        Set<String> out = new HashSet<>();
        for (String ref : req.getIdsList()) {
            out.add(service.engine().inspect(ref).id());
        }
        return out;
    }

    @Override
    public void history(MetricsRequest req, StreamObserver<MetricsHistory> out) {
        Errors.unary(out, () -> {
            var b = MetricsHistory.newBuilder().setIntervalMillis(sampler.interval().toMillis());
            for (String id : resolve(req)) {
                sampler.history(id).ifPresent(snap -> {
                    var s = Series.newBuilder().setId(id);
                    for (MetricsSample m : snap.samples()) {
                        s.addSamples(Wire.sample(m));
                    }
                    b.addSeries(s);
                });
            }
            return b.build();
        });
    }

    @Override
    public void watch(MetricsRequest req, StreamObserver<MetricsRound> plain) {
        var out = (ServerCallStreamObserver<MetricsRound>) plain;
        Set<String> wanted;
        try {
            wanted = req.getIdsCount() == 0 ? null : Set.copyOf(resolve(req));
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        AutoCloseable sub = sampler.subscribe(round -> {
            var b = MetricsRound.newBuilder();
            long time = 0;
            for (var e : round.entrySet()) {
                if (wanted == null || wanted.contains(e.getKey())) {
                    b.putSamples(e.getKey(), Wire.sample(e.getValue()));
                    time = e.getValue().epochMillis();
                }
            }
            synchronized (out) {
                if (!out.isCancelled()) {
                    out.onNext(b.setEpochMillis(time != 0 ? time : System.currentTimeMillis()).build());
                }
            }
        });
        Runnable stop = () -> {
            try {
                sub.close();
            } catch (Exception e) {
                // Removing a listener cannot fail.
            }
        };
        out.setOnCancelHandler(stop);
        out.setOnCloseHandler(stop);
    }
}
