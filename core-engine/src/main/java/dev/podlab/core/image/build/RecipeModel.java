package dev.podlab.core.image.build;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * The JSON shape of a sample image recipe (wire format only; {@link SampleRecipe} turns it into an
 * {@link ImageBuilder}). Unknown fields are errors, so a typo does not silently build a different image. The
 * format is described in {@code sample-pods/images/README.md}.
 */
final class RecipeModel {
    private RecipeModel() {}

    @JsonIgnoreProperties(ignoreUnknown = false)
    record Recipe(String description, String compression, Config config, List<Step> steps) {}

    record Config(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user,
                  Map<String, String> labels, List<String> exposedPorts, List<String> volumes, String stopSignal,
                  String author) {}

    /** A build step: with a layer it makes one; without, it is an empty_layer history entry (ENV, CMD ...). */
    record Step(String createdBy, String comment, LayerSpec layer) {}

    /** A layer: optionally the busybox base first, then the listed entries; its own compression if given. */
    record LayerSpec(BusyboxSpec busybox, List<Entry> entries, String compression) {}

    record BusyboxSpec(List<AccountSpec> accounts) {}

    record AccountSpec(String name, Long uid, Long gid, String home, String shell) {}

    /**
     * One entry. type: dir, file, symlink, hardlink, whiteout, opaque, fifo, chardev, blockdev. A file has exactly
     * one of text, generate, hostFile. mode is an octal string ("0755").
     */
    record Entry(String type, String path, String mode, Long uid, Long gid, String text, Generate generate,
                 String hostFile, String target, Integer major, Integer minor) {}

    record Generate(Long seed, Long size) {}
}
