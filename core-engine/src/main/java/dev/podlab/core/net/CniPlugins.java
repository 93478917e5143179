package dev.podlab.core.net;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where plugin binaries are looked up: the first directory holding an executable named like the plugin's
 * {@code type} wins. Also passed to plugins as CNI_PATH, for plugins that call others (bridge calls its IPAM).
 *
 * @param binDirs the directories in search order
 */
public record CniPlugins(List<Path> binDirs) {

    /** Debian's containernetworking-plugins, then the upstream default. */
    public static final List<Path> DEFAULT_BIN_DIRS = dev.podlab.core.config.EngineSettings.DEFAULT_CNI_BIN_DIRS;

    public CniPlugins {
        binDirs = List.copyOf(binDirs);
    }

    public static CniPlugins defaults() {
        return new CniPlugins(DEFAULT_BIN_DIRS);
    }

    public Optional<Path> find(String type) {
        if (type.contains("/")) {
            return Optional.empty();
        }
        return binDirs.stream().map(d -> d.resolve(type)).filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
                .findFirst();
    }

    /** @throws CniPluginNotFoundException naming the directories searched and the Debian package */
    public Path require(String type) {
        return find(type).orElseThrow(() -> new CniPluginNotFoundException(type, binDirs));
    }

    /** The plugin types of {@code list} (and loopback) that are in no directory. */
    public List<String> missing(List<String> types) {
        return types.stream().filter(t -> find(t).isEmpty()).distinct().toList();
    }

    String cniPath() {
        return binDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
    }
}
