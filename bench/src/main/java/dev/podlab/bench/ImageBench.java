package dev.podlab.bench;

import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.image.build.Busybox;
import dev.podlab.core.image.build.FileContent;
import dev.podlab.core.image.build.ImageBuilder;
import dev.podlab.core.image.build.Layer;
import dev.podlab.core.image.registry.PullListener;
import dev.podlab.core.image.snapshot.SnapshotStore;
import dev.podlab.core.image.snapshot.SnapshotStores;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.image.store.OciLayoutImageStore;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Image benchmark ({@code ./scripts/bench images [N]}): pull + unpack of a ~100 MB,
 * five-layer image from a local docker-registry, podlab against {@code skopeo copy} +
 * {@code umoci unpack} of the same image, interleaved in one run; then unpack alone,
 * podlab's snapshot store against {@code umoci unpack} of an already copied layout.
 */
public final class ImageBench {
    private ImageBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path work = Files.createTempDirectory(Path.of("/tmp"), "plimgbench");
        Process registry = null;
        try {
            Path layout = work.resolve("layout");
            OciLayoutImageStore source = ImageStores.open(layout);
            ImageRecord image = source.tag(ImageReference.parse("localhost/bench:1"), benchImage().writeTo(source.content()).target());
            System.out.printf("image: %d layers, %.1f MB compressed%n", image.layers().size(), image.size() / 1e6);

            int port = freePort();
            registry = startRegistry(work, port);
            String remote = "127.0.0.1:" + port + "/bench:1";
            run(work, "skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":1", "docker://" + remote);

            long[] podlab = new long[rounds];
            long[] peer = new long[rounds];
            long[] podlabUnpack = new long[rounds];
            long[] umociUnpack = new long[rounds];
            long unpackedBytes = 0;
            for (int i = 0; i < rounds; i++) {
                Path root = work.resolve("podlab-" + i);
                long t0 = System.nanoTime();
                ImageService service = ImageService.forRoot(root);
                ImageRecord pulled = service.pull(remote, PullListener.NONE);
                SnapshotStore.Prepared prepared = service.prepare(pulled);
                podlab[i] = System.nanoTime() - t0;
                unpackedBytes = prepared.layers().stream().mapToLong(SnapshotStore.Snapshot::size).sum();

                Path oci = work.resolve("skopeo-" + i);
                t0 = System.nanoTime();
                run(work, "skopeo", "copy", "--src-tls-verify=false", "docker://" + remote, "oci:" + oci + ":1");
                run(work, "umoci", "unpack", "--image", oci + ":1", work.resolve("bundle-" + i).toString());
                peer[i] = System.nanoTime() - t0;

                // Unpack alone, from blobs already on disk.
                t0 = System.nanoTime();
                SnapshotStores.open(work.resolve("snap-" + i)).prepare(ImageService.layerSources(pulled,
                        service.store().content()));
                podlabUnpack[i] = System.nanoTime() - t0;
                t0 = System.nanoTime();
                run(work, "umoci", "unpack", "--image", oci + ":1", work.resolve("rebundle-" + i).toString());
                umociUnpack[i] = System.nanoTime() - t0;

                deleteTree(root);
                deleteTree(oci);
                deleteTree(work.resolve("bundle-" + i));
                deleteTree(work.resolve("snap-" + i));
                deleteTree(work.resolve("rebundle-" + i));
            }
            report("podlab pull + unpack", podlab);
            report("skopeo copy + umoci unpack", peer);
            System.out.printf("ratio podlab / (skopeo+umoci), medians: %.2f%n", median(podlab) / median(peer));
            report("podlab unpack only", podlabUnpack);
            report("umoci unpack only", umociUnpack);
            System.out.printf("unpack throughput (%.1f MB of files): podlab %.0f MB/s, umoci %.0f MB/s, ratio %.2f%n",
                    unpackedBytes / 1e6, unpackedBytes / 1e6 / (median(podlabUnpack) / 1e9),
                    unpackedBytes / 1e6 / (median(umociUnpack) / 1e9), median(podlabUnpack) / median(umociUnpack));
        } finally {
            if (registry != null) {
                registry.destroyForcibly().waitFor();
            }
            deleteTree(work);
        }
    }

    /** busybox plus four layers of ~24 MB each: one big incompressible file and 500 small ones per layer. */
    static ImageBuilder benchImage() {
        ImageBuilder b = ImageBuilder.create().layer(Busybox.layer()).history("COPY busybox /");
        for (int l = 1; l <= 4; l++) {
            Layer.Builder layer = Layer.builder().dir("data" + l, 0755).dir("data" + l + "/small", 0755)
                    .file("data" + l + "/big.bin", FileContent.generated(l, 20L << 20), 0644);
            for (int f = 0; f < 500; f++) {
                layer.file("data" + l + "/small/f" + f + ".txt", FileContent.generated(1000L * l + f, 8192), 0644);
            }
            b.layer(layer.build()).history("COPY data" + l + " /data" + l);
        }
        return b.cmd("sh");
    }

    private static Process startRegistry(Path work, int port) throws Exception {
        Path config = work.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(work.resolve("registry-data"), port));
        Process p = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("registry.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return p;
                }
            } catch (IOException notYet) {
                // The registry is still starting.
            }
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new IllegalStateException("docker-registry did not start: " + Files.readString(work.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
    }

    private static void run(Path work, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TMPDIR", work.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf("%-30s n=%d  median %8.1f ms  min %8.1f ms  max %8.1f ms%n", what, s.length, median(s) / 1e6,
                s[0] / 1e6, s[s.length - 1] / 1e6);
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all = new ArrayList<>();
        try (var walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(all::add);
        }
        for (Path x : all) {
            Files.deleteIfExists(x);
        }
    }
}
