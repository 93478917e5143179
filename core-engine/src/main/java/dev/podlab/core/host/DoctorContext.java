package dev.podlab.core.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link HostDoctor} needs from the engine configuration, without opening the engine.
 *
 * @param stateRoot   the engine's state root (disk space, writability for podlab-shim, the cached KVM verdict)
 * @param cniConfDir  where CNI network configurations are read from
 * @param cniBinDirs  where CNI plugins are looked up, in order
 * @param ociRuntimes OCI runtime binaries to look for (runc, crun, youki, plus configured handlers)
 * @param guest       where the VM runtime finds its guest kernel and modules
 */
public record DoctorContext(Path stateRoot, Path cniConfDir, List<Path> cniBinDirs, List<String> ociRuntimes,
                            Guest guest) {

    public static final List<String> DEFAULT_OCI_RUNTIMES = List.of("runc", "crun", "youki");

    /**
     * The guest kernel's whereabouts, as the kvm runtime looks for it.
     *
     * @param bootDir    where {@code vmlinuz-RELEASE} images are (/boot)
     * @param modulesDir where {@code RELEASE/modules.dep} and the modules are (/lib/modules)
     * @param kernel     a kernel image set by a kvm runtime class's {@code kernel} option; null: the newest in bootDir
     */
    public record Guest(Path bootDir, Path modulesDir, Path kernel) {
        public static final Guest DEFAULT = new Guest(Path.of("/boot"), Path.of("/lib/modules"), null);

        public Guest {
            Objects.requireNonNull(bootDir, "bootDir");
            Objects.requireNonNull(modulesDir, "modulesDir");
        }
    }

    public DoctorContext {
        Objects.requireNonNull(stateRoot, "stateRoot");
        Objects.requireNonNull(cniConfDir, "cniConfDir");
        cniBinDirs = List.copyOf(cniBinDirs);
        ociRuntimes = List.copyOf(ociRuntimes);
        Objects.requireNonNull(guest, "guest");
    }

    public DoctorContext(Path stateRoot, Path cniConfDir, List<Path> cniBinDirs) {
        this(stateRoot, cniConfDir, cniBinDirs, DEFAULT_OCI_RUNTIMES, Guest.DEFAULT);
    }
}
