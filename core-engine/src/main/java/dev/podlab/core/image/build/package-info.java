/**
 * Making images locally, without a registry or a Dockerfile engine.
 *
 * <ul>
 * <li>{@link dev.podlab.core.image.build.Layer} / {@link dev.podlab.core.image.build.LayerEntry}: a layer as a list
 *     of entries (files, directories, links, whiteouts, opaque directories, devices, fifos), immutable;
 *     {@link dev.podlab.core.image.build.FileContent} says where a file's bytes come from (memory, a host file,
 *     generated).</li>
 * <li>{@link dev.podlab.core.image.build.LayerTars}: the deterministic tar writer and compressors.</li>
 * <li>{@link dev.podlab.core.image.build.ImageBuilder}: layers + runtime config + history into blobs of a
 *     {@link dev.podlab.core.image.ContentStore}; returns a {@link dev.podlab.core.image.build.BuiltImage} to tag.
 *     Later features (commit, build) are meant to reuse it.</li>
 * <li>{@link dev.podlab.core.image.build.Busybox}: a root file system layer from the host's static busybox.</li>
 * <li>{@link dev.podlab.core.image.build.SampleImages} / {@link dev.podlab.core.image.build.SampleRecipe}: the
 *     sample images of {@code sample-pods/images/*.json}, built and kept up to date in an image store.</li>
 * </ul>
 */
package dev.podlab.core.image.build;
