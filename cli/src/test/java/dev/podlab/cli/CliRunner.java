package dev.podlab.cli;

import dev.podlab.api.server.EngineService;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.config.EngineSettingsLoader;
import dev.podlab.core.net.DefaultNetwork;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.state.FileTrees;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the CLI in-process on a throw-away state root, served by an engine service in this JVM, with
 * stdout and stderr captured.
 * {@link #close()} force-removes the containers it made, restores the streams and deletes the root.
 */
final class CliRunner implements AutoCloseable {
    final Path root;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream oldOut = System.out;
    private final PrintStream oldErr = System.err;

    /** The engine service of {@link #root}, in this JVM: the CLI finds it on {@code <root>/podlab.sock}. */
    final EngineService service;
    final String bridge;
    final String subnetPrefix;
    private final String ipForwardBefore;

    CliRunner(String prefix) throws IOException {
        HostRequirements.requireRoot();
        root = Files.createTempDirectory(Path.of("/tmp"), prefix);
        EngineSettings s = EngineSettingsLoader.loadDefault().withOverrides(EngineSettings.Overrides.builder()
                .stateRoot(root).runRoot(root.resolve("run")).socket(root.resolve("podlab.sock")).build());
        // Pods get a network of their own: no CNI configuration, a test-unique bridge and subnet.
        s = new EngineSettings(s.stateRoot(), s.runRoot(), s.socket(), s.cri(), s.defaultRuntime(), s.runtimeClasses(),
                s.registries(), new EngineSettings.Cni(root.resolve("net.d"), s.cni().binDirs()), s.metrics(),
                s.cgroupParent());
        String hex = java.util.HexFormat.of().toHexDigits((short) java.util.concurrent.ThreadLocalRandom.current().nextInt());
        bridge = "plc" + hex;
        subnetPrefix = "10.214." + java.util.concurrent.ThreadLocalRandom.current().nextInt(256) + ".";
        ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        // Captured before the service starts: its CLI relay routes System.out per command and falls back to the
        // streams it found, so in-process commands and the process's own output land in these.
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            service = EngineService.start(s, dev.podlab.core.cgroup.CgroupManagers.host(),
                    new DefaultNetwork("plc-" + hex, bridge, subnetPrefix + "0/24", root.resolve("ipam")));
        } catch (RuntimeException e) {
            System.setOut(oldOut);
            System.setErr(oldErr);
            throw e;
        }
        out.reset(); // what the service said while starting is not any command's output
        err.reset();
    }

    /** Exit status of {@code podlab VERB [SUB] --root ROOT ARGS...} ("image" takes a second word). */
    int status(String verb, String... args) {
        int words = verb.equals("image") ? 2 : 1;
        List<String> all = new ArrayList<>(List.of(verb));
        all.addAll(List.of(args).subList(0, words - 1));
        all.add("--root");
        all.add(root.toString());
        all.addAll(List.of(args).subList(words - 1, args.length));
        return Main.execute(all.toArray(String[]::new));
    }

    /** Standard output of one command, whatever its exit status. */
    String run(String verb, String... args) {
        out.reset();
        status(verb, args);
        return out.toString(StandardCharsets.UTF_8);
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        try {
            for (String id : run("ps", "-a", "-q").split("\\s+")) {
                if (!id.isBlank()) {
                    status("rm", "-f", id);
                }
            }
            for (var pod : service.pods().list()) {
                service.pods().down(pod.id(), java.time.Duration.ZERO);
            }
        } finally {
            service.close();
            new PodNamespacesCleanup(root).run();
            if (Files.exists(Path.of("/sys/class/net", bridge))) {
                try {
                    new ProcessBuilder("ip", "link", "del", bridge).inheritIO().start().waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
            System.setOut(oldOut);
            System.setErr(oldErr);
            FileTrees.deleteRecursively(root);
        }
    }

    /** The private directory mounts pod namespaces live under (<root>/run/{net,ipc,uts}ns) go with the root. */
    private record PodNamespacesCleanup(Path root) implements Runnable {
        @Override
        public void run() {
            dev.podlab.core.net.PodNamespaces.open(root.resolve("run")).releaseDirectories();
        }
    }
}
