package dev.podlab.cri;

import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ContainerStatus;
import dev.podlab.cri.stream.StreamRequest;
import dev.podlab.cri.stream.StreamServer;
import dev.podlab.cri.v1.AttachRequest;
import dev.podlab.cri.v1.AttachResponse;
import dev.podlab.cri.v1.ExecRequest;
import dev.podlab.cri.v1.ExecResponse;
import dev.podlab.cri.v1.PortForwardRequest;
import dev.podlab.cri.v1.PortForwardResponse;

/**
 * Exec, Attach and PortForward: validate the request as kubelet's streaming runtime does, then hand out a single-use
 * URL of the streaming server, which runs the command, attaches or forwards the ports when the client connects.
 */
final class StreamingHandler {
    private final CriContext cx;
    private final StreamServer server;

    StreamingHandler(CriContext cx, StreamServer server) {
        this.cx = cx;
        this.server = server;
    }

    ExecResponse exec(ExecRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        if (req.getCmdCount() == 0) {
            throw new CriArgumentException("failed to exec in container " + c.id() + ": cmd is empty");
        }
        checkStreams("exec in", c, req.getStdin(), req.getStdout(), req.getStderr(), req.getTty());
        requireRunning("exec in", c);
        String url = server.issue(new StreamRequest.Exec(c.id(), req.getCmdList(), req.getTty(), req.getStdin(),
                req.getStdout(), req.getStderr()));
        cx.publish("cri.container.exec", "container", c.id(), c.name(), String.join(" ", req.getCmdList()),
                c.sandboxId());
        return ExecResponse.newBuilder().setUrl(url).build();
    }

    /**
     * Attach to the container's own stdio. Its stdin_once comes from the container (create time): with it, the end
     * of this client's stdin closes the container's, and the session lasts until the container exits.
     */
    AttachResponse attach(AttachRequest req) {
        CriContainer c = cx.container(req.getContainerId());
        checkStreams("attach to", c, req.getStdin(), req.getStdout(), req.getStderr(), req.getTty());
        ContainerRecord r = requireRunning("attach to", c);
        String url = server.issue(new StreamRequest.Attach(c.id(), req.getTty(), req.getStdin(), req.getStdout(),
                req.getStderr(), r.config().stdinOnce()));
        cx.publish("cri.container.attach", "container", c.id(), c.name(), "Attach"
                + (req.getStdin() ? " with stdin" : ""), c.sandboxId());
        return AttachResponse.newBuilder().setUrl(url).build();
    }

    PortForwardResponse portForward(PortForwardRequest req) {
        CriSandbox s = cx.sandbox(req.getPodSandboxId());
        if (!s.ready() || s.sandbox() == null) {
            throw CriContext.wrongState("failed to forward ports of pod sandbox " + s.id() + ": it is not ready");
        }
        for (int p : req.getPortList()) {
            if (p < 1 || p > 65535) {
                throw new CriArgumentException("failed to forward ports of pod sandbox " + s.id() + ": invalid port "
                        + p);
            }
        }
        String url = server.issue(new StreamRequest.PortForward(s.id(), s.sandbox().netns(), req.getPortList()));
        cx.publish("cri.sandbox.port-forward", "sandbox", s.id(), s.spec().name(), req.getPortList().toString(), s.id());
        return PortForwardResponse.newBuilder().setUrl(url).build();
    }

    private static void checkStreams(String action, CriContainer c, boolean stdin, boolean stdout, boolean stderr,
                                     boolean tty) {
        if (!stdin && !stdout && !stderr) {
            throw new CriArgumentException("failed to " + action + " container " + c.id()
                    + ": one of stdin, stdout or stderr must be set");
        }
        if (tty && stderr) {
            throw new CriArgumentException("failed to " + action + " container " + c.id()
                    + ": tty and stderr cannot both be set (a terminal has one output stream)");
        }
    }

    private ContainerRecord requireRunning(String action, CriContainer c) {
        ContainerRecord r = cx.record(c.id()).orElseThrow(() -> CriContext.wrongState("failed to " + action
                + " container " + c.id() + ": it is gone"));
        if (r.status() != ContainerStatus.RUNNING) {
            throw CriContext.wrongState("failed to " + action + " container " + c.id() + ": it is "
                    + r.status().display());
        }
        return r;
    }
}
