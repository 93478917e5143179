package dev.podlab.core.host;

/**
 * How a command run by a {@link HostProbe} ended.
 *
 * @param exitCode the exit status; -1 when it timed out or could not be started
 * @param output   stdout and stderr together, trimmed
 */
public record CommandResult(int exitCode, String output) {
    public CommandResult {
        output = output == null ? "" : output.strip();
    }

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** The first line of the output, or "". */
    public String firstLine() {
        int nl = output.indexOf('\n');
        return nl < 0 ? output : output.substring(0, nl).strip();
    }
}
