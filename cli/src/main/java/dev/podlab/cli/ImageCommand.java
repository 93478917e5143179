package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.FileChangeEntry;
import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.ImageLayersRequest;
import dev.podlab.api.v1.ImageLayersResponse;
import dev.podlab.api.v1.ImportImageRequest;
import dev.podlab.api.v1.InspectImageRequest;
import dev.podlab.api.v1.Layer;
import dev.podlab.api.v1.SaveImagesRequest;
import dev.podlab.api.v1.ListImagesRequest;
import dev.podlab.api.v1.PruneImagesRequest;
import dev.podlab.api.v1.RemoveImageRequest;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.archive.ArchiveFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
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
            System.out.println(engine.client().images().inspect(InspectImageRequest.newBuilder().setReference(image)
                    .build()).getRecordJson());
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
            ImageLayersResponse a = engine.client().images().layers(ImageLayersRequest.newBuilder().setReference(image)
                    .setFiles(files != null).setWhich(which == null ? "" : which).build());
            var t = new Table("#", "DIGEST", "BLOB", "UNPACKED", "FILES", "ADD", "MOD", "DEL", "CREATED BY");
            for (Layer l : a.getLayersList()) {
                t.row(l.getIndex() + 1, l.getDigest().substring(l.getDigest().indexOf(':') + 1).substring(0, 12),
                        Bytes.human(l.getCompressedSize()), Bytes.human(l.getUnpackedSize()), l.getFileCount(),
                        l.getAdded(), l.getModified(), l.getRemoved(), abbreviate(l.getCreatedBy(), 60));
            }
            t.print(System.out, true);
            System.out.printf("total %s, wasted %s, efficiency %.1f%%%n", Bytes.human(a.getTotalSize()),
                    Bytes.human(a.getWastedBytes()), a.getEfficiency() * 100);
            a.getWastedList().stream().limit(5).forEach(i -> System.out.printf("  wasted: %s in %d layers (%s)%n",
                    i.getPath(), i.getOccurrences(), Bytes.human(i.getCumulativeSize())));
            if (files != null) {
                if (files < 1 || files > a.getLayersCount()) {
                    throw new ImageException("failed to show layer " + files + ": the image has " + a.getLayersCount()
                            + " layers");
                }
                for (FileChangeEntry c : a.getLayers(files - 1).getChangesList()) {
                    String mark = switch (c.getKind()) {
                        case "added" -> "+";
                        case "modified" -> "~";
                        case "removed" -> "-";
                        default -> " ";
                    };
                    System.out.printf("%s %s%s%s%n", mark, c.getPath(), c.getDirectory() ? "/" : "",
                            c.getLinkTarget().isEmpty() ? "" : " -> " + c.getLinkTarget());
                }
            }
            if (which != null) {
                System.out.println(which + ": " + a.getWhich());
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
            var req = ImportImageRequest.newBuilder().setPath(file.toAbsolutePath().normalize().toString());
            if (name != null) {
                req.setName(name);
            }
            for (Image i : engine.client().images().importArchive(req.build()).getImagesList()) {
                System.out.println("imported " + ImageReference.parse(i.getNames(0)).familiar() + " "
                        + i.getId().substring(i.getId().indexOf(':') + 1, i.getId().indexOf(':') + 13));
            }
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
            ArchiveFormat.parse(format); // a bad format fails here, before the engine is asked
            var result = engine.client().images().save(SaveImagesRequest.newBuilder().addAllReferences(images)
                    .setOutput(output.toAbsolutePath().normalize().toString()).setFormat(format).build());
            System.out.println("saved " + result.getImages() + " image(s), " + result.getBlobs() + " blobs, "
                    + Bytes.human(result.getBytes()) + " to " + result.getTarget() + " (" + format + ")");
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
