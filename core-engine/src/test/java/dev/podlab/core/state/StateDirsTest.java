package dev.podlab.core.state;

import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class StateDirsTest {
    @TempDir
    Path tmp;

    @Test
    void theRootIsTraversableAndContainerDataOwnerOnly() throws Exception {
        Path root = tmp.resolve("state");
        Files.createDirectories(root.resolve("containers"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("containers"), PosixFilePermissions.fromString("rwxr-xr-x"));
        StateDirs.secure(root);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx--x--x");
        for (String dir : StateDirs.PRIVATE) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(dir))))
                    .as(dir).isEqualTo("rwx------");
        }
        // A stricter mode the admin chose stays.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        StateDirs.secure(root);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
    }

    /**
     * The point of it: a setuid-root file a container (or a guest, through the 9p share) made in its
     * rootfs cannot be reached by another host user.
     */
    @Test
    @Tag("root")
    void anotherUserCannotReachAContainersFiles() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("setpriv");
        Path root = Files.createTempDirectory(Path.of("/tmp"), "plstate");
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            new ContainerStore(root);
            Path file = Files.createDirectories(root.resolve("containers/c1/upper/tmp")).resolve("suid");
            Files.writeString(file, "x");
            assertThat(new ProcessBuilder("chmod", "4755", file.toString()).start().waitFor()).isZero();
            Path tool = Files.createDirectories(root.resolve("bin")).resolve("reachable");
            Files.writeString(tool, "x");
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
                    "cat " + tool + "; echo; cat " + file + " 2>&1; ls " + root + " 2>&1").redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            assertThat(out).startsWith("x\n").contains(file + ": Permission denied",
                    "cannot open directory '" + root + "': Permission denied");
        } finally {
            dev.podlab.core.state.FileTrees.deleteRecursively(root);
        }
    }
}
