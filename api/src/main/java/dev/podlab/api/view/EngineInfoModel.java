package dev.podlab.api.view;

import dev.podlab.api.v1.InfoResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.v1.VersionResponse;

import dev.podlab.api.Bytes;

import java.util.ArrayList;
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

    /** One line of the host page: what and its value. */
    public record HostFact(String label, String value) {}

    /**
     * The host and the engine as a list of facts (kernel, cgroups, CPUs, memory, the engine's version, pid,
     * uptime, memory, socket and state root, counts, runtimes, metrics settings, what the start-up repaired);
     * empty before the first update.
     */
    public List<HostFact> hostFacts(long nowMillis) {
        if (info.equals(InfoResponse.getDefaultInstance())) {
            return List.of();
        }
        List<HostFact> out = new ArrayList<>();
        out.add(new HostFact("kernel", info.getKernel()));
        out.add(new HostFact("cgroups", info.getCgroupVersion() + (info.getCgroupControllersCount() == 0 ? ""
                : " (" + String.join(", ", info.getCgroupControllersList()) + ")")));
        out.add(new HostFact("cgroup parent", info.getCgroupParent()));
        out.add(new HostFact("CPUs", Integer.toString(info.getHostCpus())));
        out.add(new HostFact("memory", Bytes.human(info.getHostMemoryBytes())));
        long up = uptimeMillis(nowMillis);
        out.add(new HostFact("engine", info.getVersion() + (version.getPid() == 0 ? "" : ", pid " + version.getPid())
                + (up < 0 ? "" : ", up " + up / 60_000 + " min")));
        out.add(new HostFact("engine memory (RSS)", Bytes.human(info.getEngineRssBytes())));
        out.add(new HostFact("socket", version.getSocket()));
        out.add(new HostFact("state root", info.getStateRoot()));
        out.add(new HostFact("containers", info.getContainers() + " (" + info.getContainersRunning() + " running)"));
        out.add(new HostFact("images", Integer.toString(info.getImages())));
        out.add(new HostFact("runtimes", String.join(", ", runtimes().stream().map(r -> r.getName()
                + (r.getName().equals(info.getDefaultRuntime()) ? " (default)" : "") + (r.getWorks() ? "" : " (not here)"))
                .toList())));
        out.add(new HostFact("metrics", "every " + info.getMetricsInterval() + ", kept " + info.getMetricsHistory()));
        out.add(new HostFact("repaired at start-up", info.getRepairedCount() == 0 ? "nothing"
                : String.join("; ", info.getRepairedList())));
        return List.copyOf(out);
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
