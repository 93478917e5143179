package dev.podlab.core.image.archive;

import dev.podlab.core.image.ImageException;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The image archive formats podlab reads ({@link ImageImporter}) and writes ({@link ImageExporter}). */
public enum ArchiveFormat {
    /** A tar of an OCI image layout ({@code oci-layout}, {@code index.json}, {@code blobs/}); may be gzip/zstd compressed. */
    OCI_ARCHIVE("oci-archive"),
    /** What {@code docker save} / {@code podman save} write: {@code manifest.json}, config JSON, layer tars. */
    DOCKER_ARCHIVE("docker-archive"),
    /** An OCI image layout as a directory (what {@code skopeo copy ... oci:DIR} writes). */
    OCI_LAYOUT_DIR("oci-dir");

    private final String cliName;

    ArchiveFormat(String cliName) {
        this.cliName = cliName;
    }

    /** "oci-archive", "docker-archive", "oci-dir": the names the CLI's {@code --format} accepts. */
    public String cliName() {
        return cliName;
    }

    /** Parses a {@link #cliName()} (also "oci" for the layout directory). */
    public static ArchiveFormat parse(String text) {
        for (ArchiveFormat f : values()) {
            if (f.cliName.equals(text)) {
                return f;
            }
        }
        if ("oci".equals(text) || "oci-layout".equals(text)) {
            return OCI_LAYOUT_DIR;
        }
        throw new ImageException("failed to parse archive format \"" + text + "\": expected one of "
                + Arrays.stream(values()).map(ArchiveFormat::cliName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
