package dev.podlab.core.container;

import java.nio.file.Path;

/** A host directory or file bound into the container. */
public record VolumeMount(Path source, String destination, boolean readOnly) {
    public VolumeMount {
        if (!destination.startsWith("/")) {
            throw new InvalidConfigException("failed to parse volume " + source + ":" + destination
                    + ": the destination must be an absolute path inside the container");
        }
    }

    /** Parses the CLI form {@code SRC:DST[:ro|:rw]}. */
    public static VolumeMount parse(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new InvalidConfigException("failed to parse volume \"" + spec + "\": expected SRC:DST[:ro]");
        }
        boolean ro = false;
        if (parts.length == 3) {
            ro = switch (parts[2]) {
                case "ro" -> true;
                case "rw" -> false;
                default -> throw new InvalidConfigException("failed to parse volume \"" + spec
                        + "\": unknown mode \"" + parts[2] + "\" (ro or rw)");
            };
        }
        return new VolumeMount(Path.of(parts[0]).toAbsolutePath().normalize(), parts[1], ro);
    }
}
