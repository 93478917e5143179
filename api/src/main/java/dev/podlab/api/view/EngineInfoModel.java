package dev.podlab.api.view;

import dev.podlab.api.v1.InfoResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.VersionResponse;

import java.util.List;

/** What the header shows: the host and engine (Engine.Info + Engine.Version), refreshed on events. */
public final class EngineInfoModel extends ViewModel {
    private InfoResponse info = InfoResponse.getDefaultInstance();
    private VersionResponse version = VersionResponse.getDefaultInstance();
    private boolean reconnecting;

    public EngineInfoModel(Dispatcher ui) {
        super(ui);
    }

    public void update(InfoResponse info, VersionResponse version) {
        checkUiThread();
        this.info = info;
        this.version = version;
        changed();
    }

    public InfoResponse info() {
        return info;
    }

    public VersionResponse version() {
        return version;
    }

    public List<Runtime> runtimes() {
        return info.getRuntimesList();
    }

    /** Milliseconds the engine has been up at {@code nowMillis}, or -1 before the first update. */
    public long uptimeMillis(long nowMillis) {
        return version.getStartedAt() == 0 ? -1 : Math.max(0, nowMillis - version.getStartedAt() / 1_000_000);
    }

    /** Set by {@link EngineFeeds} while a live feed has lost the engine and is reconnecting. */
    public void setReconnecting(boolean value) {
        checkUiThread();
        if (value != reconnecting) {
            reconnecting = value;
            changed();
        }
    }

    /** Whether the engine is out of reach and the feeds are reconnecting (the header says "engine: reconnecting"). */
    public boolean reconnecting() {
        return reconnecting;
    }
}
