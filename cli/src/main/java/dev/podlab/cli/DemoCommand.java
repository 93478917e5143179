package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.core.cgroup.CgroupResources;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.container.VolumeMount;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.image.run.ImageDefaults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** The quick start's main job: one container from the sample image, what it sees, and how it was made. */
@Command(name = "demo", description = "Run a sample container on the built-in engine and explain what happened.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

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
        ContainerEngine e = engine.open();
        var images = engine.images();
        var samples = SampleImages.ensure(images.store(), SampleImages.recipesDir());
        ImageRecord busybox = images.require("localhost/podlab/busybox:latest");
        System.out.println("podlab demo: a container from the sample image " + busybox.reference().familiar()
                + " with 64 MiB of memory, 0.5 CPU and at most 64 processes");
        System.out.println("state root " + engine.root() + ", cgroups " + e.cgroups().layout().version()
                + (e.cgroups().layout().hybrid() ? " (hybrid)" : "") + "; sample images: "
                + samples.stream().map(si -> si.reference().familiar() + (si.built() ? " (built now)" : ""))
                        .collect(java.util.stream.Collectors.joining(", ")));
        System.out.println();
        Path script = engine.root().resolve("samples/demo.sh");
        Files.writeString(script, SCRIPT);
        ContainerConfig config = images.containerFrom(busybox,
                        new ImageDefaults.Overrides(List.of("/bin/sh"), List.of("/demo.sh"), "/", "0"))
                .volume(new VolumeMount(script, "/demo.sh", true))
                .resources(CgroupResources.builder().memoryLimitBytes(64L << 20).cpuQuotaMicros(50_000L)
                        .cpuPeriodMicros(100_000L).pidsLimit(64L).build())
                .build();
        ContainerRecord r = e.create(config, images.populator(busybox));
        try {
            e.start(r.id());
            LogsCommand.print(e, r.id(), true, false);
            ExitRecord exit = e.await(r.id(), Duration.ofMinutes(1)).orElseThrow();
            System.out.println();
            System.out.println("== how podlab made it (container " + r.shortId() + ", exit code " + exit.exitCode() + ") ==");
            InspectCommand.printTrace(e.trace(r.id()));
            System.out.println();
            System.out.println();
            var layers = images.analyze("localhost/podlab/layers-demo:latest");
            System.out.printf("Images are layers: localhost/podlab/layers-demo has %d layers, wastes %s on purpose "
                    + "(efficiency %.0f%%): podlab image layers localhost/podlab/layers-demo%n", layers.layers().size(),
                    Bytes.human(layers.wastedBytes()), layers.efficiency() * 100);
            System.out.println("Next: podlab run -d --name web localhost/podlab/busybox sleep 600; podlab exec web ps; "
                    + "podlab inspect web");
            return exit.exitCode();
        } finally {
            e.remove(r.id(), true);
        }
    }
}
