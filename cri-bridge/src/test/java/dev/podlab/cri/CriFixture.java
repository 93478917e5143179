package dev.podlab.cri;

import dev.podlab.api.server.EngineService;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.core.net.PodNamespaces;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import dev.podlab.core.testing.TestPods;
import dev.podlab.cri.v1.ImageServiceGrpc;
import dev.podlab.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An in-process engine service with the CRI bridge on a temporary root, socket and CNI bridge of its own, and a
 * grpc-java client on the CRI socket. {@link #close()} removes every CRI container and sandbox left behind, the
 * bridge, the namespace pins and the root, and restores ip_forward.
 */
final class CriFixture implements AutoCloseable {
    final TestEngine te;
    final EngineSettings settings;
    final String image;
    private final String bridge;
    private final DefaultNetwork network;
    private final String ipForwardBefore;
    EngineService service;
    private EventLoopGroup loop;
    ManagedChannel channel;
    RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;
    ImageServiceGrpc.ImageServiceBlockingStub img;

    private CriFixture(TestEngine te) throws IOException {
        this.te = te;
        EngineSettings s = te.serviceSettings().withOverrides(EngineSettings.Overrides.builder()
                .criEnabled(true).criSocket(te.root.resolve("cri.sock")).build());
        // No CNI configuration: the built-in network, on a bridge and subnet of this fixture's own.
        this.settings = new EngineSettings(s.stateRoot(), s.runRoot(), s.socket(), s.cri(), s.defaultRuntime(),
                s.runtimeClasses(), s.registries(), new EngineSettings.Cni(te.root.resolve("net.d"), s.cni().binDirs()),
                s.metrics(), s.cgroupParent());
        String hex = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        this.bridge = "plcri" + hex;
        this.network = new DefaultNetwork("plcri-" + hex, bridge,
                "10.215." + ThreadLocalRandom.current().nextInt(256) + ".0/24", te.root.resolve("ipam"));
        this.ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        this.image = SampleImages.reference("busybox").toString();
    }

    static CriFixture open() throws IOException {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("ip");
        HostRequirements.require(Files.isExecutable(Path.of("/usr/lib/cni/bridge")),
                "needs the CNI plugins in /usr/lib/cni (Debian package containernetworking-plugins)");
        CriFixture f = new CriFixture(TestEngine.open());
        try {
            f.startService();
            SampleImages.ensure(f.service.images().store(), TestPods.samples());
            return f;
        } catch (RuntimeException e) {
            try {
                f.close();
            } catch (Exception undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    private void startService() {
        service = EngineService.start(settings, te.cgroups, network);
        loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(settings.cri().socket().toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop)
                .withOption(ChannelOption.SO_KEEPALIVE, null).usePlaintext().build();
        rt = RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
        img = ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
    }

    private void stopService() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            channel = null;
        }
        if (service != null) {
            service.close();
            service = null;
        }
    }

    /** Closes the engine service (containers keep running under their shims) and starts a new one on the root. */
    void restart() throws InterruptedException {
        stopService();
        startService();
    }

    @Override
    public void close() throws Exception {
        try {
            if (service != null) {
                // Whatever a failed test left: containers and sandboxes through the bridge's own store.
                CriStore store = CriStore.open(te.root);
                for (CriContainer c : store.containers()) {
                    try {
                        service.engine().remove(c.id(), true);
                    } catch (RuntimeException gone) {
                        // already removed
                    }
                }
                for (CriSandbox sb : store.sandboxes()) {
                    if (sb.sandbox() != null) {
                        service.sandboxes().remove(sb.id(), sb.spec(), sb.sandbox());
                    }
                }
            }
            stopService();
        } finally {
            PodNamespaces.open(te.root.resolve("run")).releaseDirectories();
            if (Files.exists(Path.of("/sys/class/net", bridge))) {
                new ProcessBuilder("ip", "link", "del", bridge).inheritIO().start().waitFor();
            }
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
            te.close();
        }
    }
}
