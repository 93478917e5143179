package dev.podlab.core.runtime.builtin;

import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shim on its own, driven by hand-written plans (core-engine/src/test/shim-smoke.sh):
 * covers what the Java engine never asks for (pty logging, partial log lines, exec in a
 * terminal, plan errors), so the C side is checked against docs/shim.md directly.
 */
@Tag("root")
class ShimSmokeTest {
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theShimKeepsItsContract() throws Exception {
        HostRequirements.requireRoot();
        HostRequirements.requireCgroupV1();
        HostRequirements.requireCommand("python3");
        HostRequirements.require(Files.exists(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"))
                || Files.exists(Path.of("/usr/include/asm/unistd_64.h")), "needs the kernel headers (linux-libc-dev)");
        Path root = Files.createTempDirectory(Path.of("/tmp"), "plsmoke");
        try {
            Path shim = ShimBinary.locate(root);
            Process p = new ProcessBuilder("bash", "src/test/shim-smoke.sh", shim.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            assertThat(status).as("shim-smoke.sh output:%n%s", out).isZero();
            assertThat(out).containsPattern("(\\d+)/\\1 checks passed").doesNotContainPattern("(?m)^FAIL ");
        } finally {
            try (var walk = Files.walk(root)) {
                for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(x);
                }
            }
        }
    }
}
