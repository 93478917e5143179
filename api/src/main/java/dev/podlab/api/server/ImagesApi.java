package dev.podlab.api.server;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.FileChangeEntry;
import dev.podlab.api.v1.ImageLayersRequest;
import dev.podlab.api.v1.ImageLayersResponse;
import dev.podlab.api.v1.ImagesGrpc;
import dev.podlab.api.v1.ImportImageRequest;
import dev.podlab.api.v1.ImportImageResponse;
import dev.podlab.api.v1.InspectImageRequest;
import dev.podlab.api.v1.InspectImageResponse;
import dev.podlab.api.v1.SaveImagesRequest;
import dev.podlab.api.v1.SaveImagesResponse;
import dev.podlab.api.v1.Layer;
import dev.podlab.api.v1.WastedPath;
import dev.podlab.api.v1.ListImagesRequest;
import dev.podlab.api.v1.ListImagesResponse;
import dev.podlab.api.v1.PruneImagesRequest;
import dev.podlab.api.v1.PruneImagesResponse;
import dev.podlab.api.v1.PullImageRequest;
import dev.podlab.api.v1.PullProgress;
import dev.podlab.api.v1.RemoveImageRequest;
import dev.podlab.api.v1.RemoveImageResponse;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageService;
import dev.podlab.core.image.archive.ArchiveFormat;
import dev.podlab.core.image.archive.ImageExporter;
import dev.podlab.core.image.archive.ImageImporter;
import dev.podlab.core.image.archive.ImportListener;
import dev.podlab.core.state.ContainerStore;
import dev.podlab.core.image.analysis.FileChange;
import dev.podlab.core.image.analysis.ImageAnalysis;
import dev.podlab.core.image.analysis.LayerAnalysis;
import dev.podlab.core.image.registry.PullEvent;
import dev.podlab.core.image.registry.RegistryConfig;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/** Image list, pull with progress, remove and prune, done by the service that owns the store. */
final class ImagesApi extends ImagesGrpc.ImagesImplBase {
    private final EngineService service;
    private final ImageService images;

    ImagesApi(EngineService service) {
        this.service = service;
        this.images = service.images();
    }

    @Override
    public void list(ListImagesRequest req, StreamObserver<ListImagesResponse> out) {
        Errors.unary(out, () -> {
            var b = ListImagesResponse.newBuilder();
            images.store().list().forEach(r -> b.addImages(Wire.image(r)));
            return b.build();
        });
    }

    @Override
    public void pull(PullImageRequest req, StreamObserver<PullProgress> plain) {
        var out = (ServerCallStreamObserver<PullProgress>) plain;
        try {
            RegistryConfig.Builder settings = images.registries().toBuilder();
            for (String m : req.getMirrorsList()) {
                int eq = m.indexOf('=');
                if (eq <= 0 || eq == m.length() - 1) {
                    throw new ImageException("failed to parse mirror \"" + m + "\": expected REGISTRY=URL");
                }
                settings.mirror(m.substring(0, eq), m.substring(eq + 1));
            }
            req.getInsecureList().forEach(settings::insecure);
            ImageRecord r = images.pull(req.getReference(), settings.build(), e -> {
                PullProgress p = progress(e);
                if (p != null) {
                    synchronized (out) {
                        if (!out.isCancelled()) {
                            out.onNext(p);
                        }
                    }
                }
            });
            service.publish("image.pulled", "image", r.id().toString(), r.reference().toString(),
                    r.layers().size() + " layers");
            synchronized (out) {
                out.onNext(PullProgress.newBuilder().setPhase("stored").setImage(Wire.image(r))
                        .setMessage(r.reference() + " " + r.id()).build());
                out.onCompleted();
            }
        } catch (RuntimeException e) {
            synchronized (out) {
                out.onError(Errors.toStatus(e));
            }
        }
    }

    /** One progress message per pull event worth showing; null for the rest. Called from download threads. */
    static PullProgress progress(PullEvent e) {
        var b = PullProgress.newBuilder();
        switch (e) {
            case PullEvent.Resolved r -> b.setPhase("resolving").setMessage("resolved " + r.reference() + " -> "
                    + r.target().digest() + " (" + r.target().mediaType() + ") from " + r.endpoint().base());
            case PullEvent.PlatformSelected p -> b.setPhase("resolving").setMessage("platform " + p.platform()
                    + ": manifest " + p.manifest().digest());
            case PullEvent.LayerStarted s -> b.setPhase("downloading").setLayer(s.layer().digest())
                    .setTotalBytes(s.layer().size()).setMessage(String.format("layer %d/%d %s  %s  downloading",
                            s.index() + 1, s.count(), s.layer().digest().substring(7, 19), Bytes.human(s.layer().size())));
            case PullEvent.LayerProgress p -> b.setPhase("downloading").setLayer(p.digest().toString())
                    .setDoneBytes(p.bytes()).setTotalBytes(p.total());
            case PullEvent.LayerPresent s -> b.setPhase("exists").setLayer(s.digest().toString())
                    .setDoneBytes(s.size()).setTotalBytes(s.size()).setMessage(String.format(
                            "layer %d %s  %s  already present", s.index() + 1, s.digest().shortHex(), Bytes.human(s.size())));
            case PullEvent.LayerDone d -> b.setPhase("verified").setLayer(d.digest().toString())
                    .setDoneBytes(d.size()).setTotalBytes(d.size()).setMessage(String.format(
                            "layer %d %s  %s  done in %d ms (digest verified)", d.index() + 1, d.digest().shortHex(),
                            Bytes.human(d.size()), d.took().toMillis()));
            case PullEvent.EndpointFailed f -> b.setPhase("resolving").setMessage("endpoint " + f.url() + " failed: "
                    + f.reason() + " (trying the next)");
            case PullEvent.EndpointUsed u when u.endpoint().mirror() && u.what().startsWith("manifest") ->
                    b.setPhase("resolving").setMessage("mirror " + u.endpoint().base() + " serves " + u.what());
            case PullEvent.Finished f -> b.setPhase("unpacked").setMessage(String.format(
                    "pulled %s: %s downloaded in %d ms", f.image().reference(), Bytes.human(f.downloaded()),
                    f.took().toMillis()));
            default -> {
                return null;
            }
        }
        return b.build();
    }

    @Override
    public void remove(RemoveImageRequest req, StreamObserver<RemoveImageResponse> out) {
        Errors.unary(out, () -> {
            ImageRecord r = images.require(req.getReference());
            images.store().untag(r.reference());
            service.publish("image.removed", "image", r.id().toString(), r.reference().toString(), "untagged");
            return RemoveImageResponse.newBuilder().addRemoved(r.reference().toString()).build();
        });
    }

    @Override
    public void prune(PruneImagesRequest req, StreamObserver<PruneImagesResponse> out) {
        Errors.unary(out, () -> {
            Set<Path> inUse = new HashSet<>();
            service.engine().list().forEach(c -> inUse.addAll(c.config().layers()));
            String summary = images.prune(inUse);
            service.publish("image.pruned", "image", "", "", summary);
            return PruneImagesResponse.newBuilder().setSummary(summary).build();
        });
    }

    @Override
    public void layers(ImageLayersRequest req, StreamObserver<ImageLayersResponse> out) {
        Errors.unary(out, () -> {
            ImageRecord image = images.require(req.getReference());
            ImageAnalysis a = images.analyze(req.getReference());
            var b = ImageLayersResponse.newBuilder().setImage(Wire.image(image)).setTotalSize(a.totalSize())
                    .setWastedBytes(a.wastedBytes()).setEfficiency(a.efficiency());
            for (LayerAnalysis l : a.layers()) {
                var layer = Layer.newBuilder().setIndex(l.index()).setDigest(l.digest().toString())
                        .setDiffId(l.diffId().toString()).setCompressedSize(l.compressedSize())
                        .setUnpackedSize(l.unpackedSize()).setCreatedBy(Wire.nz(l.createdBy()))
                        .setFileCount(l.fileCount()).setAdded(l.count(FileChange.Kind.ADDED))
                        .setModified(l.count(FileChange.Kind.MODIFIED)).setRemoved(l.count(FileChange.Kind.REMOVED));
                if (req.getFiles()) {
                    for (FileChange c : l.changes()) {
                        layer.addChanges(FileChangeEntry.newBuilder().setPath(c.path())
                                .setKind(c.kind().name().toLowerCase()).setSize(c.size()).setDirectory(c.directory())
                                .setLinkTarget(Wire.nz(c.linkTarget())));
                    }
                }
                b.addLayers(layer);
            }
            a.inefficiencies().forEach(w -> b.addWasted(WastedPath.newBuilder().setPath(w.path())
                    .setOccurrences(w.occurrences()).setCumulativeSize(w.cumulativeSize())));
            if (!req.getWhich().isEmpty()) {
                b.setWhich(a.providerOf(req.getWhich()).map(l -> "layer " + (l.index() + 1) + " ("
                        + l.digest().shortHex() + ") " + l.createdBy()).orElse("not in the image"));
            }
            return b.build();
        });
    }

    @Override
    public void inspect(InspectImageRequest req, StreamObserver<InspectImageResponse> out) {
        Errors.unary(out, () -> {
            ImageRecord r = images.require(req.getReference());
            try {
                return InspectImageResponse.newBuilder().setImage(Wire.image(r))
                        .setRecordJson(ContainerStore.JSON.writeValueAsString(r)).build();
            } catch (java.io.IOException e) {
                throw new ImageException("failed to encode image " + r.reference() + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    public void importArchive(ImportImageRequest req, StreamObserver<ImportImageResponse> out) {
        Errors.unary(out, () -> {
            Path path = absolute(req.getPath(), "import image");
            var b = ImportImageResponse.newBuilder();
            for (ImageRecord r : ImageImporter.importFrom(path, images.store(), req.getName().isEmpty()
                    ? Optional.empty() : Optional.of(ImageReference.parse(req.getName())), ImportListener.NONE)) {
                b.addImages(Wire.image(r));
                service.publish("image.imported", "image", r.id().toString(), r.reference().toString(), path.toString());
            }
            return b.build();
        });
    }

    @Override
    public void save(SaveImagesRequest req, StreamObserver<SaveImagesResponse> out) {
        Errors.unary(out, () -> {
            Path path = absolute(req.getOutput(), "save images");
            var r = ImageExporter.save(images.store(), req.getReferencesList(), path,
                    ArchiveFormat.parse(req.getFormat().isEmpty() ? "docker-archive" : req.getFormat()));
            return SaveImagesResponse.newBuilder().setImages(r.images().size()).setBlobs(r.blobs()).setBytes(r.bytes())
                    .setTarget(r.target().toString()).build();
        });
    }

    private static Path absolute(String p, String action) {
        if (p.isEmpty() || !Path.of(p).isAbsolute()) {
            throw new ImageException("failed to " + action + ": \"" + p + "\" is not an absolute path on the engine's host");
        }
        return Path.of(p);
    }
}
