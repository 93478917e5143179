package dev.podlab.cri;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.podlab.core.pod.PodRecord;
import dev.podlab.core.pod.SandboxSpec;

import java.util.List;

/**
 * A CRI pod sandbox as the bridge keeps it ({@code <stateRoot>/cri/sandboxes/<id>/sandbox.json}).
 *
 * @param sandbox  what {@link dev.podlab.core.pod.PodSandbox} made; null once stopped (its resources are released)
 * @param ready    SANDBOX_READY until StopPodSandbox
 * @param ip       the pod IP it had (kept after stop for the status)
 * @param warnings what could not be honoured
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CriSandbox(String id, SandboxSpec spec, PodRecord.Sandbox sandbox, boolean ready, String ip,
                         long createdAt, List<String> warnings) {
    public CriSandbox {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        ip = ip == null ? "" : ip;
    }

    CriSandbox stopped() {
        return new CriSandbox(id, spec, null, false, ip, createdAt, warnings);
    }
}
