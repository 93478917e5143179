package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.ListImagesRequest;
import dev.podlab.api.v1.PruneImagesRequest;
import dev.podlab.api.v1.RemoveImageRequest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.analysis.FileChange;
import dev.podlab.core.image.archive.ArchiveFormat;
import dev.podlab.core.image.archive.ImageExporter;
import dev.podlab.core.image.archive.ImageImporter;
import dev.podlab.core.image.archive.ImportListener;
import dev.podlab.core.image.analysis.ImageAnalysis;
import dev.podlab.core.image.analysis.LayerAnalysis;
import dev.podlab.core.state.ContainerStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code podlab image ...}: the stored images and their layers. */
@Command(name = "image", description = "Manage stored images: list, inspect, layers, remove, prune.",
        subcommands = {ImageCommand.Ls.class, ImageCommand.Inspect.class, ImageCommand.Layers.class,
                ImageCommand.Rm.class, ImageCommand.Prune.class, ImageCommand.Import.class, ImageCommand.Save.class})
final class ImageCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static void printList(List<Image> images) {
        var t = new Table("IMAGE", "TAG", "IMAGE ID", "SIZE", "CREATED");
        for (Image i : images) {
            ImageReference ref = ImageReference.parse(i.getNames(0));
            String name = ref.familiar();
            int colon = name.lastIndexOf(':');
            String repo = ref.tag() != null && colon > 0 ? name.substring(0, colon) : name;
            t.row(repo, ref.tag() == null ? "<none>" : ref.tag(), i.getId().substring(i.getId().indexOf(':') + 1, i.getId().indexOf(':') + 13),
                    Bytes.human(i.getSizeBytes()), i.getCreated() == 0 ? "" : Durations.sinceNanos(i.getCreated()) + " ago");
        }
        t.print(System.out, true);
    }

    @Command(name = "ls", aliases = "list", description = "List stored images.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        EngineOptions engine;

        @Override
        public Integer call() {
            printList(engine.client().images().list(ListImagesRequest.getDefaultInstance()).getImagesList());
            return 0;
        }
    }

    @Command(name = "inspect", description = "Print an image's manifest descriptor and config as JSON.")
    static final class Inspect implements Callable<Integer> {
        @Mixin
        EngineOptions engine;

        @Parameters(paramLabel = "IMAGE")
        String image;

        @Override
        public Integer call() throws Exception {
            System.out.println(ContainerStore.JSON.writeValueAsString(engine.images().require(image)));
            return 0;
        }
    }

    @Command(name = "layers", description = "Layer by layer: sizes, the command that made it, added/modified/removed "
            + "files, wasted space and efficiency (as dive computes them).")
    static final class Layers implements Callable<Integer> {
        @Mixin
        EngineOptions engine;

        @Option(names = "--files", paramLabel = "N", description = "Also list the file changes of layer N (1 = bottom).")
        Integer files;

        @Option(names = "--which", paramLabel = "PATH", description = "Say which layer provides PATH.")
        String which;

        @Parameters(paramLabel = "IMAGE")
        String image;

        @Override
        public Integer call() {
            ImageAnalysis a = engine.images().analyze(image);
            System.out.printf("%-3s %-12s %10s %10s %6s %5s %5s %5s  %s%n", "#", "DIGEST", "BLOB", "UNPACKED", "FILES",
                    "ADD", "MOD", "DEL", "CREATED BY");
            for (LayerAnalysis l : a.layers()) {
                System.out.printf("%-3d %-12s %10s %10s %6d %5d %5d %5d  %s%n", l.index() + 1, l.digest().shortHex(),
                        Bytes.human(l.compressedSize()), Bytes.human(l.unpackedSize()), l.fileCount(),
                        l.count(FileChange.Kind.ADDED), l.count(FileChange.Kind.MODIFIED),
                        l.count(FileChange.Kind.REMOVED), abbreviate(l.createdBy(), 60));
            }
            System.out.printf("total %s, wasted %s, efficiency %.1f%%%n", Bytes.human(a.totalSize()),
                    Bytes.human(a.wastedBytes()), a.efficiency() * 100);
            a.inefficiencies().stream().limit(5).forEach(i -> System.out.printf("  wasted: %s in %d layers (%s)%n",
                    i.path(), i.occurrences(), Bytes.human(i.cumulativeSize())));
            if (files != null) {
                if (files < 1 || files > a.layers().size()) {
                    throw new ImageException("failed to show layer " + files + ": the image has " + a.layers().size()
                            + " layers");
                }
                for (FileChange c : a.layers().get(files - 1).changes()) {
                    String mark = switch (c.kind()) {
                        case ADDED -> "+";
                        case MODIFIED -> "~";
                        case REMOVED -> "-";
                        default -> " ";
                    };
                    System.out.printf("%s %s%s%s%n", mark, c.path(), c.directory() ? "/" : "",
                            c.linkTarget() != null ? " -> " + c.linkTarget() : "");
                }
            }
            if (which != null) {
                System.out.println(which + ": " + a.providerOf(which)
                        .map(l -> "layer " + (l.index() + 1) + " (" + l.digest().shortHex() + ") " + l.createdBy())
                        .orElse("not in the image"));
            }
            return 0;
        }

        private static String abbreviate(String s, int n) {
            return s.length() <= n ? s : s.substring(0, n - 3) + "...";
        }
    }

    @Command(name = "import", description = "Import an OCI layout directory, an oci-archive or a docker-archive "
            + "(docker save / podman save); the format is found from the content.")
    static final class Import implements Callable<Integer> {
        @Mixin
        EngineOptions engine;

        @Option(names = "--name", paramLabel = "REF", description = "Name for the (single) image in the archive.")
        String name;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() {
            var records = ImageImporter.importFrom(file, engine.images().store(),
                    Optional.ofNullable(name).map(ImageReference::parse), ImportListener.NONE);
            records.forEach(r -> System.out.println("imported " + r.reference().familiar() + " " + r.id().shortHex()));
            return 0;
        }
    }

    @Command(name = "save", description = "Write images to an archive: docker-archive (default), oci-archive or oci-dir.")
    static final class Save implements Callable<Integer> {
        @Mixin
        EngineOptions engine;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE")
        Path output;

        @Option(names = "--format", defaultValue = "docker-archive",
                description = "docker-archive, oci-archive or oci-dir (default ${DEFAULT-VALUE}).")
        String format;

        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> images;

        @Override
        public Integer call() {
            var result = ImageExporter.save(engine.images().store(), images, output, ArchiveFormat.parse(format));
            System.out.println("saved " + result.images().size() + " image(s), " + result.blobs() + " blobs, "
                    + Bytes.human(result.bytes()) + " to " + result.target() + " (" + format + ")");
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove image names (blobs go with prune).")
    static final class Rm implements Callable<Integer> {
        @Mixin
        EngineOptions engine;

        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> images;

        @Override
        public Integer call() {
            for (String i : images) {
                engine.client().images().remove(RemoveImageRequest.newBuilder().setReference(i).build())
                        .getRemovedList().forEach(r -> System.out.println("untagged " + r));
            }
            return 0;
        }
    }

    @Command(name = "prune", description = "Delete blobs and unpacked layers that no image or container uses.")
    static final class Prune implements Callable<Integer> {
        @Mixin
        EngineOptions engine;

        @Override
        public Integer call() {
            System.out.println(engine.client().images().prune(PruneImagesRequest.getDefaultInstance()).getSummary());
            return 0;
        }
    }
}
