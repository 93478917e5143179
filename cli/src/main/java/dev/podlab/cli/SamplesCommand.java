package dev.podlab.cli;

import dev.podlab.core.image.build.SampleImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "samples", description = "Build the sample images from sample-pods/images (no network) into the store.")
final class SamplesCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        SampleImages.ensure(engine.images().store(), SampleImages.recipesDir()).forEach(s ->
                System.out.println(s.reference().familiar() + "  " + s.image().id().shortHex() + "  "
                        + (s.built() ? "built" : "up to date")));
        return 0;
    }
}
