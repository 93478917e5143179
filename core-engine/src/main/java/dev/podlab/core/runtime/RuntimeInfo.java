package dev.podlab.core.runtime;

import java.nio.file.Path;

/**
 * What a runtime is: its name (the runtime class), its handler kind ({@code builtin}, {@code runc},
 * {@code crun}, {@code youki}, {@code oci}, {@code kvm}), the binary it drives (the shim for the built-in one,
 * QEMU for kvm)
 * and that binary's version line.
 */
public record RuntimeInfo(String name, String handler, Path binary, String version) {}
