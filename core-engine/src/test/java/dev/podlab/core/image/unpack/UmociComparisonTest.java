package dev.podlab.core.image.unpack;

import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestImages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The applied (copy) form of a multi-layer busybox image must give the same tree as umoci's
 * unpack of the same OCI layout: paths, types, modes, owners, sizes, contents, link targets.
 * (umoci 0.4.7 reads gzip and uncompressed layers only, so no zstd layer here.)
 */
@Tag("root")
class UmociComparisonTest {
    @TempDir
    Path tmp;

    @Test
    void appliedLayersMatchUmoci() throws Exception {
        HostRequirements.requireRoot();
        Path umoci = HostRequirements.requireCommand("umoci");
        HostRequirements.require(Files.isExecutable(TestImages.BUSYBOX), "needs " + TestImages.BUSYBOX);
        Path layout = tmp.resolve("layout");
        TestImages.WrittenImage img = TestImages.layout(layout)
                .layer(TestImages.busyboxLayer())
                .layer(l -> l.dir("etc", 0755).file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                        .file("etc/shadow", "secret", 0600).dir("srv", 0755).dir("srv/www", 02775)
                        .owner(1000, 1000).file("srv/www/index.html", "<h1>hi</h1>").file("srv/www/old.html", "old")
                        .owner(0, 0).dir("tmp", 01777).file("usr-bin-su", "su", 04755)
                        .hardlink("usr-bin-su-again", "usr-bin-su").symlink("etc/mtab", "/proc/mounts")
                        .symlink("srv/current", "www").fifo("run-fifo").dir("replace-me", 0755)
                        .file("replace-me/inner", "inner").dir("opaque", 0700).file("opaque/lower", "lower"))
                .layer(MediaTypes.Compression.NONE, l -> l.whiteout("etc/shadow").whiteout("srv/www/old.html")
                        .file("replace-me", "now a file").dir("opaque", 0750).opaque("opaque")
                        .file("opaque/upper", "upper").dir("newdir", 0711).file("newdir/x", "x".repeat(5000), 0640))
                .tag("v1")
                .write();

        Path bundle = tmp.resolve("bundle");
        Process p = new ProcessBuilder(umoci.toString(), "unpack", "--image", layout + ":v1", bundle.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        Path ours = Files.createDirectory(tmp.resolve("ours"));
        List<Descriptor> layers = img.manifest().layers();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor d = layers.get(i);
            try (InputStream in = Files.newInputStream(layout.resolve("blobs/sha256/" + d.parsedDigest().hex()))) {
                UnpackResult r = LayerUnpacker.applyTo(in, MediaTypes.layerCompression(d.mediaType()), ours,
                        UnpackOptions.defaults(d.parsedDigest()));
                assertThat(r.diffId()).isEqualTo(img.diffIds().get(i));
            }
        }

        Map<String, String> theirs = Trees.describe(bundle.resolve("rootfs"), null, true);
        Map<String, String> mine = Trees.describe(ours, null, true);
        theirs.remove(".");
        mine.remove(".");
        assertThat(mine).hasSizeGreaterThan(20);
        assertThat(mine).isEqualTo(theirs);
        assertThat(mine).doesNotContainKeys("etc/shadow", "srv/www/old.html", "opaque/lower", "replace-me/inner");
    }
}
