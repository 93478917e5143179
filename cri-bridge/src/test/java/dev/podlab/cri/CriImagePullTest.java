package dev.podlab.cri;

import dev.podlab.core.testing.LocalRegistry;
import dev.podlab.core.testing.TestImages;
import dev.podlab.cri.v1.AuthConfig;
import dev.podlab.cri.v1.ImageFilter;
import dev.podlab.cri.v1.ImageSpec;
import dev.podlab.cri.v1.ImageStatusRequest;
import dev.podlab.cri.v1.ListImagesRequest;
import dev.podlab.cri.v1.PullImageRequest;
import dev.podlab.cri.v1.RemoveImageRequest;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PullImage from a registry on 127.0.0.1 (Debian's docker-registry), then status, list and idempotent removal. */
@Tag("root")
class CriImagePullTest {
    @Test
    void pullStatusRemove() throws Exception {
        LocalRegistry.requireTools();
        Path layouts = Files.createTempDirectory("podlab-cri-layouts");
        try (LocalRegistry registry = LocalRegistry.start(); CriFixture fx = CriFixture.open()) {
            Path dir = layouts.resolve("oci");
            TestImages.layout(dir).layer(l -> l.dir("etc", 0755).file("etc/hello.txt", "hello\n"))
                    .config(c -> c.cmd("/bin/sh")).tag("v1").write();
            registry.push(dir, "v1", "demo");
            String ref = registry.hostPort() + "/demo:v1";
            ImageSpec spec = ImageSpec.newBuilder().setImage(ref).build();

            assertThat(fx.img.imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build()).hasImage()).isFalse();
            // Credentials in the request are offered to the image's registry; this one asks for none.
            String pulled = fx.img.pullImage(PullImageRequest.newBuilder().setImage(spec)
                    .setAuth(AuthConfig.newBuilder().setUsername("u").setPassword("p")).build()).getImageRef();
            assertThat(pulled).startsWith("sha256:");
            var st = fx.img.imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build());
            assertThat(st.getImage().getId()).isEqualTo(pulled);
            assertThat(st.getImage().getRepoTagsList()).contains(ref);
            assertThat(st.getImage().getRepoDigestsList()).singleElement().asString().contains("@sha256:");
            assertThat(fx.img.listImages(ListImagesRequest.newBuilder().setFilter(ImageFilter.newBuilder()
                    .setImage(spec)).build()).getImagesList()).singleElement()
                    .satisfies(i -> assertThat(i.getId()).isEqualTo(pulled));

            assertThatThrownBy(() -> fx.img.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
                    .setImage(registry.hostPort() + "/demo:absent")).build()))
                    .isInstanceOf(StatusRuntimeException.class);
            assertThatThrownBy(() -> fx.img.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
                    .setImage("UPPER/Case:bad tag")).build()))
                    .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("INVALID_ARGUMENT");

            fx.img.removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(pulled)).build());
            fx.img.removeImage(RemoveImageRequest.newBuilder().setImage(spec).build());
            assertThat(fx.img.imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build()).hasImage()).isFalse();
        } finally {
            dev.podlab.core.state.FileTrees.deleteRecursively(layouts);
        }
    }
}
