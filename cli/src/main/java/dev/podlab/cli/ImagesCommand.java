package dev.podlab.cli;

import dev.podlab.api.v1.ListImagesRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "images", description = "List stored images (same as podlab image ls).")
final class ImagesCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        ImageCommand.printList(engine.client().images().list(ListImagesRequest.getDefaultInstance()).getImagesList());
        return 0;
    }
}
