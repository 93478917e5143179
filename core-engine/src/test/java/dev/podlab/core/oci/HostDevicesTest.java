package dev.podlab.core.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class HostDevicesTest {
    @Test
    void theHostsDevNodesWithTheirNumbersAndNotTheSkippedOnes() {
        var devices = HostDevices.scan(Path.of("/dev"));
        // /dev/null exists on every Linux host: char 1:3, mode 0666.
        assertThat(devices).contains(new RuntimeSpec.Device("/dev/null", "c", 1, 3, 0666, 0, 0));
        assertThat(devices).noneMatch(d -> d.path().equals("/dev/console") || d.path().startsWith("/dev/pts/")
                || d.path().startsWith("/dev/shm/") || d.path().startsWith("/dev/mqueue/"));
        if (Files.exists(Path.of("/dev/loop-control"))) {
            assertThat(devices).anyMatch(d -> d.path().equals("/dev/loop-control") && d.type().equals("c")
                    && d.major() == 10 && d.minor() == 237);
        }
    }

    @Test
    void regularFilesDirectoriesAndSymlinksAreNotDevices(@TempDir Path dev) throws IOException {
        Files.writeString(dev.resolve("file"), "x");
        Files.createDirectories(dev.resolve("sub/pts"));
        Files.createSymbolicLink(dev.resolve("null-link"), Path.of("/dev/null"));
        assertThat(HostDevices.scan(dev)).isEmpty();
    }
}
