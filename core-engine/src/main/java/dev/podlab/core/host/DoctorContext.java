package dev.podlab.core.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link HostDoctor} needs from the engine configuration, without opening the engine.
 *
 * @param stateRoot   the engine's state root (disk space, writability for podlab-shim)
 * @param cniConfDir  where CNI network configurations are read from
 * @param cniBinDirs  where CNI plugins are looked up, in order
 * @param ociRuntimes OCI runtime binaries to look for (runc, crun, youki, plus configured handlers)
 */
public record DoctorContext(Path stateRoot, Path cniConfDir, List<Path> cniBinDirs, List<String> ociRuntimes) {

    public static final List<String> DEFAULT_OCI_RUNTIMES = List.of("runc", "crun", "youki");

    public DoctorContext {
        Objects.requireNonNull(stateRoot, "stateRoot");
        Objects.requireNonNull(cniConfDir, "cniConfDir");
        cniBinDirs = List.copyOf(cniBinDirs);
        ociRuntimes = List.copyOf(ociRuntimes);
    }

    public DoctorContext(Path stateRoot, Path cniConfDir, List<Path> cniBinDirs) {
        this(stateRoot, cniConfDir, cniBinDirs, DEFAULT_OCI_RUNTIMES);
    }
}
