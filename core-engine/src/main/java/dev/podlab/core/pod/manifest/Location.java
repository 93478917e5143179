package dev.podlab.core.pod.manifest;

/**
 * Where something was written: the source name as shown to the user ({@code web.yaml},
 * {@code <stdin>}) and a 1-based line and column.
 */
public record Location(String source, int line, int column) {
    /** {@code source:line:column}, the prefix of every report line. */
    @Override
    public String toString() {
        return source + ":" + line + ":" + column;
    }
}
