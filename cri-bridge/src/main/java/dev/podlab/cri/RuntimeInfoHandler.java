package dev.podlab.cri;

import dev.podlab.api.server.Versions;
import dev.podlab.cri.v1.CgroupDriver;
import dev.podlab.cri.v1.LinuxRuntimeConfiguration;
import dev.podlab.cri.v1.RuntimeCondition;
import dev.podlab.cri.v1.RuntimeConfigResponse;
import dev.podlab.cri.v1.RuntimeHandler;
import dev.podlab.cri.v1.RuntimeHandlerFeatures;
import dev.podlab.cri.v1.RuntimeStatus;
import dev.podlab.cri.v1.StatusRequest;
import dev.podlab.cri.v1.StatusResponse;
import dev.podlab.cri.v1.VersionRequest;
import dev.podlab.cri.v1.VersionResponse;

import java.util.List;

/** Version, Status, RuntimeConfig. */
final class RuntimeInfoHandler {
    static final String RUNTIME_NAME = "podlab";
    static final String API_VERSION = "v1";

    private final CriContext cx;

    RuntimeInfoHandler(CriContext cx) {
        this.cx = cx;
    }

    VersionResponse version(VersionRequest req) {
        return VersionResponse.newBuilder().setVersion("0.1.0").setRuntimeName(RUNTIME_NAME)
                .setRuntimeVersion(Versions.podlab()).setRuntimeApiVersion(API_VERSION).build();
    }

    /** RuntimeReady always (we answer); NetworkReady when every CNI plugin of the pod network is installed. */
    StatusResponse status(StatusRequest req) {
        List<String> missing = cx.service.network().missingPlugins();
        var network = RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(missing.isEmpty());
        if (!missing.isEmpty()) {
            network.setReason("NetworkPluginNotReady").setMessage("CNI plugins missing from "
                    + cx.service.settings().cni().binDirs() + ": " + String.join(", ", missing)
                    + " (apt-get install containernetworking-plugins)");
        }
        var out = StatusResponse.newBuilder().setStatus(RuntimeStatus.newBuilder()
                .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(true))
                .addConditions(network));
        out.addRuntimeHandlers(RuntimeHandler.newBuilder().setName("")
                .setFeatures(RuntimeHandlerFeatures.getDefaultInstance()));
        for (String name : cx.engine.runtimes().names()) {
            out.addRuntimeHandlers(RuntimeHandler.newBuilder().setName(name)
                    .setFeatures(RuntimeHandlerFeatures.getDefaultInstance()));
        }
        if (req.getVerbose()) {
            out.putInfo("config", "{\"network\":\"" + cx.service.network().config().name() + "\",\"stateRoot\":\""
                    + cx.service.settings().stateRoot().toString().replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\"}");
        }
        return out.build();
    }

    /** podlab manages cgroups by path (cgroupfs), on v1 and v2 alike. */
    RuntimeConfigResponse runtimeConfig() {
        return RuntimeConfigResponse.newBuilder().setLinux(LinuxRuntimeConfiguration.newBuilder()
                .setCgroupDriver(CgroupDriver.CGROUPFS)).build();
    }
}
