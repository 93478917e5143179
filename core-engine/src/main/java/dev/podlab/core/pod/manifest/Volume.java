package dev.podlab.core.pod.manifest;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A pod volume: a name the containers mount and where its content comes from.
 */
public record Volume(String name, Source source) {
    /** The kinds of volume podlab can provide on one machine. */
    public sealed interface Source permits EmptyDir, HostPath, ConfigMapVolume, SecretVolume, DownwardApi, Projected {}

    /** emptyDir medium. */
    public enum Medium {
        /** A directory on the host's disk under the pod's directory. */
        DISK,
        /** {@code Memory}: a tmpfs, counted against the container's memory. */
        MEMORY
    }

    /**
     * A fresh directory shared by the pod's containers, deleted with the pod.
     *
     * @param sizeLimit empty when unlimited
     */
    public record EmptyDir(Medium medium, Optional<Quantity> sizeLimit) implements Source {}

    /** hostPath types, checked before the pod starts. */
    public enum HostPathType {
        /** {@code ""}: no check. */
        UNSET(""),
        DIRECTORY_OR_CREATE("DirectoryOrCreate"),
        DIRECTORY("Directory"),
        FILE_OR_CREATE("FileOrCreate"),
        FILE("File"),
        SOCKET("Socket"),
        CHAR_DEVICE("CharDevice"),
        BLOCK_DEVICE("BlockDevice");

        private final String spelling;

        HostPathType(String spelling) {
            this.spelling = spelling;
        }

        /** As written in a manifest. */
        public String spelling() {
            return spelling;
        }
    }

    /** A host file or directory bind-mounted in. */
    public record HostPath(String path, HostPathType type) implements Source {}

    /**
     * One {@code items} entry: project {@code key} to {@code path} (relative) with an optional mode.
     */
    public record KeyToPath(String key, String path, OptionalInt mode) {}

    /**
     * A ConfigMap's keys as files.
     *
     * @param items       empty: every key, as a file named after it
     * @param defaultMode default 0644
     */
    public record ConfigMapVolume(String name, List<KeyToPath> items, int defaultMode, boolean optional)
            implements Source {
        public ConfigMapVolume {
            items = List.copyOf(items);
        }
    }

    /** A Secret's keys as files; like {@link ConfigMapVolume}. */
    public record SecretVolume(String secretName, List<KeyToPath> items, int defaultMode, boolean optional)
            implements Source {
        public SecretVolume {
            items = List.copyOf(items);
        }
    }

    /**
     * One downward API file: {@code source} is an {@link EnvSource.FieldRef} or an
     * {@link EnvSource.ResourceFieldRef}, filled by the controller at run time.
     */
    public record DownwardApiItem(String path, EnvSource source, OptionalInt mode) {}

    /** Pod fields and container resources as files. */
    public record DownwardApi(List<DownwardApiItem> items, int defaultMode) implements Source {
        public DownwardApi {
            items = List.copyOf(items);
        }
    }

    /** One source of a projected volume. */
    public sealed interface Projection permits ConfigMapProjection, SecretProjection, DownwardApiProjection {}

    public record ConfigMapProjection(String name, List<KeyToPath> items, boolean optional) implements Projection {
        public ConfigMapProjection {
            items = List.copyOf(items);
        }
    }

    public record SecretProjection(String name, List<KeyToPath> items, boolean optional) implements Projection {
        public SecretProjection {
            items = List.copyOf(items);
        }
    }

    public record DownwardApiProjection(List<DownwardApiItem> items) implements Projection {
        public DownwardApiProjection {
            items = List.copyOf(items);
        }
    }

    /** Several sources merged into one directory. */
    public record Projected(List<Projection> sources, int defaultMode) implements Source {
        public Projected {
            sources = List.copyOf(sources);
        }
    }

    /** 0644, the default file mode of configMap, secret, downwardAPI and projected volumes. */
    public static final int DEFAULT_MODE = 0644;
}
