/**
 * Image archives: {@link dev.podlab.core.image.archive.ImageImporter} reads OCI layouts, oci-archives (plain, gzip
 * or zstd) and docker-archives into an image store; {@link dev.podlab.core.image.archive.ImageExporter} writes
 * oci-archives, OCI layout directories and docker-archives. Package-private parts: {@code ArchiveSource} (members of
 * a tar or directory, name checks, passes), {@code OciLayoutReader} and {@code DockerArchiveReader} (one per
 * format), {@code ImportContext} (store access and naming shared by both).
 */
package dev.podlab.core.image.archive;
