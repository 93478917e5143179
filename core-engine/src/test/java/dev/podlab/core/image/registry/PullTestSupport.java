package dev.podlab.core.image.registry;

import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.oci.MediaTypes;
import dev.podlab.core.testing.TestImages;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared bits of the pull tests. */
final class PullTestSupport {
    private PullTestSupport() {}

    /** Collects every event of a pull. */
    static final class Events implements PullListener {
        final List<PullEvent> all = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(PullEvent event) {
            all.add(event);
        }

        <T extends PullEvent> List<T> of(Class<T> type) {
            return all.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    /** A small two-layer image with gzip layers. */
    static TestImages.ImageBuilder smallImage() {
        return TestImages.image()
                .layer(l -> l.dir("etc", 0755).file("etc/hello.txt", "hello from layer one\n"))
                .layer(l -> l.dir("app", 0755).file("app/data.bin", new byte[300_000], 0644))
                .config(c -> c.cmd("/bin/sh").env("PATH=/bin"))
                .compression(MediaTypes.Compression.GZIP)
                .tag("v1");
    }

    /** Every stored blob hashes to its name; no partial download is left in ingest/. */
    static void assertOnlyVerifiedBlobs(ImageStore store) throws IOException {
        ContentStore content = store.content();
        for (Digest d : content.list()) {
            MessageDigest md = Digest.newSha256();
            try (InputStream in = content.open(d)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            assertThat(HexFormat.of().formatHex(md.digest())).as("content of blob %s", d).isEqualTo(d.hex());
        }
        Path ingest = content.root().resolve("ingest");
        if (Files.isDirectory(ingest)) {
            try (Stream<Path> s = Files.list(ingest)) {
                assertThat(s.toList()).as("partial downloads left in %s", ingest).isEmpty();
            }
        }
    }
}
