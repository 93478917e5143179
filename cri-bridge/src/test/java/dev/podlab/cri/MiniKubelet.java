package dev.podlab.cri;

import dev.podlab.cri.v1.AttachRequest;
import dev.podlab.cri.v1.ExecRequest;
import dev.podlab.cri.v1.PortForwardRequest;
import dev.podlab.cri.v1.RuntimeServiceGrpc;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Just enough of an API server plus kubelet for kubectl on 127.0.0.1: discovery, GET of running pods (each a single
 * container named c, with stdin), and their exec, attach and portforward subresources, which it turns into CRI
 * Exec / Attach / PortForward calls (as kubelet does) and then relays byte for byte to the streaming URL with only
 * the request line rewritten. So kubectl's own SPDY and WebSocket clients talk to podlab's streaming server.
 */
final class MiniKubelet implements AutoCloseable {
    private final ServerSocket listener;
    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;
    private final String sandboxId;
    /** Pod name to its container id. */
    private final Map<String, String> pods = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    MiniKubelet(RuntimeServiceGrpc.RuntimeServiceBlockingStub rt, String pod, String sandboxId, String containerId)
            throws IOException {
        this.rt = rt;
        this.sandboxId = sandboxId;
        pods.put(pod, containerId);
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().start(this::accept);
    }

    /** Serves another pod (same sandbox for port forwarding) whose one container is {@code containerId}. */
    void addPod(String pod, String containerId) {
        pods.put(pod, containerId);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                open.add(s);
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        serve(s);
                    } catch (IOException | RuntimeException e) {
                        // kubectl went away
                    } finally {
                        open.remove(s);
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) throws IOException {
        InputStream in = new BufferedInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        while (true) {
            List<String> head = readHead(in);
            if (head == null) {
                return;
            }
            String[] rl = head.get(0).split(" ");
            URI uri = URI.create(rl[1]);
            String path = uri.getPath();
            String prefix = "/api/v1/namespaces/default/pods/";
            String[] rest = path.startsWith(prefix) ? path.substring(prefix.length()).split("/") : new String[0];
            String pod = rest.length > 0 ? rest[0] : "";
            String containerId = pods.get(pod);
            String base = prefix + pod;
            if (containerId != null && rest.length == 2 && List.of("exec", "attach", "portforward").contains(rest[1])) {
                String url;
                var q = query(uri.getRawQuery());
                if (path.endsWith("/exec")) {
                    var b = ExecRequest.newBuilder().setContainerId(containerId)
                            .setStdin(flag(q, "stdin")).setStdout(flag(q, "stdout")).setStderr(flag(q, "stderr"))
                            .setTty(flag(q, "tty"));
                    q.stream().filter(kv -> kv[0].equals("command")).forEach(kv -> b.addCmd(kv[1]));
                    url = rt.exec(b.build()).getUrl();
                } else if (path.endsWith("/attach")) {
                    url = rt.attach(AttachRequest.newBuilder().setContainerId(containerId).setStdin(flag(q, "stdin"))
                            .setStdout(flag(q, "stdout")).setStderr(flag(q, "stderr")).setTty(flag(q, "tty"))
                            .build()).getUrl();
                } else {
                    url = rt.portForward(PortForwardRequest.newBuilder().setPodSandboxId(sandboxId).build()).getUrl();
                }
                URI target = URI.create(url);
                try (Socket up = new Socket(target.getHost(), target.getPort())) {
                    var h = new StringBuilder(rl[0] + " " + target.getRawPath() + " HTTP/1.1\r\n");
                    head.subList(1, head.size()).forEach(l -> h.append(l).append("\r\n"));
                    h.append("\r\n");
                    up.getOutputStream().write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
                    Thread back = Thread.ofVirtual().start(() -> {
                        try {
                            up.getInputStream().transferTo(out);
                            s.shutdownOutput();
                        } catch (IOException e) {
                            // one side closed
                        }
                    });
                    try {
                        in.transferTo(up.getOutputStream());
                        up.shutdownOutput();
                    } catch (IOException e) {
                        // one side closed
                    }
                    back.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            String body;
            if (path.equals("/api")) {
                body = "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}";
            } else if (path.equals("/apis")) {
                body = "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}";
            } else if (path.equals("/api/v1")) {
                body = "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
                        + "{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,\"kind\":\"Pod\","
                        + "\"verbs\":[\"get\",\"list\"],\"shortNames\":[\"po\"]},"
                        + "{\"name\":\"pods/exec\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"PodExecOptions\","
                        + "\"verbs\":[\"create\",\"get\"]},"
                        + "{\"name\":\"pods/portforward\",\"singularName\":\"\",\"namespaced\":true,"
                        + "\"kind\":\"PodPortForwardOptions\",\"verbs\":[\"create\",\"get\"]},"
                        + "{\"name\":\"pods/attach\",\"singularName\":\"\",\"namespaced\":true,"
                        + "\"kind\":\"PodAttachOptions\",\"verbs\":[\"create\",\"get\"]}]}";
            } else if (containerId != null && path.equals(base)) {
                body = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + pod
                        + "\",\"namespace\":\"default\",\"uid\":\"uid-" + pod + "\"},\"spec\":{\"containers\":"
                        + "[{\"name\":\"c\",\"image\":\"busybox\",\"stdin\":true}]},"
                        + "\"status\":{\"phase\":\"Running\"}}";
            } else {
                byte[] b = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\","
                        + "\"code\":404}").getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                        + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(b);
                out.flush();
                continue;
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
        }
    }

    private static boolean flag(List<String[]> q, String name) {
        return q.stream().anyMatch(kv -> kv[0].equals(name) && (kv[1].equals("true") || kv[1].equals("1")));
    }

    private static List<String[]> query(String raw) {
        List<String[]> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            out.add(new String[] {URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8)});
        }
        return out;
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String l = line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
                line.reset();
                if (l.isEmpty()) {
                    return lines;
                }
                lines.add(l);
            } else {
                line.write(b);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
