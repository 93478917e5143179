package dev.podlab.core.image.build;

import com.github.luben.zstd.ZstdInputStream;
import dev.podlab.core.image.ContentStore;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/** Reads layer tars back for assertions; runs host tools. */
final class Tars {
    private Tars() {}

    /** One tar entry with its content (null for non-files). */
    record Item(TarArchiveEntry entry, byte[] content) {
        String name() {
            return entry.getName();
        }
    }

    static List<Item> read(byte[] tar) throws IOException {
        List<Item> items = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar),
                StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                items.add(new Item(e, e.isFile() ? in.readAllBytes() : null));
            }
        }
        return items;
    }

    static byte[] uncompressed(ContentStore store, Descriptor layer) throws IOException {
        byte[] blob = store.read(layer.parsedDigest());
        InputStream in = switch (MediaTypes.layerCompression(layer.mediaType())) {
            case NONE -> new ByteArrayInputStream(blob);
            case GZIP -> new GZIPInputStream(new ByteArrayInputStream(blob));
            case ZSTD -> new ZstdInputStream(new ByteArrayInputStream(blob));
        };
        try (in) {
            return in.readAllBytes();
        }
    }

    static List<Item> layer(ContentStore store, Descriptor layer) throws IOException {
        return read(uncompressed(store, layer));
    }

    static List<String> names(List<Item> items) {
        return items.stream().map(Item::name).toList();
    }

    static Item find(List<Item> items, String name) {
        return items.stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no entry " + name + " in " + names(items)));
    }

    record Run(int exit, String output) {}

    static Run run(java.nio.file.Path cwd, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("TMPDIR", cwd.toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + List.of(command));
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
