package dev.podlab.tui;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.Container;
import dev.podlab.api.v1.ContainerRef;
import dev.podlab.api.v1.CreateContainerRequest;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The workbench in a real terminal: tmux runs it as a separate JVM (a real pty, Lanterna's Unix terminal),
 * send-keys types, capture-pane reads the screen, with and without colours (NO_COLOR).
 */
@Tag("root")
class TuiTerminalSmokeTest {
    /** SGR colour codes: 30-37, 39, 40-47, 49, 90-97, 100-107 (and 38/48 extended). */
    private static final Pattern COLOUR = Pattern.compile("\u001b\\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m");

    private static TestEngine te;
    private static EngineService service;
    private static PodlabClient client;
    private static final List<String> SESSIONS = new ArrayList<>();
    private static Path tmux;

    @BeforeAll
    static void start() throws Exception {
        tmux = HostRequirements.requireCommand("tmux");
        te = TestEngine.open();
        service = EngineService.start(te.serviceSettings(), te.cgroups);
        client = PodlabClient.connect(service.socket());
        Container c = client.containers().create(CreateContainerRequest.newBuilder()
                .setRootfs(TestEngine.rootfs().toString()).setName("smoke-one").addAllCommand(List.of("sleep", "600"))
                .build()).getContainer();
        client.containers().start(ContainerRef.newBuilder().setId(c.getId()).build());
    }

    @AfterAll
    static void stop() throws Exception {
        for (String session : SESSIONS) {
            tmux(session, "kill-server");
        }
        if (client != null) {
            client.close();
        }
        if (service != null) {
            service.close();
        }
        if (te != null) {
            te.close();
        }
    }

    /**
     * Runs tmux against the private server of {@code session}: one server per session, on a socket inside the
     * test's root, so that the test ends its own servers only, and a server that exits with its last session
     * cannot unlink the socket of the next one.
     */
    private static String tmux(String session, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tmux.toString(), "-S", te.root.resolve(session + ".sock").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static String launch(String session, boolean noColor) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path log = te.root.resolve(session + ".log");
        String cmd = String.join(" ", List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", "'" + System.getProperty("java.class.path") + "'",
                PodlabTui.class.getName(), service.socket().toString(), "2>" + log));
        List<String> args = new ArrayList<>(List.of("new-session", "-d", "-s", session, "-x", "140", "-y", "30"));
        if (noColor) {
            args.addAll(List.of("-e", "NO_COLOR=1"));
        }
        args.add(cmd);
        SESSIONS.add(session);
        tmux(session, args.toArray(String[]::new));
        // The first view is the pods table (none here); the checks below use the containers view.
        await(session, "the pods view", false, t -> t.contains(" pods "));
        tmux(session, "send-keys", "-t", session, ":containers", "Enter");
        return session;
    }

    private static String await(String session, String what, boolean escapes, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        String s = "";
        while (System.nanoTime() < deadline) {
            s = escapes ? tmux(session, "capture-pane", "-p", "-e", "-t", session)
                    : tmux(session, "capture-pane", "-p", "-t", session);
            if (condition.test(s)) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + " in tmux; the pane shows:\n" + s);
    }

    /** The pane's program exited: its session (and with it the private server) is gone. */
    private static boolean gone(String capture) {
        return capture.contains("no server running") || capture.contains("can't find") || capture.contains("error connecting");
    }

    @Test
    void colourThenMonochromeInARealTerminalAndQuitWithTheCommand() throws Exception {
        String colour = launch("colour", false);
        String s = await(colour, "the table in colour", true, t -> t.contains("smoke-one") && t.contains("running"));
        assertThat(COLOUR.matcher(s).find()).as("colour escapes in:\n%s", s).isTrue();
        tmux(colour, "send-keys", "-t", colour, ":quit", "Enter");
        await(colour, "the workbench to exit", false, TuiTerminalSmokeTest::gone);

        String mono = launch("mono", true);
        s = await(mono, "the table without colour", true, t -> t.contains("smoke-one") && t.contains("running"));
        assertThat(COLOUR.matcher(s).find()).as("no colour escapes with NO_COLOR in:\n%s", s).isFalse();
        // The selection still shows, in reverse video.
        assertThat(Pattern.compile("\u001b\\[(?:[0-9]+;)*7m").matcher(s).find()).as("reverse video in:\n%s", s).isTrue();
        // Control keys as a real terminal sends them (0x0b, 0x04) reach the actions; both are declined here.
        tmux(mono, "send-keys", "-t", mono, "C-k");
        await(mono, "the kill question", false, t -> t.contains("kill smoke-one (SIGKILL)? (y/N)"));
        tmux(mono, "send-keys", "-t", mono, "n");
        await(mono, "cancelled", false, t -> t.contains("cancelled") && !t.contains("(y/N)"));
        tmux(mono, "send-keys", "-t", mono, "C-d");
        await(mono, "the remove question", false, t -> t.contains("remove smoke-one (running: it is killed first)?"));
        tmux(mono, "send-keys", "-t", mono, "n");
        await(mono, "cancelled again", false, t -> !t.contains("(y/N)"));
        assertThat(client.containers().list(dev.podlab.api.v1.ListContainersRequest.getDefaultInstance())
                .getContainersList()).extracting(Container::getName).contains("smoke-one");
        tmux(mono, "send-keys", "-t", mono, "?");
        await(mono, "the help", false, t -> t.contains("this help") && t.contains("play a manifest"));
        tmux(mono, "send-keys", "-t", mono, "C-c");
        await(mono, "the workbench to exit", false, TuiTerminalSmokeTest::gone);
    }
}
