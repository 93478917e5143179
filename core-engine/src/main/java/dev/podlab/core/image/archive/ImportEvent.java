package dev.podlab.core.image.archive;

import dev.podlab.core.image.Digest;
import dev.podlab.core.image.ImageRecord;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What an import did, step by step, for {@code podlab image import}'s progress and the trace. */
public sealed interface ImportEvent {

    /** The source was recognised. */
    record FormatDetected(Path source, ArchiveFormat format, String description) implements ImportEvent {}

    /** Bytes of a blob copied into the store so far (at most every 1 MiB and at the end). */
    record BlobProgress(String member, long bytes, long total) implements ImportEvent {}

    /** A blob (layer, config, manifest) is in the store and verified; {@code alreadyPresent}: nothing copied. */
    record BlobStored(String member, Digest digest, long size, boolean alreadyPresent) implements ImportEvent {}

    /** Something in the archive was left out on purpose (a platform whose manifest the archive lacks). */
    record Skipped(String what, String reason) implements ImportEvent {}

    /** A name now points at an imported image. */
    record Tagged(ImageRecord image) implements ImportEvent {}

    /** The import is complete. */
    record Finished(List<ImageRecord> images, long bytesCopied, Duration took) implements ImportEvent {}
}
