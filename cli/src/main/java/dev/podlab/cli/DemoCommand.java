package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.api.v1.InfoRequest;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.RemoveContainerRequest;
import dev.podlab.api.v1.Resources;
import dev.podlab.api.v1.VersionRequest;
import dev.podlab.api.v1.WaitContainerRequest;
import dev.podlab.core.image.build.SampleImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** The quick start's main job: one container from the sample image, what it sees, and how it was made. */
@Command(name = "demo", description = {"The main job: play the sample web pod (httpd + sidecar, probes, a hostPort) on "
        + "the built-in engine, show how it was made, then watch it live in the terminal workbench.",
        "--container runs one explained container instead; --no-tui stops before the workbench."})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @picocli.CommandLine.Option(names = "--container", description = "Run one sample container and explain what it sees.")
    boolean container;

    @picocli.CommandLine.Option(names = "--no-tui", description = "Do not open the terminal workbench at the end.")
    boolean noTui;

    /** Runs inside the container; each line shows one thing the engine set up. */
    static final String SCRIPT = """
            #!/bin/sh
            echo "== inside a podlab container =="
            echo "my PID: $$   (1: a new PID namespace, this shell is its init)"
            echo "hostname: $(hostname)   (a new UTS namespace)"
            echo "processes I can see:"; ps -o pid,user,args
            echo "privileges:"; grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status
            echo "  (CapEff a80425fb = Docker's 14 default capabilities; Seccomp 2 = a filter is loaded)"
            echo "mounts: $(cut -d' ' -f2 /proc/self/mounts | tr '\\n' ' ')"
            echo "this script came in through a read-only bind mount: $(grep ' /demo.sh ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1)"
            echo "/proc/keys is masked: $(wc -c < /proc/keys) bytes"
            if (echo 1 > /proc/sys/kernel/ns_last_pid) 2>/dev/null; then echo "/proc/sys writable!"; else echo "/proc/sys is read-only"; fi
            if mknod /tmp/disk b 8 0 2>/dev/null; then echo "made a disk node!"; else echo "mknod of a disk refused (devices cgroup)"; fi
            echo "memory limit: $(cat /sys/fs/cgroup/memory.max 2>/dev/null || echo 'see podlab inspect (cgroup v1 is not mounted inside)')"
            """;

    @Override
    public Integer call() throws Exception {
        return container ? containerDemo() : podDemo();
    }

    /** The web sample pod, its trace, a request through its hostPort, then the workbench. */
    private int podDemo() throws Exception {
        var samples = SampleImages.ensure(engine.images().store(), SampleImages.recipesDir());
        var client = engine.client();
        Path manifest = SampleImages.recipesDir().getParent().resolve("pods/web.yaml");
        System.out.println("podlab demo: the sample pod " + manifest + " on the built-in engine (sample images: "
                + samples.stream().map(si -> si.reference().familiar() + (si.built() ? " (built now)" : ""))
                        .collect(java.util.stream.Collectors.joining(", ")) + ")");
        var played = client.pods().play(dev.podlab.api.v1.PlayRequest.newBuilder().setSource(manifest.toString())
                .setManifest(Files.readString(manifest)).setReplace(true).setWait(true).build());
        var pod = played.getPods(0);
        System.out.println();
        PodsCommand.print(List.of(pod), "wide");
        System.out.println();
        System.out.println("How podlab made it (podlab trace web):");
        new picocli.CommandLine(new TraceCommand()).execute("web", "--root", engine.root().toString(),
                "--socket", engine.settings().socket().toString());
        System.out.println();
        try {
            var http = java.net.http.HttpClient.newHttpClient();
            var page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:18080/"))
                    .timeout(java.time.Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            System.out.println("curl http://127.0.0.1:18080/ (hostPort -> portmap -> the pod's httpd): HTTP "
                    + page.statusCode() + ", " + page.body().lines().findFirst().orElse("").strip());
        } catch (java.io.IOException e) {
            System.out.println("curl http://127.0.0.1:18080/ failed: " + e.getMessage());
        }
        System.out.println("Next: podlab describe web; podlab get pod web -o yaml; podlab down web");
        if (noTui || System.console() == null) {
            return 0;
        }
        System.out.println("Opening the terminal workbench (q quits, ? lists the keys) ...");
        return dev.podlab.tui.PodlabTui.run(client, engine.engineStarter());
    }

    private int containerDemo() throws Exception {
        var images = engine.images();
        var samples = SampleImages.ensure(images.store(), SampleImages.recipesDir());
        var client = engine.client();
        var info = client.engine().info(InfoRequest.getDefaultInstance());
        System.out.println("podlab demo: a container from the sample image podlab/busybox"
                + " with 64 MiB of memory, 0.5 CPU and at most 64 processes");
        System.out.println("engine pid " + client.engine().version(VersionRequest.getDefaultInstance()).getPid()
                + ", state root " + engine.root() + ", cgroups " + info.getCgroupVersion() + "; sample images: "
                + samples.stream().map(si -> si.reference().familiar() + (si.built() ? " (built now)" : ""))
                        .collect(java.util.stream.Collectors.joining(", ")));
        System.out.println();
        Path script = engine.root().resolve("samples/demo.sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, SCRIPT);
        var request = CreateContainerRequest.newBuilder()
                .setImage("localhost/podlab/busybox:latest")
                .addEntrypoint("/bin/sh").addCommand("/demo.sh").setWorkingDir("/").setUser("0")
                .addVolumes(dev.podlab.api.v1.VolumeMount.newBuilder().setSource(script.toString())
                        .setDestination("/demo.sh").setReadOnly(true))
                .setResources(Resources.newBuilder().setMemoryLimitBytes(64L << 20).setCpuQuotaMicros(50_000L)
                        .setCpuPeriodMicros(100_000L).setPidsLimit(64L))
                .build();
        Container c = client.containers().create(request).getContainer();
        try {
            client.containers().start(ContainerRef.newBuilder().setId(c.getId()).build());
            LogsCommand.print(client, c.getId(), true, false);
            Container done = client.containers().waitExit(WaitContainerRequest.newBuilder().setId(c.getId()).build())
                    .getContainer();
            System.out.println();
            System.out.println("== how podlab made it (container " + c.getId().substring(0, 12) + ", exit code "
                    + done.getExit().getExitCode() + ") ==");
            InspectCommand.printTrace(client.containers().inspect(InspectContainerRequest.newBuilder()
                    .setId(c.getId()).setTrace(true).build()).getTraceList());
            System.out.println();
            System.out.println();
            var layers = images.analyze("localhost/podlab/layers-demo:latest");
            System.out.printf("Images are layers: localhost/podlab/layers-demo has %d layers, wastes %s on purpose "
                    + "(efficiency %.0f%%): podlab image layers localhost/podlab/layers-demo%n", layers.layers().size(),
                    Bytes.human(layers.wastedBytes()), layers.efficiency() * 100);
            System.out.println("Next: podlab run -d --name web localhost/podlab/busybox sleep 600; podlab exec web ps; "
                    + "podlab inspect web; podlab events; podlab stats");
            return done.getExit().getExitCode();
        } finally {
            client.containers().remove(RemoveContainerRequest.newBuilder().setId(c.getId()).setForce(true).build());
        }
    }
}
