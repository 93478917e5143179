package dev.podlab.core.host;

import dev.podlab.core.host.Check.Status;
import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The real probe on this project's machines (Debian 12, cgroup v1 hybrid, no CAP_SYS_RESOURCE, runc 1.1.5). */
@Tag("root")
class LinuxHostProbeTest {

    @Test
    void reportsWhatThisMachineHas() throws Exception {
        HostRequirements.requireRoot();
        Path stateRoot = Files.createTempDirectory(Path.of("/tmp"), "pldoctor");
        try {
            List<Check> checks = HostDoctor.run(new LinuxHostProbe(), new DoctorContext(stateRoot,
                    Path.of("/etc/cni/net.d"), List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"))));
            Map<String, Check> byId = checks.stream().collect(Collectors.toMap(Check::id, Function.identity()));

            assertThat(byId.get("root").status()).isEqualTo(Status.OK);
            assertThat(byId.get("cgroup").detail()).startsWith("cgroup v1 hybrid");
            assertThat(byId.get("overlayfs").status()).isEqualTo(Status.OK);
            assertThat(byId.get("cap.sys_admin").status()).isEqualTo(Status.OK);
            assertThat(byId.get("cap.sys_resource").status()).isEqualTo(Status.WARN);
            Check runc = byId.get("runtime.runc");
            assertThat(runc.status()).isEqualTo(Status.OK);
            assertThat(runc.detail()).matches(".*runc \\d+\\.\\d+\\.\\d+");
            assertThat(byId.get("state-root").status()).isEqualTo(Status.OK);
            assertThat(byId.get("kvm").status()).isEqualTo(Status.INFO);
            if (byId.get("runtime.crun").detail().startsWith("crun ")) {
                assertThat(byId.get("runtime.crun").status()).isEqualTo(Status.WARN); // hybrid host
            }
        } finally {
            Files.deleteIfExists(stateRoot);
        }
    }
}
