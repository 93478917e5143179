package dev.podlab.core.image;

import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.image.run.ImageDefaults;
import dev.podlab.core.logs.CriLogLine;
import dev.podlab.core.logs.LogFollower;
import dev.podlab.core.testing.TestEngine;
import dev.podlab.core.testing.TestImages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An image from the store, unpacked once, stacked by overlayfs, run with its own config. */
@Tag("root")
class ImageRunTest {
    private static final ImageDefaults.Overrides NONE = new ImageDefaults.Overrides(null, null, null, null);

    @Test
    void anImageRunsWithItsLayersConfigAndUser() throws Exception {
        try (TestEngine t = TestEngine.open()) {
            ImageService images = ImageService.forRoot(t.root);
            var written = TestImages.image()
                    .layer(TestImages.busyboxLayer())
                    .layer(l -> l.dir("app", 0755).file("app/hello.txt", "from layer 2\n".getBytes(StandardCharsets.UTF_8), 0644)
                            .file("app/secret", "removed later".getBytes(StandardCharsets.UTF_8), 0600))
                    .layer(l -> l.dir("app", 0755).whiteout("app/secret"))
                    .config(c -> c.entrypoint("/bin/sh", "-c")
                            .cmd("id -u; id -g; pwd; cat hello.txt; echo $GREETING; test -e /app/secret || echo gone")
                            .env("PATH=/bin", "GREETING=hi").workingDir("/app").user("daemon"))
                    .writeTo(images.store().content());
            images.store().tag(ImageReference.parse("localhost/test/run:1"), written.target());

            ImageRecord image = images.require("localhost/test/run:1");
            ContainerConfig config = images.containerFrom(image, NONE).build();
            assertThat(config.layers()).hasSize(3);
            ContainerRecord r = t.engine.run(config);
            ExitRecord exit = t.engine.await(r.id(), Duration.ofSeconds(30)).orElseThrow();
            assertThat(exit.exitCode()).isZero();
            assertThat(stdout(t, r.id())).isEqualTo("1\n1\n/app\nfrom layer 2\nhi\ngone\n");

            // A second container shares the unpacked layers; a command replaces Cmd.
            ContainerConfig again = images.containerFrom(image,
                    new ImageDefaults.Overrides(null, List.of("ls /app"), null, "0")).build();
            assertThat(again.layers()).isEqualTo(config.layers());
            assertThat(images.snapshots().list()).hasSize(3);
            ContainerRecord r2 = t.engine.run(again);
            t.engine.await(r2.id(), Duration.ofSeconds(30)).orElseThrow();
            assertThat(stdout(t, r2.id())).isEqualTo("hello.txt\n");

            // The writable layer, as docker diff shows it.
            ContainerRecord writer = t.engine.run(images.containerFrom(image, new ImageDefaults.Overrides(null,
                    List.of("echo new > /app/new.txt; echo more >> /app/hello.txt; rm /bin/vi"), null, "0")).build());
            assertThat(t.engine.await(writer.id(), Duration.ofSeconds(30)).orElseThrow().exitCode()).isZero();
            assertThat(t.engine.changes(writer.id())).extracting(c -> c.kind() + " " + c.path())
                    .containsExactly("C /app", "C /app/hello.txt", "A /app/new.txt", "C /bin", "D /bin/vi");
        }
    }

    private static String stdout(TestEngine t, String id) throws Exception {
        List<CriLogLine> lines = new ArrayList<>();
        LogFollower.read(t.engine.logPath(id), false, () -> true, lines::add);
        StringBuilder sb = new StringBuilder();
        lines.stream().filter(l -> l.stream().equals("stdout")).forEach(l -> sb.append(l.text()).append('\n'));
        return sb.toString();
    }

    @Test
    void tooManyLayersForOneOverlayMountFallBackToAPrivateCopy() throws Exception {
        try (TestEngine t = TestEngine.open()) {
            ImageService images = ImageService.forRoot(t.root);
            var builder = TestImages.image().layer(TestImages.busyboxLayer());
            for (int i = 0; i < 130; i++) {
                int n = i;
                builder.layer(l -> l.file("layer-" + n, "layer " + n + "\n"));
            }
            builder.layer(l -> l.whiteout("layer-7"));
            var written = builder.config(c -> c.cmd("/bin/sh", "-c", "cat /layer-129; ls / | grep -c layer-")
                    .env("PATH=/bin")).writeTo(images.store().content());
            images.store().tag(ImageReference.parse("localhost/test/many:1"), written.target());
            ImageRecord image = images.require("localhost/test/many:1");
            ContainerConfig config = images.containerFrom(image, NONE).build();

            // Without a way to fill a private copy, the engine says why it cannot stack them.
            assertThatThrownBy(() -> t.engine.create(config))
                    .hasMessageContaining("132 layers need").hasMessageContaining("bytes of mount options");
            assertThat(t.engine.list()).isEmpty();

            ContainerRecord r = t.engine.create(config, images.populator(image));
            t.engine.start(r.id());
            assertThat(t.engine.await(r.id(), Duration.ofSeconds(30)).orElseThrow().exitCode()).isZero();
            assertThat(stdout(t, r.id())).isEqualTo("layer 129\n129\n");
            assertThat(t.engine.trace(r.id())).extracting(e -> e.step()).contains("copy rootfs");
        }
    }
}
