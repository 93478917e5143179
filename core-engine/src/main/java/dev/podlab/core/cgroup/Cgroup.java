package dev.podlab.core.cgroup;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A cgroup that exists (or existed) on the host.
 *
 * @param relativePath path below the hierarchy roots, e.g. {@code podlab/abc123}; never starts with '/'
 * @param directories  absolute directory per hierarchy, in a stable order. V1: keyed by controller name
 *                     ("cpu", "memory", ...); co-mounted controllers share one directory. V2: one entry keyed
 *                     {@value #UNIFIED}. A hybrid V1 host also has a {@value #UNIFIED} entry for the cgroup2
 *                     hierarchy (as runc does), which gives cgroup.kill and cgroup.events to V1 hosts.
 */
public record Cgroup(String relativePath, Map<String, Path> directories) {

    /** Key of the cgroup2 directory in {@link #directories()}. */
    public static final String UNIFIED = "unified";

    public Cgroup {
        Objects.requireNonNull(relativePath, "relativePath");
        // Keep the caller's order (it is the order cgroup.procs files are written in) but make it immutable.
        directories = Collections.unmodifiableMap(new LinkedHashMap<>(directories));
    }

    /** The directory of this cgroup in the hierarchy that holds {@code controller}, if any. */
    public Optional<Path> directory(String controller) {
        return Optional.ofNullable(directories.get(controller));
    }
}
