package dev.podlab.bench;

import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.image.archive.ArchiveFormat;
import dev.podlab.core.image.archive.ImageExporter;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.cri.v1.ContainerConfig;
import dev.podlab.cri.v1.ContainerMetadata;
import dev.podlab.cri.v1.CreateContainerRequest;
import dev.podlab.cri.v1.ImageSpec;
import dev.podlab.cri.v1.PodSandboxConfig;
import dev.podlab.cri.v1.PodSandboxMetadata;
import dev.podlab.cri.v1.RemoveContainerRequest;
import dev.podlab.cri.v1.RemovePodSandboxRequest;
import dev.podlab.cri.v1.RunPodSandboxRequest;
import dev.podlab.cri.v1.RuntimeServiceGrpc;
import dev.podlab.cri.v1.StartContainerRequest;
import dev.podlab.cri.v1.StopContainerRequest;
import dev.podlab.cri.v1.StopPodSandboxRequest;
import dev.podlab.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * CRI pod start latency: RunPodSandbox + CreateContainer + StartContainer (a busybox {@code sleep}) through the CRI
 * socket, timed by the same Java client (the generated runtime.v1 stubs) against podlab's CRI bridge (an engine
 * service in this JVM, as {@code podlab engine --cri} runs it) and, when its socket is given, a containerd started
 * by {@code scripts/bench cri}. Rounds alternate between the two so both see the same machine; teardown (stop and
 * remove) is not timed. Prints medians per call and in total, and the ratio.
 *
 * <p>Both run the same CNI chain: podlab's built-in network (bridge with masquerading and hairpin, host-local,
 * portmap), each on a bridge and subnet of its own.
 *
 * <p>Arguments: ROUNDS [CONTAINERD_SOCKET]. With {@code --export DIR BRIDGE SUBNET IPAM_DIR} instead, it only
 * writes for containerd the busybox and pause images as OCI archives ({@code ctr images import}; the pause image
 * is busybox sleeping) and {@code net.conflist}, podlab's built-in network on that bridge and subnet.
 */
public final class CriBench {
    private CriBench() {}

    /** The sandbox image containerd runs as each pod's pause process. */
    static final String PAUSE = "localhost/podlab/pause:latest";

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("--export")) {
            export(Path.of(args[1]), new DefaultNetwork("plctrd-" + args[2].substring(args[2].length() - 4), args[2],
                    args[3], Path.of(args[4])));
            return;
        }
        int rounds = Integer.parseInt(args[0]);
        Path containerd = args.length > 1 ? Path.of(args[1]) : null;
        Path work = Files.createTempDirectory(Path.of("/tmp"), "plcribench");
        String hex = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        EngineSettings base = EngineSettings.defaults().withOverrides(EngineSettings.Overrides.builder()
                .stateRoot(work.resolve("state")).runRoot(work.resolve("run")).socket(work.resolve("podlab.sock"))
                .criEnabled(true).criSocket(work.resolve("cri.sock")).cgroupParent("podlab-cribench-" + hex)
                .build());
        // No CNI configuration: the built-in network, on a bridge and subnet of this run's own.
        EngineSettings settings = new EngineSettings(base.stateRoot(), base.runRoot(), base.socket(), base.cri(),
                base.defaultRuntime(), base.runtimeClasses(), base.registries(),
                new EngineSettings.Cni(work.resolve("net.d"), base.cni().binDirs()), base.metrics(),
                base.cgroupParent());
        String bridge = "plcb" + hex;
        var network = new DefaultNetwork("plcb-" + hex, bridge, "10.218." + ThreadLocalRandom.current().nextInt(256)
                + ".0/24", work.resolve("ipam"));
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (EngineService service = EngineService.start(settings, CgroupManagers.host(), network)) {
            SampleImages.ensure(service.images().store(), SampleImages.recipesDir());
            var podlab = new Target("podlab", channel(settings.cri().socket(), loop), work.resolve("logs/podlab"));
            var ctrd = containerd == null ? null
                    : new Target("containerd", channel(containerd, loop), work.resolve("logs/containerd"));
            for (Target t : ctrd == null ? List.of(podlab) : List.of(podlab, ctrd)) {
                var v = t.rt.version(VersionRequest.getDefaultInstance());
                System.out.printf("%s: %s %s (CRI %s)%n", t.name, v.getRuntimeName(), v.getRuntimeVersion(),
                        v.getRuntimeApiVersion());
            }
            int warmup = Math.max(3, rounds / 5);
            for (int i = -warmup; i < rounds; i++) {
                podlab.cycle(i >= 0);
                if (ctrd != null) {
                    ctrd.cycle(i >= 0);
                }
            }
            podlab.report();
            if (ctrd != null) {
                ctrd.report();
                System.out.printf("ratio podlab/containerd (total median): %.2f%n",
                        median(podlab.total()) / median(ctrd.total()));
            }
            breakdown(service, "RunPodSandbox", podlab.lastSandbox);
            breakdown(service, "CreateContainer + StartContainer", podlab.lastContainer);
            podlab.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            if (ctrd != null) {
                ctrd.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            // The sandboxes' namespace pins live in bind-mounted directories under the run root.
            dev.podlab.core.net.PodNamespaces.open(settings.runRoot()).releaseDirectories();
            if (Files.exists(Path.of("/sys/class/net", bridge))) {
                new ProcessBuilder("ip", "link", "del", bridge).inheritIO().start().waitFor();
            }
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
            // The pods' cgroups went with them; their parent is the benchmark's own.
            var cgroups = CgroupManagers.host();
            if (cgroups.exists(settings.cgroupParent())) {
                cgroups.destroy(cgroups.open(settings.cgroupParent()));
            }
        }
    }

    /**
     * The busybox and pause images as OCI archives (containerd imports them; it has no network here) and the same
     * CNI chain as podlab's built-in network for containerd's CNI directory.
     */
    private static void export(Path dir, DefaultNetwork network) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve("net.conflist"), new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(
                network.conflist().toJson()));
        Path work = Files.createTempDirectory(Path.of("/tmp"), "plcribench-img");
        try {
            Path recipes = Files.createDirectories(work.resolve("recipes"));
            Path busybox = SampleImages.recipesDir().resolve("busybox.json");
            Files.copy(busybox, recipes.resolve("busybox.json"));
            // pause: the same layer, sleeping (containerd keeps each sandbox's namespaces in a pause process).
            Files.writeString(recipes.resolve("pause.json"), Files.readString(busybox)
                    .replace("\"cmd\": [\"sh\"]", "\"cmd\": [\"sleep\", \"2147483647\"]"));
            var store = dev.podlab.core.image.store.ImageStores.open(work.resolve("store"));
            SampleImages.ensure(store, recipes);
            ImageExporter.save(store, List.of(SampleImages.reference("busybox").toString()),
                    dir.resolve("busybox.tar"), ArchiveFormat.OCI_ARCHIVE);
            ImageExporter.save(store, List.of(PAUSE), dir.resolve("pause.tar"), ArchiveFormat.OCI_ARCHIVE);
        } finally {
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
        }
    }

    private static ManagedChannel channel(Path socket, EventLoopGroup loop) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop)
                .withOption(ChannelOption.SO_KEEPALIVE, null).usePlaintext().build();
    }

    /** One CRI runtime and its timings (milliseconds per call, per round). */
    private static final class Target {
        final String name;
        final ManagedChannel channel;
        final RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;
        final Path logs;
        final Map<String, List<Double>> times = new LinkedHashMap<>();
        String lastSandbox;
        String lastContainer;
        int n;

        Target(String name, ManagedChannel channel, Path logs) {
            this.name = name;
            this.channel = channel;
            this.rt = RuntimeServiceGrpc.newBlockingStub(channel);
            this.logs = logs;
            for (String k : List.of("RunPodSandbox", "CreateContainer", "StartContainer")) {
                times.put(k, new ArrayList<>());
            }
        }

        void cycle(boolean measured) {
            String pod = "bench-" + n++;
            var rt = this.rt.withDeadlineAfter(2, TimeUnit.MINUTES);
            long t0 = System.nanoTime();
            String sb = rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName(pod).setNamespace("bench")
                            .setUid("uid-" + pod)).setHostname(pod).setLogDirectory(logs.resolve(pod).toString()))
                    .build()).getPodSandboxId();
            long t1 = System.nanoTime();
            String c = rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sb).setConfig(
                    ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("main"))
                            .setImage(ImageSpec.newBuilder().setImage(SampleImages.reference("busybox").toString()))
                            .addCommand("sleep").addArgs("3600").setLogPath("main/0.log"))
                    .setSandboxConfig(PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                            .setName(pod).setNamespace("bench").setUid("uid-" + pod))
                            .setLogDirectory(logs.resolve(pod).toString())).build()).getContainerId();
            long t2 = System.nanoTime();
            rt.startContainer(StartContainerRequest.newBuilder().setContainerId(c).build());
            long t3 = System.nanoTime();
            if (measured) {
                times.get("RunPodSandbox").add((t1 - t0) / 1e6);
                times.get("CreateContainer").add((t2 - t1) / 1e6);
                times.get("StartContainer").add((t3 - t2) / 1e6);
            }
            rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(c).setTimeout(0).build());
            rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(c).build());
            rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sb).build());
            lastSandbox = sb;
            lastContainer = c;
        }

        List<Double> total() {
            List<Double> t = new ArrayList<>();
            for (int i = 0; i < times.get("RunPodSandbox").size(); i++) {
                double sum = 0;
                for (List<Double> v : times.values()) {
                    sum += v.get(i);
                }
                t.add(sum);
            }
            return t;
        }

        void report() {
            var b = new StringBuilder(String.format("%-10s", name));
            times.forEach((k, v) -> b.append(String.format("  %s %.1f ms", k, median(v))));
            b.append(String.format("  | total median %.1f ms (p25 %.1f, p75 %.1f, n=%d)", median(total()),
                    quantile(total(), 0.25), quantile(total(), 0.75), total().size()));
            System.out.println(b);
        }
    }

    /** Where podlab's time went in its last round: the traced steps of the sandbox or container (engine clock). */
    private static void breakdown(EngineService service, String what, String id) {
        if (id == null) {
            return;
        }
        System.out.println("podlab " + what + " steps (last round):");
        var events = service.events().query(EventFilter.newBuilder().setObjectId(id).setTypePrefix("step")
                .build(), 0);
        for (var e : events) {
            System.out.printf("  %-28s %7.2f ms  %s%n", e.getStep(), e.getDurationNanos() / 1e6, e.getDetail());
        }
    }

    static double median(List<Double> v) {
        return quantile(v, 0.5);
    }

    static double quantile(List<Double> v, double q) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        if (s.isEmpty()) {
            return Double.NaN;
        }
        double pos = q * (s.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return s.get(lo) + (s.get(hi) - s.get(lo)) * (pos - lo);
    }
}
