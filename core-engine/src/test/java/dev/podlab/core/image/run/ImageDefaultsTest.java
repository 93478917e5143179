package dev.podlab.core.image.run;

import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.image.oci.ImageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageDefaultsTest {
    private static ImageConfig image(List<String> entrypoint, List<String> cmd, String wd, String user) {
        return new ImageConfig(null, null, "amd64", "linux", null,
                new ImageConfig.Config(user, null, List.of("PATH=/bin", "A=1"), entrypoint, cmd, null, wd, null, null),
                null, null);
    }

    private static final ImageDefaults.Overrides NONE = new ImageDefaults.Overrides(null, null, null, null);

    @Test
    void dockersPrecedence() {
        ImageConfig img = image(List.of("/entry"), List.of("--serve"), "/srv", "app");
        assertThat(ImageDefaults.apply(img, NONE, "demo")).isEqualTo(
                new ImageDefaults.Process(List.of("/entry", "--serve"), List.of("PATH=/bin", "A=1"), "/srv", "app"));
        // A command replaces Cmd but keeps the entrypoint.
        assertThat(ImageDefaults.apply(img, new ImageDefaults.Overrides(null, List.of("--help"), null, null), "demo").args())
                .containsExactly("/entry", "--help");
        // A new entrypoint drops the image's Cmd.
        assertThat(ImageDefaults.apply(img, new ImageDefaults.Overrides(List.of("/bin/sh"), null, "/", "0"), "demo"))
                .isEqualTo(new ImageDefaults.Process(List.of("/bin/sh"), List.of("PATH=/bin", "A=1"), "/", "0"));
        assertThatThrownBy(() -> ImageDefaults.apply(image(null, null, null, null), NONE, "empty:1"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("empty:1").hasMessageContaining("no Entrypoint or Cmd");
    }

    @Test
    void usersResolveThroughTheImagesAccountFiles(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1000:\nstaff:x:50:app,other\nwheel:x:10:other\n");
        assertThat(UserResolver.resolve("app", root)).isEqualTo(new UserResolver.ResolvedUser(1000, 1000, List.of(50)));
        assertThat(UserResolver.resolve("app:staff", root)).isEqualTo(new UserResolver.ResolvedUser(1000, 50, List.of()));
        assertThat(UserResolver.resolve("1000", root).gid()).isEqualTo(1000);
        assertThat(UserResolver.resolve("4242:7", root)).isEqualTo(new UserResolver.ResolvedUser(4242, 7, List.of()));
        assertThat(UserResolver.resolve(null, root)).isEqualTo(new UserResolver.ResolvedUser(0, 0, List.of()));
        assertThatThrownBy(() -> UserResolver.resolve("nobody", root)).hasMessageContaining("no user \"nobody\"");
        assertThatThrownBy(() -> UserResolver.resolve("app:nogroup", root)).hasMessageContaining("no group \"nogroup\"");
    }

    @Test
    void accountFilesBehindSymlinksAreNotFollowed(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("etc/passwd"), Path.of("/etc/passwd"));
        assertThatThrownBy(() -> UserResolver.resolve("root", root)).hasMessageContaining("no user \"root\"");
    }
}
