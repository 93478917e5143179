package dev.podlab.core.image.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.image.store.OciLayoutImageStore;
import dev.podlab.core.testing.TestImages;
import dev.podlab.core.testing.TestImages.RawTar;
import dev.podlab.core.testing.TestImages.WrittenImage;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Stores, images and hand-made archives for the archive tests. */
final class ArchiveTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private ArchiveTestSupport() {}

    /** A small two-layer image (gzip + zstd) with a config, tagged {@code name} in a new store at {@code root}. */
    static Stored storeWithImage(Path root, String name) {
        OciLayoutImageStore store = ImageStores.open(root);
        WrittenImage img = TestImages.image()
                .layer(l -> l.dir("etc", 0755).file("etc/hostname", "demo\n").file("etc/motd", "hello " + name + "\n"))
                .layer(Compression.ZSTD, l -> l.dir("app", 0755).file("app/run.sh", "#!/bin/sh\necho hi\n", 0755)
                        .symlink("app/link", "run.sh"))
                .config(c -> c.cmd("/app/run.sh").env("PATH=/bin").workingDir("/app").label("name", name))
                .writeTo(store.content());
        ImageRecord record = store.tag(ImageReference.parse(name), img.plainTarget());
        return new Stored(store, img, record);
    }

    record Stored(OciLayoutImageStore store, WrittenImage image, ImageRecord record) {}

    /** What the store's names and blobs look like, to check that a failed import changed nothing. */
    static Map<String, String> names(OciLayoutImageStore store) {
        Map<String, String> out = new LinkedHashMap<>();
        store.names().forEach(n -> out.put(n.reference().toString(), n.target().digest()));
        return out;
    }

    /** The image is still tagged, resolves, and every one of its blobs re-hashes correctly. */
    static void assertIntact(OciLayoutImageStore store, ImageRecord record) {
        ImageRecord now = store.find(record.reference().toString()).orElseThrow();
        assertThat(now.manifest().digest()).isEqualTo(record.manifest().digest());
        store.content().verify(now.manifest().parsedDigest());
        store.content().verify(now.id());
        now.layers().forEach(l -> store.content().verify(l.parsedDigest()));
    }

    /** Writes a tar whose entries {@code raw} writes. */
    static Path tar(Path file, RawTar raw) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = TestImages.newTar(out)) {
            raw.write(tar);
            tar.finish();
        }
        return file;
    }

    /** Writes a tar with these members (name -> bytes), in this order. */
    static Path tar(Path file, Map<String, byte[]> members) throws IOException {
        return tar(file, t -> {
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                TestImages.Tar.file(t, m.getKey(), m.getValue(), 0644);
            }
        });
    }

    /** The members of a tar, name -> bytes. */
    static Map<String, byte[]> members(Path tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tar);
             TarArchiveInputStream t = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                if (e.isFile()) {
                    out.put(e.getName(), t.readAllBytes());
                }
            }
        }
        return out;
    }

    /**
     * A docker-archive in the legacy layout docker save writes: {@code <n>/layer.tar} per layer, the config
     * {@code <hex>.json} with the given diff ids, manifest.json last (as docker and skopeo write it).
     */
    static Path dockerArchive(Path file, List<byte[]> layers, List<Digest> diffIds, List<String> repoTags)
            throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        config.put("config", Map.of("Cmd", List.of("/bin/sh")));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds.stream().map(Digest::toString).toList()));
        byte[] cfg = JSON.writeValueAsBytes(config);
        String cfgName = Digest.sha256(cfg).hex() + ".json";
        Map<String, byte[]> members = new LinkedHashMap<>();
        List<String> layerNames = new java.util.ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String name = "layer" + i + "/layer.tar";
            members.put(name, layers.get(i));
            layerNames.add(name);
        }
        members.put(cfgName, cfg);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("Config", cfgName);
        entry.put("RepoTags", repoTags);
        entry.put("Layers", layerNames);
        members.put("manifest.json", JSON.writeValueAsBytes(List.of(entry)));
        return tar(file, members);
    }

    record Result(int exit, String output) {}

    /** Runs a host tool with TMPDIR inside the test's directory. */
    static Result run(Path cwd, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("TMPDIR", cwd.toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + List.of(command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
