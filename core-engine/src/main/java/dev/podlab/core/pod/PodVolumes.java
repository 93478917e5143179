package dev.podlab.core.pod;

import dev.podlab.core.pod.manifest.Bytes;
import dev.podlab.core.pod.manifest.ManifestSet;
import dev.podlab.core.pod.manifest.PodManifest;
import dev.podlab.core.pod.manifest.Volume;
import dev.podlab.core.sys.LibC;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's volumes on the host, under {@code <podDir>/volumes/<name>}: emptyDir (a directory, or a tmpfs for
 * medium Memory), configMap, secret and downwardAPI files (and projected mixes of them), hostPath checked
 * against its type. Containers bind-mount them.
 */
final class PodVolumes {
    /** One materialised volume: where it is on the host and whether it is always mounted read-only. */
    record Materialised(Path hostPath, boolean readOnly) {}

    private PodVolumes() {}

    /** Creates every volume; returns them by name, and the tmpfs mounts to unmount at deletion. */
    static Map<String, Materialised> create(ManifestSet set, PodManifest pod, Path podDir, DownwardValues downward,
                                            List<String> tmpfsMounts, List<String> warnings) {
        Map<String, Materialised> out = new LinkedHashMap<>();
        String ns = pod.metadata().namespace();
        try {
            for (Volume v : pod.spec().volumes()) {
                Path dir = podDir.resolve("volumes").resolve(v.name());
                switch (v.source()) {
                    case Volume.EmptyDir e -> {
                        Files.createDirectories(dir);
                        if (e.medium() == Volume.Medium.MEMORY) {
                            String size = e.sizeLimit().map(q -> "size=" + q.wholeValue()).orElse("");
                            LibC.INSTANCE.mount("tmpfs", dir.toString(), "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV,
                                    size.isEmpty() ? "mode=0777" : size + ",mode=0777");
                            tmpfsMounts.add(dir.toString());
                        } else {
                            Files.setPosixFilePermissions(dir, EnumSet.allOf(PosixFilePermission.class));
                            e.sizeLimit().ifPresent(q -> warnings.add("spec.volumes[" + v.name()
                                    + "].emptyDir.sizeLimit: not enforced on disk (only for medium: Memory)"));
                        }
                        out.put(v.name(), new Materialised(dir, false));
                    }
                    case Volume.HostPath h -> out.put(v.name(), new Materialised(hostPath(v.name(), h), false));
                    case Volume.ConfigMapVolume c -> {
                        Files.createDirectories(dir);
                        set.configMap(ns, c.name()).ifPresent(cm -> writeKeys(dir, keys(cm.data(), cm.binaryData()),
                                c.items(), c.defaultMode()));
                        out.put(v.name(), new Materialised(dir, true));
                    }
                    case Volume.SecretVolume s -> {
                        Files.createDirectories(dir);
                        set.secret(ns, s.secretName()).ifPresent(sec -> writeKeys(dir, sec.data(), s.items(),
                                s.defaultMode()));
                        out.put(v.name(), new Materialised(dir, true));
                    }
                    case Volume.DownwardApi d -> {
                        Files.createDirectories(dir);
                        for (Volume.DownwardApiItem item : d.items()) {
                            write(dir, item.path(), downward.value(item.source(), null).getBytes(),
                                    item.mode().orElse(d.defaultMode()));
                        }
                        out.put(v.name(), new Materialised(dir, true));
                    }
                    case Volume.Projected p -> {
                        Files.createDirectories(dir);
                        for (Volume.Projection source : p.sources()) {
                            switch (source) {
                                case Volume.ConfigMapProjection c -> set.configMap(ns, c.name()).ifPresent(cm ->
                                        writeKeys(dir, keys(cm.data(), cm.binaryData()), c.items(), p.defaultMode()));
                                case Volume.SecretProjection s -> set.secret(ns, s.name()).ifPresent(sec ->
                                        writeKeys(dir, sec.data(), s.items(), p.defaultMode()));
                                case Volume.DownwardApiProjection d -> {
                                    for (Volume.DownwardApiItem item : d.items()) {
                                        write(dir, item.path(), downward.value(item.source(), null).getBytes(),
                                                item.mode().orElse(p.defaultMode()));
                                    }
                                }
                            }
                        }
                        out.put(v.name(), new Materialised(dir, true));
                    }
                }
            }
        } catch (IOException e) {
            throw new PodException("failed to create volumes of pod " + pod.name() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The volumes of a pod made earlier (an engine restart): the same places, nothing rewritten. */
    static Map<String, Materialised> existing(PodManifest pod, Path podDir) {
        Map<String, Materialised> out = new LinkedHashMap<>();
        for (Volume v : pod.spec().volumes()) {
            Path dir = podDir.resolve("volumes").resolve(v.name());
            out.put(v.name(), switch (v.source()) {
                case Volume.EmptyDir e -> new Materialised(dir, false);
                case Volume.HostPath h -> new Materialised(Path.of(h.path()), false);
                default -> new Materialised(dir, true);
            });
        }
        return out;
    }

    /** Unmounts the pod's tmpfs volumes (before its directory is deleted). */
    static void release(List<String> tmpfsMounts) {
        for (String m : tmpfsMounts) {
            try {
                LibC.INSTANCE.umount2(m, LibC.MNT_DETACH);
            } catch (com.sun.jna.LastErrorException e) {
                // EINVAL/ENOENT: already gone (a second delete, or a reboot emptied /run).
            }
        }
    }

    private static Map<String, Bytes> keys(Map<String, String> data, Map<String, Bytes> binary) {
        Map<String, Bytes> all = new LinkedHashMap<>();
        data.forEach((k, v) -> all.put(k, Bytes.utf8(v)));
        all.putAll(binary);
        return all;
    }

    private static void writeKeys(Path dir, Map<String, Bytes> values, List<Volume.KeyToPath> items, int mode) {
        if (items.isEmpty()) {
            values.forEach((k, v) -> write(dir, k, v.value(), mode));
        } else {
            for (Volume.KeyToPath item : items) {
                Bytes v = values.get(item.key());
                if (v != null) {
                    write(dir, item.path(), v.value(), item.mode().orElse(mode));
                }
            }
        }
    }

    private static void write(Path dir, String relative, byte[] content, int mode) {
        try {
            // The parser refused absolute paths and "..": relative stays inside dir.
            Path file = dir.resolve(relative).normalize();
            if (!file.startsWith(dir)) {
                throw new PodException("failed to write volume file " + relative + ": it leaves the volume");
            }
            Files.createDirectories(file.getParent());
            Files.write(file, content);
            Files.setPosixFilePermissions(file, permissions(mode));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                p.add(bits[i]);
            }
        }
        return p;
    }

    private static Path hostPath(String name, Volume.HostPath h) throws IOException {
        Path p = Path.of(h.path());
        String where = "spec.volumes[" + name + "].hostPath";
        switch (h.type()) {
            case DIRECTORY_OR_CREATE -> {
                Files.createDirectories(p);
            }
            case DIRECTORY -> require(Files.isDirectory(p), where, p, "is not a directory");
            case FILE_OR_CREATE -> {
                if (!Files.exists(p)) {
                    Files.createDirectories(p.getParent());
                    Files.createFile(p);
                }
            }
            case FILE -> require(Files.isRegularFile(p), where, p, "is not a file");
            case SOCKET, CHAR_DEVICE, BLOCK_DEVICE -> require(Files.exists(p), where, p, "does not exist");
            case UNSET -> { }
        }
        return p;
    }

    private static void require(boolean ok, String where, Path p, String problem) {
        if (!ok) {
            throw new PodException("failed to mount " + where + " " + p + ": it " + problem);
        }
    }

    /** Directories to pre-create inside a read-only volume so that nested mounts (e.g. /www/status) have a target. */
    static List<String> nestedTargets(String outer, List<String> mountPaths) {
        List<String> out = new ArrayList<>();
        String prefix = outer.endsWith("/") ? outer : outer + "/";
        for (String m : mountPaths) {
            if (m.startsWith(prefix)) {
                out.add(m.substring(prefix.length()));
            }
        }
        return out;
    }
}
