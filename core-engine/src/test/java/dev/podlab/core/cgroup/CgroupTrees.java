package dev.podlab.core.cgroup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Plain directory trees laid out like the kernel's cgroup mounts, and the fixture files to fill them. */
final class CgroupTrees {

    static final String V2_ROOT_CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc";
    static final List<String> V1_HIERARCHIES = List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");
    /** What V1 memory.limit_in_bytes holds when there is no limit (PAGE_COUNTER_MAX with 4 KiB pages). */
    static final String V1_UNLIMITED = "9223372036854771712";

    private CgroupTrees() {
    }

    /** A pure v2 host: /sys/fs/cgroup is cgroup2 offering {@code controllers}. */
    static Path pureV2(Path root, String controllers) {
        write(root.resolve("cgroup.controllers"), controllers + "\n");
        write(root.resolve("cgroup.subtree_control"), "\n");
        write(root.resolve("cgroup.procs"), "");
        return root;
    }

    static Path pureV2(Path root) {
        return pureV2(root, V2_ROOT_CONTROLLERS);
    }

    /** v1 with every controller in its own hierarchy (this project's build hosts), plus name=systemd. */
    static Path v1Separate(Path root, boolean swapAccounting) {
        for (String name : V1_HIERARCHIES) {
            hierarchy(root.resolve(name));
        }
        hierarchy(root.resolve("systemd"));
        write(root.resolve("cpuset/cpuset.cpus"), "0-1\n");
        write(root.resolve("cpuset/cpuset.mems"), "0\n");
        write(root.resolve("memory/memory.limit_in_bytes"), V1_UNLIMITED + "\n");
        if (swapAccounting) {
            write(root.resolve("memory/memory.memsw.limit_in_bytes"), V1_UNLIMITED + "\n");
        }
        return root;
    }

    /** v1 as most systemd distributions mount it: "cpu,cpuacct" and "net_cls,net_prio" with symlinks. */
    static Path v1Combined(Path root) {
        hierarchy(root.resolve("cpu,cpuacct"));
        hierarchy(root.resolve("net_cls,net_prio"));
        for (String name : List.of("cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd")) {
            hierarchy(root.resolve(name));
        }
        write(root.resolve("cpuset/cpuset.cpus"), "0-3\n");
        write(root.resolve("cpuset/cpuset.mems"), "0\n");
        try {
            Files.createSymbolicLink(root.resolve("cpu"), Path.of("cpu,cpuacct"));
            Files.createSymbolicLink(root.resolve("cpuacct"), Path.of("cpu,cpuacct"));
            Files.createSymbolicLink(root.resolve("net_cls"), Path.of("net_cls,net_prio"));
            Files.createSymbolicLink(root.resolve("net_prio"), Path.of("net_cls,net_prio"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root;
    }

    /** v1 plus an (empty) cgroup2 hierarchy at root/unified. */
    static Path hybrid(Path root) {
        v1Separate(root, true);
        pureV2(root.resolve("unified"), "");
        return root;
    }

    private static void hierarchy(Path dir) {
        write(dir.resolve("cgroup.procs"), "");
    }

    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a fixture from src/test/resources/cgroup/{resource} to {@code target}. */
    static void fixture(String resource, Path target) {
        try (InputStream in = CgroupTrees.class.getResourceAsStream("/cgroup/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource cgroup/" + resource);
            }
            Files.createDirectories(target.getParent());
            Files.write(target, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String fixture(String resource) {
        try (InputStream in = CgroupTrees.class.getResourceAsStream("/cgroup/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource cgroup/" + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
