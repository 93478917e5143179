package dev.podlab.core.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageReferenceTest {
    static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "busybox,                          docker.io,        library/busybox,       latest",
            "busybox:1.36,                     docker.io,        library/busybox,       1.36",
            "library/busybox,                  docker.io,        library/busybox,       latest",
            "someone/tool:v2,                  docker.io,        someone/tool,          v2",
            "docker.io/someone/tool,           docker.io,        someone/tool,          latest",
            "index.docker.io/library/alpine,   docker.io,        library/alpine,        latest",
            "localhost/demo,                   localhost,        demo,                  latest",
            "localhost:5000/demo:v1,           localhost:5000,   demo,                  v1",
            "127.0.0.1:5000/a/b/c:t,           127.0.0.1:5000,   a/b/c,                 t",
            "registry.k8s.io/pause:3.9,        registry.k8s.io,  pause,                 3.9",
            "ghcr.io/org/sub/app:1.0-rc.1,     ghcr.io,          org/sub/app,           1.0-rc.1",
            "my-registry.local:443/x__y/z-w,   my-registry.local:443, x__y/z-w,        latest",
    })
    void normalisesLikeDocker(String text, String registry, String repository, String tag) {
        ImageReference r = ImageReference.parse(text);
        assertThat(r.registry()).isEqualTo(registry);
        assertThat(r.repository()).isEqualTo(repository);
        assertThat(r.tag()).isEqualTo(tag);
        assertThat(r.digest()).isNull();
        assertThat(ImageReference.parse(r.toString())).isEqualTo(r);
    }

    @Test
    void digestsPinAndKeepATagOnlyWhenGiven() {
        ImageReference pinned = ImageReference.parse("busybox@sha256:" + HEX);
        assertThat(pinned.tag()).isNull();
        assertThat(pinned.digest()).isEqualTo(new Digest("sha256", HEX));
        assertThat(pinned.toString()).isEqualTo("docker.io/library/busybox@sha256:" + HEX);
        assertThat(pinned.familiar()).isEqualTo("busybox@sha256:" + HEX);
        ImageReference both = ImageReference.parse("localhost:5000/demo:v1@sha256:" + HEX);
        assertThat(both.tag()).isEqualTo("v1");
        assertThat(both.digest().hex()).isEqualTo(HEX);
    }

    @Test
    void familiarFormDropsTheDefaults() {
        assertThat(ImageReference.parse("docker.io/library/busybox:latest").familiar()).isEqualTo("busybox:latest");
        assertThat(ImageReference.parse("someone/tool").familiar()).isEqualTo("someone/tool:latest");
        assertThat(ImageReference.parse("localhost:5000/demo").familiar()).isEqualTo("localhost:5000/demo:latest");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', value = {
            "''|it is empty",
            "Busybox|bad path component \"Busybox\"",
            "busybox:|bad tag \"\"",
            "busybox:-x|bad tag \"-x\"",
            "busybox@sha256:abc|bad digest \"sha256:abc\"",
            "localhost:99999/x|bad registry port \"99999\"",
            "a//b|bad path component \"\"",
            "a/b-/c|bad path component \"b-\"",
            ":tag|no repository name",
    })
    void badReferencesSayWhatIsWrong(String text, String why) {
        assertThatThrownBy(() -> ImageReference.parse(text)).isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to parse image reference \"" + text + "\": ").hasMessageContaining(why);
    }

    @Test
    void digestsAreValidated() {
        assertThat(Digest.parse("sha256:" + HEX).shortHex()).isEqualTo("0123456789ab");
        assertThat(Digest.sha256("".getBytes()).hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThatThrownBy(() -> Digest.parse("md5:abc")).hasMessageContaining("expected sha256");
        assertThatThrownBy(() -> Digest.parse("sha256:" + HEX.toUpperCase())).hasMessageContaining("failed to parse digest");
        assertThatThrownBy(() -> Digest.parse("nocolon")).hasMessageContaining("expected algorithm:hex");
    }
}
