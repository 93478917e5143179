package dev.podlab.cri.stream;

import java.util.List;

/** What a streaming URL was issued for (from the CRI Exec, Attach or PortForward request). */
public sealed interface StreamRequest {
    /** The URL path segment: exec, attach, portforward. */
    String kind();

    /** A remotecommand session on a container (exec or attach): which standard streams the client asked for. */
    sealed interface Stdio extends StreamRequest {
        String containerId();

        boolean tty();

        boolean stdin();

        boolean stdout();

        boolean stderr();
    }

    /** Exec {@code command} in a running container. */
    record Exec(String containerId, List<String> command, boolean tty, boolean stdin, boolean stdout,
                boolean stderr) implements Stdio {
        public Exec {
            command = List.copyOf(command);
        }

        @Override
        public String kind() {
            return "exec";
        }
    }

    /**
     * Attach to a running container's own stdio.
     *
     * @param stdinOnce the container was created with stdin_once: when this client's stdin ends, the container's
     *                  closes, and the session stays until the container exits so its last output arrives
     */
    record Attach(String containerId, boolean tty, boolean stdin, boolean stdout, boolean stderr, boolean stdinOnce)
            implements Stdio {
        @Override
        public String kind() {
            return "attach";
        }
    }

    /**
     * Forward connections to ports of a sandbox's network namespace.
     *
     * @param netns the pinned network namespace file
     * @param ports ports the CRI request named (a WebSocket client may name others in {@code ?ports=})
     */
    record PortForward(String sandboxId, String netns, List<Integer> ports) implements StreamRequest {
        public PortForward {
            ports = List.copyOf(ports);
        }

        @Override
        public String kind() {
            return "portforward";
        }
    }
}
