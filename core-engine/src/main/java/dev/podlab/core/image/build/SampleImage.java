package dev.podlab.core.image.build;

import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;

/**
 * A sample image after {@link SampleImages#ensure}.
 *
 * @param name      the recipe name ("busybox")
 * @param reference where it is stored ({@code localhost/podlab/busybox:latest})
 * @param image     the stored image
 * @param built     true when this call built it (missing or out of date), false when it was up to date
 */
public record SampleImage(String name, ImageReference reference, ImageRecord image, boolean built) {}
