package dev.podlab.core.container;

import java.util.List;

/** An extra process to run in a running container. Null fields inherit the container's. */
public record ExecRequest(List<String> command, List<String> env, String workingDir, Integer uid, Integer gid,
                          boolean terminal) {
    public ExecRequest {
        command = List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        if (command.isEmpty()) {
            throw new InvalidConfigException("failed to exec: no command given");
        }
    }

    public static ExecRequest of(List<String> command) {
        return new ExecRequest(command, List.of(), null, null, null, false);
    }
}
