package dev.podlab.core.image.registry;

import dev.podlab.core.image.ImageException;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistryConfigTest {

    @Test
    void loopbackIsInsecureByDefaultAndNothingElse() {
        RegistryConfig c = RegistryConfig.defaults();
        assertThat(c.isInsecure("localhost:5000")).isTrue();
        assertThat(c.isInsecure("localhost")).isTrue();
        assertThat(c.isInsecure("127.0.0.1:5000")).isTrue();
        assertThat(c.isInsecure("127.12.3.4")).isTrue();
        assertThat(c.isInsecure("[::1]:5000")).isTrue();
        assertThat(c.isInsecure("128.0.0.1")).isFalse();
        assertThat(c.isInsecure("127.example.com")).isFalse();
        assertThat(c.isInsecure("localhost.example.com")).isFalse();
        assertThat(c.isInsecure("docker.io")).isFalse();
        assertThat(c.parallelDownloads()).isEqualTo(3);
    }

    @Test
    void endpointsFollowTheInsecureSetting() {
        RegistryConfig c = RegistryConfig.builder().insecure("registry.lan:5000").build();
        assertThat(c.endpoint("registry.lan:5000")).isEqualTo(URI.create("http://registry.lan:5000"));
        assertThat(c.endpoint("quay.io")).isEqualTo(URI.create("https://quay.io"));
        assertThat(c.endpoint("docker.io")).isEqualTo(URI.create("https://registry-1.docker.io"));
        assertThat(c.endpoint("localhost:5000")).isEqualTo(URI.create("http://localhost:5000"));
    }

    @Test
    void mirrorsComeFirstInTheOrderGiven() {
        RegistryConfig c = RegistryConfig.builder()
                .mirror("docker.io", "http://127.0.0.1:5000/")
                .mirror("index.docker.io", "mirror.example.com")
                .mirror("docker.io", "127.0.0.2:6000")
                .parallelDownloads(5)
                .build();
        assertThat(c.pullEndpoints("docker.io")).containsExactly(
                new Endpoint(URI.create("http://127.0.0.1:5000"), true),
                new Endpoint(URI.create("https://mirror.example.com"), true),
                new Endpoint(URI.create("http://127.0.0.2:6000"), true),
                new Endpoint(URI.create("https://registry-1.docker.io"), false));
        assertThat(c.pullEndpoints("quay.io")).containsExactly(new Endpoint(URI.create("https://quay.io"), false));
        assertThat(c.parallelDownloads()).isEqualTo(5);
        RegistryConfig changed = c.toBuilder().mirrors("docker.io", java.util.List.of()).build();
        assertThat(changed.mirrors("docker.io")).isEmpty();
        assertThat(c.mirrors("docker.io")).hasSize(3);
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> RegistryConfig.builder().parallelDownloads(0))
                .isInstanceOf(ImageException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> RegistryConfig.builder().mirror("docker.io", "ftp://mirror"))
                .isInstanceOf(ImageException.class).hasMessageContaining("failed to configure mirror \"ftp://mirror\"");
    }

    @Test
    void endpointPathsJoinWithoutDoubleSlashes() {
        Endpoint e = new Endpoint(URI.create("https://mirror.example.com/prefix/"), true);
        assertThat(e.resolve("/v2/library/busybox/manifests/latest"))
                .isEqualTo(URI.create("https://mirror.example.com/prefix/v2/library/busybox/manifests/latest"));
    }
}
