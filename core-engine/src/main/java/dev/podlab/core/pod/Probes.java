package dev.podlab.core.pod;

import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExecResult;
import dev.podlab.core.pod.manifest.Container;
import dev.podlab.core.pod.manifest.Handler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Runs probes and lifecycle hooks as kubelet does: exec inside the container (exit 0 is success), HTTP GET
 * of the pod's IP (200-399 is success), TCP connect, sleep. HTTP and TCP go to the pod's address on its
 * bridge, so they work for the same reasons a client's traffic would.
 */
final class Probes {
    /** Outcome of one probe: success, and the reason a person reads when it failed. */
    record Result(boolean success, String message) {
        static Result ok() {
            return new Result(true, "");
        }

        static Result failed(String why) {
            return new Result(false, why);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final ContainerEngine engine;

    Probes(ContainerEngine engine) {
        this.engine = engine;
    }

    Result run(Handler handler, Container container, String containerId, String podIp, Duration timeout) {
        try {
            return switch (handler) {
                case Handler.Exec e -> {
                    ExecResult r = engine.exec(containerId, ExecRequest.of(e.command()), timeout);
                    if (r.timedOut()) {
                        yield Result.failed("command timed out after " + timeout.toMillis() + " ms");
                    }
                    yield r.exitCode() == 0 ? Result.ok() : Result.failed("command exited with " + r.exitCode()
                            + tail(r.stdoutText() + new String(r.stderr())));
                }
                case Handler.HttpGet h -> http(h, container, podIp, timeout);
                case Handler.TcpSocket t -> tcp(t, container, podIp, timeout);
                case Handler.Sleep s -> {
                    Thread.sleep(Math.min(s.seconds() * 1000, timeout.toMillis()));
                    yield Result.ok();
                }
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.failed("interrupted");
        } catch (RuntimeException e) {
            return Result.failed(dev.podlab.core.PodlabException.describe(e));
        }
    }

    private static Result http(Handler.HttpGet h, Container c, String podIp, Duration timeout)
            throws InterruptedException {
        OptionalInt port = h.port().resolve(c);
        if (port.isEmpty()) {
            return Result.failed("no port named " + h.port().name());
        }
        String host = h.host() == null || h.host().isEmpty() ? podIp : h.host();
        if (host.isEmpty()) {
            return Result.failed("the pod has no IP address (no pod network), so HTTP probes cannot reach it");
        }
        String path = h.path() == null || h.path().isEmpty() ? "/" : h.path().startsWith("/") ? h.path() : "/" + h.path();
        URI uri = URI.create((h.scheme() == null ? "http" : h.scheme().toLowerCase()) + "://" + host + ":"
                + port.getAsInt() + path);
        var req = HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", "podlab-probe/1.0").GET();
        h.headers().forEach(x -> req.header(x.name(), x.value()));
        try {
            HttpResponse<Void> r = HTTP.send(req.build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() >= 200 && r.statusCode() < 400 ? Result.ok()
                    : Result.failed("HTTP probe failed with statuscode: " + r.statusCode());
        } catch (IOException e) {
            return Result.failed("Get \"" + uri + "\": " + dev.podlab.core.PodlabException.describe(e));
        }
    }

    private static Result tcp(Handler.TcpSocket t, Container c, String podIp, Duration timeout) {
        OptionalInt port = t.port().resolve(c);
        if (port.isEmpty()) {
            return Result.failed("no port named " + t.port().name());
        }
        String host = t.host() == null || t.host().isEmpty() ? podIp : t.host();
        if (host.isEmpty()) {
            return Result.failed("the pod has no IP address (no pod network), so TCP probes cannot reach it");
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port.getAsInt()), (int) timeout.toMillis());
            return Result.ok();
        } catch (IOException e) {
            return Result.failed("dial tcp " + host + ":" + port.getAsInt() + ": " + e.getMessage());
        }
    }

    private static String tail(String output) {
        String s = output.strip();
        if (s.isEmpty()) {
            return "";
        }
        return ": " + (s.length() > 200 ? s.substring(s.length() - 200) : s);
    }
}
