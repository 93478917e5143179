package dev.podlab.core.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Test cleanup that does not trust the code under test: removes {@code base} from every hierarchy of a layout
 * with plain file operations, after SIGKILLing what is left in it (processes in a test's uniquely named cgroup
 * were started by that test).
 */
final class TestCgroups {

    private TestCgroups() {
    }

    static void removeEverywhere(CgroupLayout layout, String base) throws IOException, InterruptedException {
        Set<Path> mounts = new LinkedHashSet<>(layout.controllerMounts().values());
        for (Path mount : mounts) {
            Path top = mount.resolve(base);
            if (!Files.isDirectory(top)) {
                continue;
            }
            boolean kernel = ControlFiles.isCgroupFs(mount);
            if (kernel) {
                killInside(top);
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(top)) {
                dirs = walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                        .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
            }
            for (Path dir : dirs) {
                if (!kernel) {
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path f : files.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                            Files.delete(f);
                        }
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    private static void killInside(Path top) throws IOException, InterruptedException {
        for (int round = 0; round < 50; round++) {
            List<Integer> pids;
            try (Stream<Path> walk = Files.walk(top)) {
                pids = walk.filter(p -> p.getFileName().toString().equals("cgroup.procs"))
                        .flatMap(p -> {
                            try {
                                return Files.readAllLines(p).stream();
                            } catch (IOException e) {
                                return Stream.empty();
                            }
                        })
                        .filter(s -> !s.isBlank()).map(s -> Integer.parseInt(s.trim())).toList();
            }
            if (pids.isEmpty()) {
                return;
            }
            Path freezerState = top.resolve("freezer.state");
            if (Files.exists(freezerState)) {
                Files.writeString(freezerState, "THAWED"); // frozen tasks die only once thawed
            }
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            Thread.sleep(20);
        }
    }
}
