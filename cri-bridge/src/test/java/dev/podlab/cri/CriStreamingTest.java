package dev.podlab.cri;

import dev.podlab.core.testing.HostRequirements;
import dev.podlab.cri.v1.AttachRequest;
import dev.podlab.cri.v1.ContainerConfig;
import dev.podlab.cri.v1.ContainerMetadata;
import dev.podlab.cri.v1.ContainerState;
import dev.podlab.cri.v1.ContainerStatusRequest;
import dev.podlab.cri.v1.CreateContainerRequest;
import dev.podlab.cri.v1.ExecRequest;
import dev.podlab.cri.v1.ImageSpec;
import dev.podlab.cri.v1.PodSandboxConfig;
import dev.podlab.cri.v1.PodSandboxMetadata;
import dev.podlab.cri.v1.PortForwardRequest;
import dev.podlab.cri.v1.RemoveContainerRequest;
import dev.podlab.cri.v1.ReopenContainerLogRequest;
import dev.podlab.cri.v1.RunPodSandboxRequest;
import dev.podlab.cri.v1.StartContainerRequest;
import dev.podlab.cri.v1.StopContainerRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CRI streaming with real peers: kubectl (its SPDY client, and its WebSocket v5 client) drives Exec, Attach and
 * PortForward through {@link MiniKubelet}, large outputs and inputs included; ReopenContainerLog with a rename in
 * between; the error codes.
 */
@Tag("root")
class CriStreamingTest {
    private static CriFixture fx;
    private static String sandbox;
    private static String container;
    private static Path logDir;
    private static MiniKubelet kubelet;
    private static Path kubeconfig;

    @BeforeAll
    static void start() throws Exception {
        fx = CriFixture.open();
        logDir = fx.te.root.resolve("logs/stream");
        sandbox = fx.rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("stream").setNamespace("default")
                        .setUid("uid-stream")).setHostname("stream").setLogDirectory(logDir.toString())).build())
                .getPodSandboxId();
        // A log line every 100 ms and an HTTP server on 8080 inside the pod's own network namespace.
        container = fx.rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("main"))
                        .setImage(ImageSpec.newBuilder().setImage(fx.image))
                        .addCommand("sh").addArgs("-c").addArgs("httpd -p 127.0.0.1:8080 -h /etc; "
                                + "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done")
                        .setLogPath("main/0.log")).build()).getContainerId();
        fx.rt.startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
        kubelet = new MiniKubelet(fx.rt, "stream", sandbox, container);
        kubeconfig = fx.te.root.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mini
                  cluster:
                    server: http://127.0.0.1:%d
                contexts:
                - name: mini
                  context:
                    cluster: mini
                    namespace: default
                current-context: mini
                users: []
                """.formatted(kubelet.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (kubelet != null) {
            kubelet.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private record Result(int code, String stdout, String stderr) {}

    /** Runs kubectl against the mini kubelet; {@code websockets} picks its WebSocket client, else SPDY. */
    private static Result kubectl(boolean websockets, String stdin, String... args) throws Exception {
        HostRequirements.requireCommand("kubectl");
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", fx.te.root.resolve("kube-cache").toString()));
        cmd.addAll(List.of(args));
        return run(websockets, stdin, cmd.toArray(String[]::new));
    }

    private static Result run(boolean websockets, String stdin, String... cmd) throws Exception {
        HostRequirements.requireCommand("kubectl");
        var pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", Boolean.toString(websockets));
        env.put("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false");
        env.put("HOME", fx.te.root.toString());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String[] captured = new String[2];
        Thread t1 = Thread.ofVirtual().start(() -> captured[0] = read(p.getInputStream()));
        Thread t2 = Thread.ofVirtual().start(() -> captured[1] = read(p.getErrorStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(cmd) + " did not finish within 60 s");
        }
        t1.join();
        t2.join();
        return new Result(p.exitValue(), captured[0], captured[1]);
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void kubectlExecOverSpdy() throws Exception {
        execCases(false);
    }

    @Test
    void kubectlExecOverWebSocket() throws Exception {
        execCases(true);
    }

    private static void execCases(boolean websockets) throws Exception {
        Result hi = kubectl(websockets, null, "exec", "stream", "--", "sh", "-c", "echo hi; echo err >&2");
        assertThat(hi.code()).as(hi.stderr()).isZero();
        assertThat(hi.stdout()).isEqualTo("hi\n");
        assertThat(hi.stderr()).contains("err");

        Result three = kubectl(websockets, null, "exec", "stream", "--", "sh", "-c", "exit 3");
        assertThat(three.code()).as(three.stderr()).isEqualTo(3);

        Result cat = kubectl(websockets, "line one\nline two\n", "exec", "-i", "stream", "--", "cat");
        assertThat(cat.code()).as(cat.stderr()).isZero();
        assertThat(cat.stdout()).isEqualTo("line one\nline two\n");
    }

    /** A container running cat on a stdin kept open for attach, closed when the first client's input ends. */
    private static String catContainer(String name) {
        String id = fx.rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage(fx.image)).addCommand("cat").setStdin(true)
                        .setStdinOnce(true).setLogPath(name + "/0.log")).build()).getContainerId();
        fx.rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static ContainerState state(String id) {
        return fx.rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus()
                .getState();
    }

    /** kubectl attach -i: our lines reach the container's stdin and come back; the end of them ends cat. */
    @Test
    void kubectlAttachWithStdinOverSpdyAndWebSocket() throws Exception {
        for (boolean websockets : new boolean[] {false, true}) {
            String pod = websockets ? "cat-ws" : "cat-spdy";
            String id = catContainer(pod);
            try {
                kubelet.addPod(pod, id);
                Result r = kubectl(websockets, "line one\nline two\n", "attach", "-i", pod);
                assertThat(r.code()).as(r.stderr()).isZero();
                assertThat(r.stdout()).isEqualTo("line one\nline two\n");
                waitFor(() -> state(id) == ContainerState.CONTAINER_EXITED);
                // The container's own log has the same lines: attach tees, the shim still logs.
                assertThat(lines(logDir.resolve(pod + "/0.log"))).hasSize(2)
                        .allMatch(l -> l.matches("\\S+ stdout F line (one|two)"));
            } finally {
                fx.rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            }
        }
    }

    /** kubectl attach without -i: the output of the running container as it comes, over both transports. */
    @Test
    void kubectlAttachReadsTheOutput() throws Exception {
        HostRequirements.requireCommand("kubectl");
        for (boolean websockets : new boolean[] {false, true}) {
            var pb = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir",
                    fx.te.root.resolve("kube-cache").toString(), "attach", "stream");
            pb.environment().put("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", Boolean.toString(websockets));
            pb.environment().put("HOME", fx.te.root.toString());
            Process p = pb.start();
            try {
                Thread.ofVirtual().start(() -> read(p.getErrorStream()));
                var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                List<Integer> ticks = new ArrayList<>();
                String line;
                while (ticks.size() < 3 && (line = r.readLine()) != null) {
                    assertThat(line).matches("tick \\d+");
                    ticks.add(Integer.parseInt(line.substring(5)));
                }
                assertThat(ticks).as("websockets=%s", websockets).hasSize(3).isSorted();
                assertThat(ticks.get(2) - ticks.get(0)).isEqualTo(2);
            } finally {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
        }
        assertThat(state(container)).isEqualTo(ContainerState.CONTAINER_RUNNING); // detaching leaves it running
    }

    /**
     * 10 MiB and more out of an exec and 5 MiB into one through kubectl's SPDY client (which keeps no windows):
     * complete and in order.
     */
    @Test
    void largeOutputAndInputThroughKubectlOverSpdy() throws Exception {
        int last = 1_500_000;
        Result big = kubectl(false, null, "exec", "stream", "--", "seq", "1", Integer.toString(last));
        assertThat(big.code()).as(big.stderr()).isZero();
        var expected = new StringBuilder(12 << 20);
        for (int i = 1; i <= last; i++) {
            expected.append(i).append('\n');
        }
        assertThat(expected.length()).isGreaterThan(10 << 20);
        assertThat(big.stdout().length()).isEqualTo(expected.length());
        assertThat(big.stdout().contentEquals(expected)).as("the output is the sequence, in order").isTrue();

        var in = new StringBuilder(5 << 20);
        for (int i = 0; in.length() < 5 << 20; i++) {
            in.append("line ").append(i).append('\n');
        }
        in.setLength(5 << 20);
        String md5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                .digest(in.toString().getBytes(StandardCharsets.US_ASCII)));
        Result sum = kubectl(false, in.toString(), "exec", "-i", "stream", "--", "sh", "-c",
                "cat > /tmp/big && wc -c < /tmp/big && md5sum < /tmp/big && rm /tmp/big");
        assertThat(sum.code()).as(sum.stderr()).isZero();
        assertThat(sum.stdout().lines().map(String::strip).toList()).containsExactly(Integer.toString(5 << 20),
                md5 + "  -");
    }

    /**
     * kubectl -t needs a terminal of its own: script(1) gives it one, sized 33x101; kubectl sends that size
     * as its first resize message, which must reach the exec's pty in the container. Both transports.
     */
    @Test
    void kubectlExecWithATerminalTakesItsSize() throws Exception {
        HostRequirements.requireCommand("script");
        // The size message follows the stream's set-up, so the command waits until its pty has a size.
        // (busybox's stty fails on a 0x0 terminal, hence the empty check.)
        String probe = "tty; for i in $(seq 100); do s=$(stty size 2>/dev/null); [ -n \"$s\" ] && [ \"$s\" != \"0 0\" ]"
                + " && break; sleep 0.1; done; echo size $s; echo done";
        for (boolean websockets : new boolean[] {false, true}) {
            String inner = "stty rows 33 cols 101; kubectl --kubeconfig " + kubeconfig + " --cache-dir "
                    + fx.te.root.resolve("kube-cache") + " exec -ti stream -- sh -c '" + probe + "'";
            Result r = run(websockets, null, "script", "-qec", inner, "/dev/null");
            assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
            assertThat(r.stdout()).contains("/dev/pts/").contains("size 33 101").contains("done");
        }
    }

    @Test
    void kubectlPortForwardReachesAServerInsideThePod() throws Exception {
        HostRequirements.requireCommand("kubectl");
        var pb = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir",
                fx.te.root.resolve("kube-cache").toString(), "port-forward", "--address", "127.0.0.1", "pod/stream",
                ":8080");
        pb.environment().put("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false");
        pb.environment().put("HOME", fx.te.root.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try {
            var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern fwd = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 8080");
            int local = -1;
            List<String> seen = new ArrayList<>();
            String line;
            while (local < 0 && (line = r.readLine()) != null) {
                seen.add(line);
                Matcher m = fwd.matcher(line);
                if (m.find()) {
                    local = Integer.parseInt(m.group(1));
                }
            }
            assertThat(local).as("kubectl said %s", seen).isPositive();
            Thread.ofVirtual().start(() -> read(p.getInputStream()));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < 2; i++) { // a second request too (a new stream pair when the connection is not reused)
                HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + local + "/hostname")).timeout(Duration.ofSeconds(30))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(res.statusCode()).isEqualTo(200);
                assertThat(res.body().strip()).isEqualTo("stream");
            }
        } finally {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /** python3-websocket's client (a real RFC 6455 peer) on the v5 exec and the WebSocket port-forward protocol. */
    private static final String WS_CLIENT = """
            import json, sys, websocket
            mode, url = sys.argv[1], sys.argv[2]
            if mode == "drop":
                ws = websocket.create_connection(url, subprotocols=["v4.channel.k8s.io"])
                ws.close()
                print("{}")
                sys.exit(0)
            if mode == "exec":
                ws = websocket.create_connection(url, subprotocols=["v5.channel.k8s.io"])
                ws.send_binary(b"\\x00from stdin\\n")
                ws.send_binary(b"\\xff\\x00")  # v5: no more stdin
            else:
                ws = websocket.create_connection(url + "?ports=8080", subprotocols=["portforward.k8s.io"])
            out = {"protocol": ws.getsubprotocol(), "channels": {}}
            sent = False
            while True:
                try:
                    op, data = ws.recv_data()
                except websocket.WebSocketConnectionClosedException:
                    break
                if op == websocket.ABNF.OPCODE_CLOSE:
                    break
                if not data:
                    continue
                ch = str(data[0])
                out["channels"].setdefault(ch, []).append(list(data[1:]))
                if mode == "pf" and not sent and ch == "1":
                    ws.send_binary(b"\\x00GET /hostname HTTP/1.0\\r\\n\\r\\n")
                    sent = True
            print(json.dumps(out))
            """;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> wsClient(String mode, String url) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        HostRequirements.require(Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c",
                "import websocket").start().waitFor() == 0, "needs python3-websocket (Debian package)");
        Result r = run(false, null, python.toString(), "-c", WS_CLIENT, mode, url.replace("http://", "ws://"));
        assertThat(r.code()).as(r.stderr()).isZero();
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(r.stdout(), Map.class);
    }

    private static String text(List<List<Integer>> chunks) {
        var b = new java.io.ByteArrayOutputStream();
        chunks.forEach(c -> c.forEach(b::write));
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    @SuppressWarnings("unchecked")
    void webSocketExecAndPortForwardWithPythonsClient() throws Exception {
        String exec = fx.rt.exec(ExecRequest.newBuilder().setContainerId(container).addCmd("sh").addCmd("-c")
                .addCmd("cat; echo to-err >&2; exit 4").setStdin(true).setStdout(true).setStderr(true).build())
                .getUrl();
        Map<String, Object> e = wsClient("exec", exec);
        assertThat(e).containsEntry("protocol", "v5.channel.k8s.io");
        var ch = (Map<String, List<List<Integer>>>) e.get("channels");
        assertThat(text(ch.get("1"))).isEqualTo("from stdin\n");
        assertThat(text(ch.get("2"))).isEqualTo("to-err\n");
        Map<String, Object> status = new com.fasterxml.jackson.databind.ObjectMapper().readValue(text(ch.get("3")),
                Map.class);
        assertThat(status).containsEntry("status", "Failure").containsEntry("reason", "NonZeroExitCode");
        assertThat((Map<String, Object>) status.get("details")).containsEntry("causes",
                List.of(Map.of("reason", "ExitCode", "message", "4")));

        // A client that goes away: its command is killed, not left running.
        String sleeper = fx.rt.exec(ExecRequest.newBuilder().setContainerId(container).addCmd("sleep").addCmd("321")
                .setStdout(true).build()).getUrl();
        wsClient("drop", sleeper);
        waitFor(() -> !fx.rt.execSync(dev.podlab.cri.v1.ExecSyncRequest.newBuilder().setContainerId(container)
                .addCmd("ps").setTimeout(10).build()).getStdout().toStringUtf8().contains("sleep 321"));

        String pf = fx.rt.portForward(PortForwardRequest.newBuilder().setPodSandboxId(sandbox).addPort(8080).build())
                .getUrl();
        Map<String, Object> p = wsClient("pf", pf);
        assertThat(p).containsEntry("protocol", "portforward.k8s.io");
        var pch = (Map<String, List<List<Integer>>>) p.get("channels");
        // First message on each channel: the port, 2 bytes little endian (8080 = 0x1f90).
        assertThat(pch.get("0").get(0)).containsExactly(0x90, 0x1f);
        assertThat(pch.get("1").get(0)).containsExactly(0x90, 0x1f);
        String http = text(pch.get("0").subList(1, pch.get("0").size()));
        assertThat(http).startsWith("HTTP/1.").endsWith("stream\n");
        assertThat(pch.get("1")).hasSize(1); // no error
    }

    @Test
    void reopenContainerLogAfterARename() throws Exception {
        Path log = logDir.resolve("main/0.log");
        waitFor(() -> lines(log).size() >= 3);
        Path rotated = logDir.resolve("main/0.log.1");
        Files.move(log, rotated);
        fx.rt.reopenContainerLog(ReopenContainerLogRequest.newBuilder().setContainerId(container).build());
        waitFor(() -> Files.exists(log) && lines(log).size() >= 3);
        List<String> fresh = lines(log);
        List<String> old = lines(rotated);
        assertThat(fresh.get(0)).matches("\\S+ stdout F tick \\d+");
        int lastOld = Integer.parseInt(old.get(old.size() - 1).replaceAll(".* tick ", ""));
        int firstNew = Integer.parseInt(fresh.get(0).replaceAll(".* tick ", ""));
        assertThat(firstNew).isGreaterThan(lastOld);
    }

    @Test
    void criSandboxesAreListedAsPods() {
        try (var client = dev.podlab.api.client.PodlabClient.connect(fx.service.socket())) {
            var pods = client.pods().list(dev.podlab.api.v1.ListPodsRequest.newBuilder().setNamespace("default")
                    .build()).getPodsList();
            assertThat(pods).anySatisfy(p -> {
                assertThat(p.getId()).isEqualTo(sandbox);
                assertThat(p.getName()).isEqualTo("stream");
                assertThat(p.getSource()).isEqualTo("cri");
                assertThat(p.getPhase()).isEqualTo("Running");
                assertThat(p.getPodIp()).isNotEmpty();
                assertThat(p.getContainersList()).anySatisfy(c -> {
                    assertThat(c.getContainerId()).isEqualTo(container);
                    assertThat(c.getState()).isEqualTo("running");
                });
            });
            assertThat(client.pods().list(dev.podlab.api.v1.ListPodsRequest.newBuilder().setNamespace("other")
                    .build()).getPodsList()).noneMatch(p -> p.getId().equals(sandbox));
        }
    }

    /** Pods.Get (podlab get pod NAME, -o yaml) finds a CRI sandbox; its CRI calls and steps are in the events. */
    @Test
    @SuppressWarnings("unchecked")
    void criPodsAreGotWithStatusAndTheirCriCallsAreTraced() throws Exception {
        try (var client = dev.podlab.api.client.PodlabClient.connect(fx.service.socket())) {
            for (String ref : List.of("stream", "default/stream", sandbox, sandbox.substring(0, 8))) {
                var pod = client.pods().get(dev.podlab.api.v1.GetPodRequest.newBuilder().setPod(ref).build())
                        .getPod();
                assertThat(pod.getId()).as(ref).isEqualTo(sandbox);
                assertThat(pod.getSource()).isEqualTo("cri");
                Map<String, Object> kube = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readValue(pod.getKubeJson(), Map.class);
                assertThat(kube).containsEntry("kind", "Pod");
                assertThat((Map<String, Object>) kube.get("metadata")).containsEntry("name", "stream")
                        .containsEntry("namespace", "default").containsEntry("uid", "uid-stream");
                var status = (Map<String, Object>) kube.get("status");
                assertThat(status).containsEntry("phase", "Running").containsEntry("podIP", pod.getPodIp());
                assertThat((List<Map<String, Object>>) status.get("containerStatuses")).anySatisfy(c -> {
                    assertThat(c).containsEntry("name", "main").containsEntry("containerID", "podlab://" + container)
                            .containsEntry("ready", true);
                    assertThat((Map<String, Map<String, Object>>) c.get("state")).containsKey("running");
                    assertThat(((Map<String, Map<String, Object>>) c.get("state")).get("running").get("startedAt"))
                            .asString().matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
                });
                assertThat((Map<String, Object>) kube.get("spec")).containsEntry("hostname", "stream");
            }
            assertThat(code(() -> client.pods().get(dev.podlab.api.v1.GetPodRequest.newBuilder().setPod("no-such-pod")
                    .build()))).isEqualTo(Status.Code.NOT_FOUND);

            java.util.function.BiFunction<String, String, List<dev.podlab.api.v1.Event>> events = (id, prefix) ->
                    client.events().query(dev.podlab.api.v1.QueryEventsRequest.newBuilder().setFilter(
                            dev.podlab.api.v1.EventFilter.newBuilder().setObjectId(id).setTypePrefix(prefix))
                            .build()).getEventsList();
            assertThat(events.apply(sandbox, "cri.")).extracting(dev.podlab.api.v1.Event::getType)
                    .contains("cri.sandbox.ready");
            assertThat(events.apply(container, "cri.")).extracting(dev.podlab.api.v1.Event::getType)
                    .contains("cri.container.created", "cri.container.started");
            assertThat(events.apply(sandbox, "step")).isNotEmpty().allMatch(e -> e.getDurationNanos() >= 0);
        }
    }

    @Test
    void errorsAreTheCriCodes() throws Exception {
        String unknown = "0".repeat(64);
        assertThat(code(() -> fx.rt.exec(ExecRequest.newBuilder().setContainerId(unknown).addCmd("sh")
                .setStdout(true).build()))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> fx.rt.exec(ExecRequest.newBuilder().setContainerId(container).setStdout(true)
                .build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> fx.rt.exec(ExecRequest.newBuilder().setContainerId(container).addCmd("true")
                .build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> fx.rt.portForward(PortForwardRequest.newBuilder().setPodSandboxId(unknown).build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> fx.rt.reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                .setContainerId(unknown).build()))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> fx.rt.attach(AttachRequest.newBuilder().setContainerId(unknown).setStdout(true)
                .build()))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> fx.rt.attach(AttachRequest.newBuilder().setContainerId(container).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> fx.rt.attach(AttachRequest.newBuilder().setContainerId(container).setTty(true)
                .setStdout(true).setStderr(true).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(fx.rt.attach(AttachRequest.newBuilder().setContainerId(container).setStdout(true).build())
                .getUrl()).matches("http://127\\.0\\.0\\.1:\\d+/attach/[A-Za-z0-9_-]{22}");

        // A URL is single use; the second request with it is refused.
        String url = fx.rt.exec(ExecRequest.newBuilder().setContainerId(container).addCmd("true").setStdout(true)
                .build()).getUrl();
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/exec/[A-Za-z0-9_-]{22}");
        HttpClient http = HttpClient.newHttpClient();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(400); // taken, but no upgrade asked for
        assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(404);

        // A stopped container: exec and reopen are FAILED_PRECONDITION.
        String done = fx.rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("done"))
                        .setImage(ImageSpec.newBuilder().setImage(fx.image)).addCommand("sleep").addArgs("30")
                        .setLogPath("done/0.log")).build()).getContainerId();
        try {
            fx.rt.startContainer(StartContainerRequest.newBuilder().setContainerId(done).build());
            fx.rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(done).setTimeout(0).build());
            assertThat(code(() -> fx.rt.exec(ExecRequest.newBuilder().setContainerId(done).addCmd("true")
                    .setStdout(true).build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(code(() -> fx.rt.reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                    .setContainerId(done).build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(code(() -> fx.rt.attach(AttachRequest.newBuilder().setContainerId(done).setStdout(true)
                    .build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
        } finally {
            fx.rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(done).build());
        }
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        return Status.Code.OK;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
