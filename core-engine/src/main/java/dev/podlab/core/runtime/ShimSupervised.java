package dev.podlab.core.runtime;

import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.runtime.builtin.ShimClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The part every handler shares: after create, podlab-shim supervises the container and answers
 * start, kill and wait on its control socket (docs/shim.md), whoever set the container up.
 */
public abstract class ShimSupervised implements RuntimeHandler {
    protected final Path shim;

    protected ShimSupervised(Path shim) {
        this.shim = shim;
    }

    protected ShimClient client(Target t) {
        return new ShimClient(shim, t.dir());
    }

    @Override
    public List<TraceEvent> start(Target t) {
        return client(t).start(t.name());
    }

    @Override
    public void kill(Target t, int signal) {
        client(t).kill(signal, t.name());
    }

    @Override
    public void reopenLog(Target t) {
        client(t).reopenLog(t.name());
    }

    @Override
    public Optional<ExitRecord> awaitExit(Target t, Duration timeout) {
        return client(t).awaitExit(timeout);
    }

    @Override
    public AttachSession attach(Target t, AttachSession.Listener listener) {
        return client(t).attach(t.name(), listener);
    }

    @Override
    public Optional<ExitRecord> readExit(Target t) {
        return client(t).readExit();
    }
}
