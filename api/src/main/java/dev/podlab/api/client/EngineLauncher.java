package dev.podlab.api.client;

import dev.podlab.core.PodlabException;
import dev.podlab.core.config.EngineSettings;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the engine service in the background for a client that found none: the same Java and class path
 * as the client, {@code dev.podlab.api.server.EngineMain} as the main class, its own session
 * ({@code setsid}, so it outlives the terminal), output appended to {@code <stateRoot>/engine.log}. Waits,
 * woken by the socket appearing, until the service answers.
 */
public final class EngineLauncher {
    /** How long a cold JVM plus reconcile may take before we give up. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    public static final String MAIN_CLASS = "dev.podlab.api.server.EngineMain";

    private EngineLauncher() {}

    static void start(EngineSettings settings, Path configFile, PodlabClient client) {
        Path log = settings.stateRoot().resolve("engine.log");
        Process p;
        try {
            Files.createDirectories(settings.stateRoot());
            Files.createDirectories(settings.socket().toAbsolutePath().getParent());
            p = new ProcessBuilder(command(settings, configFile))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("start the engine service for",
                    settings.stateRoot().toString(), e), e);
        }
        awaitReady(settings.socket(), p, log, client);
    }

    static List<String> command(EngineSettings settings, Path configFile) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            // Not a process-group leader, so setsid execs in place: the pid we hold is the engine's.
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-XX:+UseSerialGC");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--sun-misc-unsafe-memory-access=allow");
        for (String prop : List.of("podlab.shim", "podlab.samples")) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MAIN_CLASS);
        if (configFile != null) {
            cmd.add("--config");
            cmd.add(configFile.toAbsolutePath().toString());
        }
        cmd.add("--root");
        cmd.add(settings.stateRoot().toString());
        cmd.add("--run-root");
        cmd.add(settings.runRoot().toString());
        cmd.add("--socket");
        cmd.add(settings.socket().toString());
        cmd.add("--cgroup-parent");
        cmd.add(settings.cgroupParent());
        return cmd;
    }

    private static void awaitReady(Path socket, Process engine, Path log, PodlabClient client) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            socket.toAbsolutePath().getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            while (true) {
                if (Files.exists(socket) && client.ping(Duration.ofSeconds(2)) != null) {
                    return;
                }
                if (!engine.isAlive()) {
                    throw new PodlabException("failed to start the engine service: it exited with status "
                            + engine.exitValue() + "; last lines of " + log + ": " + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new PodlabException("failed to start the engine service: no answer on " + socket
                            + " within " + START_TIMEOUT.toSeconds() + " s (see " + log + ")");
                }
                // Woken by the socket's rename into place; the timeout only notices an engine that died.
                var key = watch.poll(250, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("wait for the engine service on", socket.toString(), e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PodlabException("failed to wait for the engine service on " + socket + ": interrupted");
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
