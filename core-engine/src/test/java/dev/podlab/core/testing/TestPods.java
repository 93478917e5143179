package dev.podlab.core.testing;

import dev.podlab.core.image.ImageService;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.net.CniNetwork;
import dev.podlab.core.net.CniPlugins;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.core.net.PodNamespaces;
import dev.podlab.core.net.PodNetworkFiles;
import dev.podlab.core.pod.PodManager;
import dev.podlab.core.pod.PodRecord;
import dev.podlab.core.pod.PodSandbox;
import dev.podlab.core.pod.PodStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A pod manager on a temporary engine, with the sample images stored and a CNI network of its own (a
 * test-unique bridge and 10.213.X.0/24 subnet), so pods of parallel tests never meet. {@link #close()} deletes
 * every pod, the bridge and the namespace directories, and puts ip_forward back.
 */
public final class TestPods implements AutoCloseable {
    public final TestEngine engine;
    public final ImageService images;
    public final PodManager pods;
    public final PodNamespaces namespaces;
    public final CniNetwork network;
    public final String bridge;
    public final String subnetPrefix;
    private final String ipForwardBefore;

    private TestPods(TestEngine engine, PodManager.Listener listener, Duration backoff) throws IOException {
        this.engine = engine;
        this.images = new ImageService(engine.root, dev.podlab.core.image.registry.RegistryConfig.defaults());
        SampleImages.ensure(images.store(), samples());
        String hex = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        this.bridge = "plp" + hex + HexFormat.of().toHexDigits((byte) ThreadLocalRandom.current().nextInt());
        this.subnetPrefix = "10.213." + ThreadLocalRandom.current().nextInt(256) + ".";
        this.ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        this.namespaces = PodNamespaces.open(engine.root.resolve("run"));
        this.network = CniNetwork.open(new CniNetwork.Settings(engine.root.resolve("net.d"), CniPlugins.DEFAULT_BIN_DIRS,
                engine.root, new DefaultNetwork("plp-" + hex, bridge, subnetPrefix + "0/24", engine.root.resolve("ipam")),
                Duration.ofSeconds(60)));
        PodSandbox sandbox = new PodSandbox(namespaces, network, engine.cgroups, engine.cgroupParent,
                PodNetworkFiles.open(PodNetworkFiles.HostFiles.system()));
        this.pods = new PodManager(engine.engine, images, engine.root, sandbox, "builtin", backoff, listener);
    }

    /** Checks root, overlayfs, busybox and the CNI plugins, then opens everything on a fresh root. */
    public static TestPods open(PodManager.Listener listener, Duration backoff) throws IOException {
        HostRequirements.requireCommand("ip");
        HostRequirements.require(Files.isExecutable(Path.of("/usr/lib/cni/bridge")),
                "needs the CNI plugins in /usr/lib/cni (Debian package containernetworking-plugins)");
        return new TestPods(TestEngine.open(), listener, backoff);
    }

    /** Waits (on the status the pod's worker pushes) until {@code done} holds; fails with the last status. */
    public PodStatus await(PodRecord p, java.util.function.Predicate<PodStatus> done, Duration timeout)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        PodStatus s = pods.get(p.id()).status();
        while (!done.test(s)) {
            org.assertj.core.api.Assertions.assertThat(System.nanoTime()).as("status: %s", s).isLessThan(end);
            Thread.sleep(50);
            s = pods.get(p.id()).status();
        }
        return s;
    }

    /** The repository's sample image recipes (tests run in a module directory). */
    public static Path samples() {
        for (Path p : List.of(Path.of("../sample-pods/images"), Path.of("sample-pods/images"))) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("sample image recipes not found (sample-pods/images)");
    }

    /** The repository's sample pod manifests. */
    public static Path samplePods() {
        return samples().getParent().resolve("pods");
    }

    @Override
    public void close() throws IOException {
        List<Throwable> problems = new ArrayList<>();
        for (PodRecord p : pods.list()) {
            try {
                pods.down(p.id(), Duration.ZERO);
            } catch (RuntimeException e) {
                problems.add(e);
            }
        }
        pods.close();
        network.close();
        try {
            namespaces.releaseDirectories();
        } catch (RuntimeException e) {
            problems.add(e);
        }
        try {
            engine.close();
        } catch (RuntimeException | IOException e) {
            // Keep going: the bridge and ip_forward below must be restored whatever the engine left.
            problems.add(e);
        }
        if (Files.exists(Path.of("/sys/class/net", bridge))) {
            try {
                new ProcessBuilder("ip", "link", "del", bridge).inheritIO().start().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
        if (!problems.isEmpty()) {
            var e = new IllegalStateException("test pods cleanup failed: " + problems.get(0).getMessage());
            problems.forEach(e::addSuppressed);
            throw e;
        }
    }
}
