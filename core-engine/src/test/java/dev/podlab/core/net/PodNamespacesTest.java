package dev.podlab.core.net;

import static dev.podlab.core.net.NetTestSupport.inode;
import static dev.podlab.core.net.NetTestSupport.mountsUnder;
import static dev.podlab.core.net.NetTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.core.testing.HostRequirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("root")
class PodNamespacesTest {

    @TempDir
    Path runRoot;
    PodNamespaces namespaces;

    @BeforeEach
    void setUp() {
        HostRequirements.requireRoot();
        HostRequirements.requireCommand("nsenter");
        namespaces = PodNamespaces.open(runRoot);
    }

    @AfterEach
    void cleanUp() {
        if (namespaces == null) {
            return;
        }
        namespaces.list().forEach(namespaces::remove);
        namespaces.releaseDirectories();
        assertThat(mountsUnder(runRoot)).isEmpty();
    }

    @Test
    void createPinsThreeNewNamespacesAsNsfsMountsWithTheHostname() throws Exception {
        PodNamespacePaths p = namespaces.create("pod1", "web-0");

        assertThat(p.net()).isEqualTo(runRoot.resolve("netns/pod1"));
        assertThat(p.ipc()).isEqualTo(runRoot.resolve("ipcns/pod1"));
        assertThat(p.uts()).isEqualTo(runRoot.resolve("utsns/pod1"));
        for (Path f : new Path[] {p.net(), p.ipc(), p.uts()}) {
            assertThat(MountInfo.at(f)).singleElement().extracting(MountInfo::fsType).isEqualTo("nsfs");
        }
        // A process that joins the file sees exactly that namespace, and it is not the JVM's own.
        assertThat(ok("nsenter", "--net=" + p.net(), "readlink", "/proc/self/ns/net").trim())
                .isEqualTo("net:[" + inode(p.net()) + "]");
        assertThat(ok("nsenter", "--ipc=" + p.ipc(), "readlink", "/proc/self/ns/ipc").trim())
                .isEqualTo("ipc:[" + inode(p.ipc()) + "]");
        assertThat(ok("nsenter", "--uts=" + p.uts(), "readlink", "/proc/self/ns/uts").trim())
                .isEqualTo("uts:[" + inode(p.uts()) + "]");
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString()).isNotEqualTo("net:[" + inode(p.net()) + "]");
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/ns/uts")).toString()).isNotEqualTo("uts:[" + inode(p.uts()) + "]");
        // The hostname was set inside, the host's is untouched.
        assertThat(ok("nsenter", "--uts=" + p.uts(), "hostname").trim()).isEqualTo("web-0");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim()).isNotEqualTo("web-0");
        // A fresh network namespace: only lo, and it is down.
        assertThat(ok("nsenter", "--net=" + p.net(), "ip", "-o", "link")).contains("lo:").doesNotContain("eth0");
        assertThat(namespaces.exists("pod1")).isTrue();
        assertThat(namespaces.list()).containsExactly("pod1");
        assertThat(p.ociPaths()).isEqualTo(Map.of("network", p.net().toString(), "ipc", p.ipc().toString(),
                "uts", p.uts().toString()));
    }

    @Test
    void eachPodGetsItsOwnNamespaces() throws Exception {
        PodNamespacePaths a = namespaces.create("a", "a");
        PodNamespacePaths b = namespaces.create("b", "b");

        assertThat(inode(a.net())).isNotEqualTo(inode(b.net()));
        assertThat(inode(a.ipc())).isNotEqualTo(inode(b.ipc()));
        assertThat(ok("nsenter", "--uts=" + b.uts(), "hostname").trim()).isEqualTo("b");
    }

    @Test
    void theNamespaceDirectoriesArePrivateMountsSoPinsDoNotPropagate() {
        namespaces.create("pod1", "h");

        for (String d : new String[] {"netns", "ipcns", "utsns"}) {
            assertThat(MountInfo.at(runRoot.resolve(d))).isNotEmpty().allSatisfy(m -> assertThat(m.shared()).isFalse());
        }
    }

    @Test
    void removeLeavesNoFileAndNoMountAndIsIdempotent() throws Exception {
        PodNamespacePaths p = namespaces.create("pod1", "h");

        namespaces.remove("pod1");
        namespaces.remove("pod1");

        assertThat(p.net()).doesNotExist();
        assertThat(p.ipc()).doesNotExist();
        assertThat(p.uts()).doesNotExist();
        assertThat(Files.readString(MountInfo.SELF)).doesNotContain(p.net().toString())
                .doesNotContain(p.ipc().toString()).doesNotContain(p.uts().toString());
        assertThat(namespaces.exists("pod1")).isFalse();
        assertThat(namespaces.list()).isEmpty();
    }

    @Test
    void removeAlsoDropsCopiesInMountNamespacesMadeAfterTheCreate() throws Exception {
        HostRequirements.requireCommand("unshare");
        PodNamespacePaths p = namespaces.create("pod1", "h");
        // A process in a private mount namespace holds its own copy of every mount, the pins included.
        Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sleep", "60").start();
        try {
            Path itsMounts = Path.of("/proc", String.valueOf(holder.pid()), "mountinfo");
            Path itsMountNs = Path.of("/proc", String.valueOf(holder.pid()), "ns", "mnt");
            Path ourMountNs = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (Files.readSymbolicLink(itsMountNs).equals(ourMountNs) && System.nanoTime() < deadline) {
                Thread.sleep(20); // unshare has not switched namespaces yet
            }
            assertThat(Files.readSymbolicLink(itsMountNs)).isNotEqualTo(ourMountNs);
            assertThat(Files.readString(itsMounts)).contains(p.net().toString());

            namespaces.remove("pod1");

            // Unlinking a mount point detaches it in every mount namespace (Linux 3.18+), so the copy is gone too.
            assertThat(Files.readString(itsMounts)).doesNotContain(p.net().toString()).doesNotContain(p.uts().toString());
        } finally {
            holder.destroyForcibly();
            holder.waitFor();
        }
    }

    @Test
    void removeFinishesAHalfDoneRemove() throws Exception {
        PodNamespacePaths p = namespaces.create("pod1", "h");
        ok("umount", p.ipc().toString()); // as if a remove had stopped after its first umount

        namespaces.remove("pod1");

        assertThat(p.ipc()).doesNotExist();
        assertThat(mountsUnder(runRoot.resolve("netns"))).containsExactly(runRoot.resolve("netns").toString());
    }

    @Test
    void createRefusesAnExistingPodAndBadInput() {
        namespaces.create("pod1", "h");

        assertThatThrownBy(() -> namespaces.create("pod1", "h"))
                .isInstanceOf(NetworkException.class)
                .hasMessage("failed to create namespaces of pod pod1: " + runRoot.resolve("netns/pod1") + " already exists");
        assertThat(namespaces.exists("pod1")).isTrue(); // the refusal did not roll back the existing pod
        assertThatThrownBy(() -> namespaces.create("../x", "h")).hasMessageStartingWith("failed to use pod id \"../x\"");
        assertThatThrownBy(() -> namespaces.create("pod2", "x".repeat(65)))
                .hasMessageContaining("longer than 64 bytes");
        assertThat(runRoot.resolve("netns/pod2")).doesNotExist();
    }
}
