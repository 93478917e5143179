package dev.podlab.core.image.registry;

import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.store.ImageStores;

import java.nio.file.Path;

/** The image store the registry tests pull into. */
final class TestStores {
    private TestStores() {}

    static ImageStore open(Path root) {
        return ImageStores.open(root);
    }
}
