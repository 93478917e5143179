package dev.podlab.core.image.archive;

import dev.podlab.core.image.ImageRecord;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link ImageExporter#save} wrote.
 *
 * @param target the archive file or layout directory
 * @param images the images saved, in the order asked for
 * @param blobs  how many blobs (or layer tars and configs, for a docker-archive) it holds
 * @param bytes  the archive's size (for a directory: the sum of its files)
 */
public record ExportResult(Path target, ArchiveFormat format, List<ImageRecord> images, int blobs, long bytes) {}
