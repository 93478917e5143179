package dev.podlab.core.oci;

import dev.podlab.core.container.InvalidConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalhostSeccompTest {
    @TempDir
    Path dir;

    private Path root() throws IOException {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("profiles"));
        return root;
    }

    @Test
    void resolvesInsideTheRootAndRefusesEscapesAndMissingFiles() throws IOException {
        Path root = root();
        Files.writeString(root.resolve("profiles/a.json"), "{}");
        Files.writeString(dir.resolve("outside.json"), "{}");
        Files.createSymbolicLink(root.resolve("profiles/link.json"), dir.resolve("outside.json"));
        Files.createDirectories(root.resolve("profiles/dir.json"));

        assertThat(LocalhostSeccomp.resolve(root, "profiles/a.json")).isEqualTo(root.resolve("profiles/a.json").toRealPath());
        assertThatThrownBy(() -> LocalhostSeccomp.resolve(root, "profiles/../../outside.json"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("may not contain \"..\"");
        assertThatThrownBy(() -> LocalhostSeccomp.resolve(root, "/etc/passwd"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("relative");
        assertThatThrownBy(() -> LocalhostSeccomp.resolve(root, "profiles/link.json"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("outside the profile root");
        assertThatThrownBy(() -> LocalhostSeccomp.resolve(root, "profiles/none.json"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("failed to resolve seccomp profile \"profiles/none.json\": " + root.resolve("profiles/none.json")
                        + " does not exist");
        assertThatThrownBy(() -> LocalhostSeccomp.resolve(root, "profiles/dir.json"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("not a regular file");
    }

    @Test
    void parsesTheOciAndDockerFormat() throws IOException {
        Path f = dir.resolve("p.json");
        Files.writeString(f, """
                {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
                 "syscalls": [
                   {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                   {"name": "mkdir", "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                   {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                             {"index": 1, "value": 18446744073709551615, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]},
                   {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_BOOT"]}},
                   {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
                   {"names": ["arm_fadvise64_64"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm"]}}
                 ]}
                """);
        RuntimeSpec.Seccomp s = LocalhostSeccomp.load(f, List.of("CAP_CHOWN"));
        assertThat(s.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(s.defaultErrnoRet()).isEqualTo(38);
        assertThat(s.architectures()).containsExactly("SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(s.syscalls()).extracting(RuntimeSpec.Syscall::names).containsExactly(
                List.of("read", "write"), List.of("mkdir"), List.of("personality"), List.of("ptrace"));
        assertThat(s.syscalls().get(1).errnoRet()).isEqualTo(1);
        assertThat(s.syscalls().get(2).args()).containsExactly(
                new RuntimeSpec.SyscallArg(0, 8, null, "SCMP_CMP_EQ"),
                new RuntimeSpec.SyscallArg(1, -1L, 4L, "SCMP_CMP_MASKED_EQ"));
        // With CAP_SYS_BOOT and CAP_SYS_ADMIN the conditions turn the other way.
        assertThat(LocalhostSeccomp.load(f, List.of("CAP_SYS_BOOT", "CAP_SYS_ADMIN")).syscalls())
                .extracting(RuntimeSpec.Syscall::names).contains(List.of("reboot")).doesNotContain(List.of("ptrace"));
    }

    @Test
    void refusesWhatTheShimCannotLoad() throws IOException {
        Path f = dir.resolve("p.json");
        for (String[] c : new String[][] {
                {"not json", "failed to load seccomp profile " + f + ": Unrecognized token"},
                {"[]", "expected a JSON object"},
                {"{}", "defaultAction: expected a non-empty string"},
                {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "defaultAction: unsupported action \"SCMP_ACT_NOTIFY\""},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}",
                        "syscalls[0]: no syscall names"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
                        + "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                        "syscalls[0].args[0].index: expected 0 to 5"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
                        + "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_LIKE\"}]}]}",
                        "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_LIKE\""}}) {
            Files.writeString(f, c[0]);
            assertThatThrownBy(() -> LocalhostSeccomp.load(f, List.of())).as(c[0])
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining(c[1])
                    .hasMessageStartingWith("failed to load seccomp profile " + f + ": ");
        }
    }
}
