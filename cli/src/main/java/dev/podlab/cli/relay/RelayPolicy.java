package dev.podlab.cli.relay;

import dev.podlab.core.config.EngineSettings;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Which commands the engine runs for a {@code podlab-client}: verbs that only talk to the engine and print,
 * whose input is their command line. Interactive verbs (a terminal or stdin to forward), verbs that work on the
 * host or on files of their own (doctor, image save, login), and any command that names another engine run in
 * a JVM of their own, exactly as before.
 */
final class RelayPolicy {
    static final Set<String> VERBS = Set.of("ps", "pods", "get", "describe", "images", "info", "inspect", "trace",
            "logs", "events", "diff", "play", "down", "stop", "kill", "rm", "runtimes");
    private static final List<String> ENGINE_OPTIONS = List.of("--root", "--config", "--socket");

    private RelayPolicy() {}

    /** Why the client should run {@code request} itself, or null when the engine runs it. */
    static String decline(RelayRequest request, EngineSettings engine) {
        List<String> args = request.args();
        if (args.isEmpty() || !VERBS.contains(args.get(0))) {
            return "the verb " + (args.isEmpty() ? "(none)" : args.get(0)) + " runs in the JVM client";
        }
        for (String a : args) {
            for (String option : ENGINE_OPTIONS) {
                if (a.equals(option) || a.startsWith(option + "=")) {
                    return option + " may name another engine";
                }
            }
            if (a.equals("-")) {
                return "standard input is read by the JVM client";
            }
        }
        String root = request.env().get("PODLAB_ROOT");
        if (root != null && !root.isBlank()
                && !request.cwd().resolve(root).normalize().equals(engine.stateRoot().toAbsolutePath().normalize())) {
            return "PODLAB_ROOT names another state root than this engine's " + engine.stateRoot();
        }
        return null;
    }

    /** The relay socket beside an API socket: {@code /run/podlab/podlab.sock} has {@code podlab-cli.sock}. */
    static Path socketBeside(Path apiSocket) {
        String name = apiSocket.getFileName().toString();
        String stem = name.endsWith(".sock") ? name.substring(0, name.length() - ".sock".length()) : name;
        return apiSocket.resolveSibling(stem + "-cli.sock");
    }
}
