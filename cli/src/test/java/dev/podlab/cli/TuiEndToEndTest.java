package dev.podlab.cli;

import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestPods;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The end-to-end check: {@code podlab tui} as its own JVM in a real terminal (tmux), against a real
 * engine service on its own state root and socket with a sample pod played by {@code podlab play}; keys are
 * sent with send-keys and the screen read with capture-pane.
 */
@Tag("root")
class TuiEndToEndTest {
    private static final String SESSION = "podlab-e2e";

    @Test
    void openThePodItsLogsTheHelpAndTheImagesThenQuit() throws Exception {
        Path tmuxBinary = HostRequirements.requireCommand("tmux");
        try (CliRunner cli = new CliRunner("pltmux")) {
            SampleImages.ensure(cli.service.images().store(), TestPods.samples());
            String manifest = TestPods.samplePods().resolve("init.yaml").toString();
            assertThat(cli.run("play", manifest)).startsWith("pod/init-demo ");
            cli.service.pods().awaitStarted("init-demo", Duration.ofSeconds(120));

            // A tmux server of our own, on a socket in the state root: kill-server ends ours only.
            Tmux tmux = new Tmux(tmuxBinary, cli.root.resolve("tmux.sock"));
            Path log = cli.root.resolve("tui.err");
            String java = ProcessHandle.current().info().command().orElseThrow();
            String cmd = String.join(" ", List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow", "-cp", "'" + System.getProperty("java.class.path") + "'",
                    Main.class.getName(), "tui", "--root", cli.root.toString(), "2>" + log));
            try {
                tmux.run("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "45", cmd);

                String s = tmux.await("the pod in the pods table", t -> t.contains(" pods ") && rowShows(t, "init-demo", "Running", "1/1"));
                assertThat(s).contains("engine: connected");

                tmux.keys("/init-demo", "Enter", "Enter");
                // The whole page, Conditions included: a capture can land between two parts of one redraw.
                s = tmux.await("the pod page", t -> t.contains("pod default/init-demo") && t.contains("Pod cgroup usage")
                        && t.contains("› fetch (init)") && t.contains("prepare (init)") && t.contains("Conditions"));
                assertThat(s).contains("Containers").contains("Conditions").contains("restartPolicy OnFailure");

                tmux.keys("2");
                s = tmux.await("the cgroups pane", t -> t.contains("pod cgroup ") && t.contains("cgroup v"));
                assertThat(s).containsAnyOf("memory.limit_in_bytes", "memory.max", "cpu.cfs_quota_us", "cpu.max");
                tmux.keys("1");
                tmux.await("the overview", t -> t.contains("Pod cgroup usage"));

                // The init containers come first: Down twice chooses the app.
                tmux.keys("Down", "Down");
                tmux.await("the app chosen", t -> t.contains("› app"));
                tmux.keys("l");
                s = tmux.await("the app's logs", t -> t.contains("step 3: app running"));
                assertThat(s).contains("step 1: fetched").contains("step 2: prepared");

                tmux.keys("Escape");
                tmux.await("back on the pod page", t -> t.contains("Pod cgroup usage"));
                tmux.keys("?");
                // The whole help, not a frame half drawn: its first and a later entry.
                tmux.await("the help", t -> t.contains("this help") && t.contains("command mode") && t.contains("play a manifest"));

                // A key right after Esc would read as Alt+key: wait for the help to close first.
                tmux.keys("Escape");
                tmux.await("the help to close", t -> t.contains("Pod cgroup usage") && !t.contains("this help"));
                tmux.keys(":images", "Enter");
                tmux.await("the images", t -> t.contains("localhost/podlab/busybox"));

                tmux.keys(":quit", "Enter");
                tmux.await("the workbench to exit", Tmux::gone);
                assertThat(Files.readString(log)).doesNotContain("Exception");
            } finally {
                tmux.run("kill-server");
            }
        }
    }

    private static boolean rowShows(String screen, String name, String... cells) {
        return screen.lines().anyMatch(l -> l.contains(name) && List.of(cells).stream().allMatch(l::contains));
    }

    /** tmux against one private server socket. */
    private record Tmux(Path binary, Path socket) {
        String run(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-S", socket.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        }

        /** Each argument is one send-keys call: "Enter", "Escape", "Down" name keys, anything else is typed literally. */
        void keys(String... keys) throws IOException, InterruptedException {
            for (String k : keys) {
                if (List.of("Enter", "Escape", "Down").contains(k)) {
                    run("send-keys", "-t", SESSION, k);
                } else {
                    run("send-keys", "-t", SESSION, "-l", k);
                }
            }
        }

        /** Polls capture-pane until the condition holds, within a deadline generous for a loaded machine. */
        String await(String what, Predicate<String> condition) throws Exception {
            long deadline = System.nanoTime() + 30_000_000_000L;
            String s = "";
            while (System.nanoTime() < deadline) {
                s = run("capture-pane", "-p", "-t", SESSION);
                if (condition.test(s)) {
                    return s;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("timed out waiting for " + what + " in tmux; the pane shows:\n" + s);
        }

        /** The program exited: its session, and with it the server, is gone. */
        static boolean gone(String capture) {
            return capture.contains("no server running") || capture.contains("can't find") || capture.contains("error connecting");
        }
    }
}
