package dev.podlab.core.net;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A plugin named by a network configuration is in none of the plugin directories. The controller can then fall
 * back to a loopback-only pod ({@link CniNetwork#loopbackOnly(java.nio.file.Path)}) and say so.
 */
public class CniPluginNotFoundException extends CniException {

    private final String type;
    private final List<Path> searched;

    public CniPluginNotFoundException(String type, List<Path> searched) {
        super("find", "CNI plugin " + type, "not found in " + searched.stream().map(Path::toString)
                .collect(Collectors.joining(", ")) + " (on Debian install the package containernetworking-plugins)");
        this.type = type;
        this.searched = List.copyOf(searched);
    }

    /** The plugin type looked for, e.g. {@code bridge}. */
    public String type() {
        return type;
    }

    /** The directories that were searched, in order. */
    public List<Path> searched() {
        return searched;
    }
}
