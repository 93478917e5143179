package dev.podlab.cri;

import dev.podlab.core.PodlabException;
import dev.podlab.core.events.TraceEvent;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.oci.Platform;
import dev.podlab.core.image.registry.Credential;
import dev.podlab.core.image.registry.Credentials;
import dev.podlab.core.image.registry.PullListener;
import dev.podlab.core.image.registry.RegistryClient;
import dev.podlab.core.image.store.OciLayoutImageStore;
import dev.podlab.cri.v1.AuthConfig;
import dev.podlab.cri.v1.FilesystemIdentifier;
import dev.podlab.cri.v1.FilesystemUsage;
import dev.podlab.cri.v1.Image;
import dev.podlab.cri.v1.ImageFsInfoRequest;
import dev.podlab.cri.v1.ImageFsInfoResponse;
import dev.podlab.cri.v1.ImageServiceGrpc;
import dev.podlab.cri.v1.ImageSpec;
import dev.podlab.cri.v1.ImageStatusRequest;
import dev.podlab.cri.v1.ImageStatusResponse;
import dev.podlab.cri.v1.Int64Value;
import dev.podlab.cri.v1.ListImagesRequest;
import dev.podlab.cri.v1.ListImagesResponse;
import dev.podlab.cri.v1.PullImageRequest;
import dev.podlab.cri.v1.PullImageResponse;
import dev.podlab.cri.v1.RemoveImageRequest;
import dev.podlab.cri.v1.RemoveImageResponse;
import dev.podlab.cri.v1.UInt64Value;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** runtime.v1 ImageService over podlab's image store: ListImages, ImageStatus, PullImage, RemoveImage, ImageFsInfo. */
final class CriImageService extends ImageServiceGrpc.ImageServiceImplBase {
    private final CriContext cx;

    CriImageService(CriContext cx) {
        this.cx = cx;
    }

    @Override
    public void listImages(ListImagesRequest req, StreamObserver<ListImagesResponse> out) {
        CriErrors.unary(out, () -> {
            String want = req.getFilter().getImage().getImage();
            Optional<ImageRecord> only = want.isEmpty() ? Optional.empty() : cx.images.store().find(want);
            if (!want.isEmpty() && only.isEmpty()) {
                return ListImagesResponse.getDefaultInstance();
            }
            Map<String, Image.Builder> byId = new LinkedHashMap<>();
            for (ImageRecord r : cx.images.store().list()) {
                if (only.isPresent() && !only.get().id().equals(r.id())) {
                    continue;
                }
                byId.computeIfAbsent(r.id().toString(), k -> image(r)).addRepoTags(r.reference().toString());
            }
            var b = ListImagesResponse.newBuilder();
            byId.values().forEach(b::addImages);
            return b.build();
        });
    }

    /** An absent image is an empty answer, not an error. */
    @Override
    public void imageStatus(ImageStatusRequest req, StreamObserver<ImageStatusResponse> out) {
        CriErrors.unary(out, () -> {
            String want = req.getImage().getImage();
            if (want.isEmpty()) {
                throw new CriArgumentException("failed to look up image: image.image is empty");
            }
            Optional<ImageRecord> r = cx.images.store().find(want);
            if (r.isEmpty()) {
                return ImageStatusResponse.getDefaultInstance();
            }
            Image.Builder img = image(r.get());
            for (ImageRecord same : cx.images.store().list()) {
                if (same.id().equals(r.get().id())) {
                    img.addRepoTags(same.reference().toString());
                }
            }
            var b = ImageStatusResponse.newBuilder().setImage(img);
            if (req.getVerbose()) {
                b.putInfo("info", "{\"layers\":" + r.get().layers().size() + "}");
            }
            return b.build();
        });
    }

    private static Image.Builder image(ImageRecord r) {
        var b = Image.newBuilder().setId(r.id().toString()).setSize(Math.max(1, r.size()))
                .setSpec(ImageSpec.newBuilder().setImage(r.id().toString()));
        if (r.manifest() != null && r.manifest().digest() != null) {
            b.addRepoDigests(r.reference().name() + "@" + r.manifest().digest());
        }
        String user = r.config().config() == null ? null : r.config().config().user();
        if (user != null && !user.isEmpty()) {
            String u = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
            if (u.chars().allMatch(Character::isDigit)) {
                b.setUid(Int64Value.newBuilder().setValue(Long.parseLong(u)));
            } else {
                b.setUsername(u);
            }
        } else {
            b.setUid(Int64Value.newBuilder().setValue(0));
        }
        return b;
    }

    @Override
    public void pullImage(PullImageRequest req, StreamObserver<PullImageResponse> out) {
        CriErrors.unary(out, () -> {
            String want = req.getImage().getImage();
            if (want.isEmpty()) {
                throw new CriArgumentException("failed to pull image: image.image is empty");
            }
            ImageReference ref;
            try {
                ref = ImageReference.parse(want);
            } catch (ImageException e) {
                throw new CriArgumentException(e.getMessage());
            }
            Credentials creds = credentials(ref, req.getAuth());
            ImageRecord r;
            long t0 = TraceEvent.Clock.nowNanos();
            try (RegistryClient client = new RegistryClient(cx.images.registries(), creds)) {
                r = client.pull(ref, Platform.host(), cx.images.store(), PullListener.NONE);
            }
            cx.publish("cri.image.pulled", "image", r.id().toString(), r.reference().toString(),
                    "PullImage in " + (TraceEvent.Clock.nowNanos() - t0) / 1_000_000 + " ms", null);
            return PullImageResponse.newBuilder().setImageRef(r.id().toString()).build();
        });
    }

    /** The request's credentials for the image's registry, else the engine's stored ones. */
    private Credentials credentials(ImageReference ref, AuthConfig auth) {
        Credential given = null;
        if (!auth.getUsername().isEmpty() || !auth.getPassword().isEmpty()) {
            given = new Credential(auth.getUsername(), auth.getPassword(), null);
        } else if (!auth.getAuth().isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.getAuth()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new CriArgumentException("failed to read auth for " + ref + ": auth is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new CriArgumentException("failed to read auth for " + ref + ": auth is not user:password");
            }
            given = new Credential(decoded.substring(0, colon), decoded.substring(colon + 1), null);
        } else if (!auth.getIdentityToken().isEmpty()) {
            given = new Credential("", "", auth.getIdentityToken());
        }
        if (given == null) {
            return cx.images.credentials();
        }
        Credential c = given;
        var stored = cx.images.credentials();
        return registry -> registry.equals(ref.registry()) ? Optional.of(c) : stored.find(registry);
    }

    /** Untags every name of the image; an absent image is not an error. */
    @Override
    public void removeImage(RemoveImageRequest req, StreamObserver<RemoveImageResponse> out) {
        CriErrors.unary(out, () -> {
            String want = req.getImage().getImage();
            if (want.isEmpty()) {
                throw new CriArgumentException("failed to remove image: image.image is empty");
            }
            Optional<ImageRecord> r = cx.images.store().find(want);
            if (r.isEmpty()) {
                return RemoveImageResponse.getDefaultInstance();
            }
            OciLayoutImageStore store = cx.images.store();
            for (ImageRecord same : store.list()) {
                if (same.id().equals(r.get().id())) {
                    store.untag(same.reference());
                }
            }
            cx.publish("cri.image.removed", "image", r.get().id().toString(), r.get().reference().toString(),
                    "RemoveImage", null);
            return RemoveImageResponse.getDefaultInstance();
        });
    }

    /** Bytes and inodes used by the image store (blobs) and unpacked layers, on the state root's filesystem. */
    @Override
    public void imageFsInfo(ImageFsInfoRequest req, StreamObserver<ImageFsInfoResponse> out) {
        CriErrors.unary(out, () -> {
            long[] usage = {0, 0};
            for (Path dir : List.of(cx.images.root(), cx.images.snapshots().root())) {
                add(dir, usage);
            }
            return ImageFsInfoResponse.newBuilder().addImageFilesystems(FilesystemUsage.newBuilder()
                    .setTimestamp(TraceEvent.Clock.nowNanos())
                    .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(cx.service.settings().stateRoot().toString()))
                    .setUsedBytes(UInt64Value.newBuilder().setValue(usage[0]))
                    .setInodesUsed(UInt64Value.newBuilder().setValue(usage[1]))).build();
        });
    }

    private static void add(Path dir, long[] usage) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.forEach(p -> {
                usage[1]++;
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        usage[0] += Files.size(p);
                    }
                } catch (IOException e) {
                    // Removed while walking: not counted.
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new PodlabException(PodlabException.failed("measure", dir.toString(), e), e);
        }
    }
}
